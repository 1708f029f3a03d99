#!/usr/bin/env node
// The gate of bench/gpu/run.sh: a hardware WebGPU adapter (Dawn through Vulkan) or a one-line
// reason and exit 2 within seconds, so a lent GPU machine's run never spends its minutes on a
// software rasteriser. `--allow-software` lets Mesa llvmpipe (or another software adapter) through
// for a tiny correctness run. Prints one line on stdout either way (Dawn's own warnings go to
// stderr, which run.sh keeps out of the way): the adapter, exit 0; or why not, exit 2.
// usage: node bench/gpu/adapter-check.mjs [--allow-software]
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lib = await import(join(here, '../../packages/efficientnet/dist/index.js'));
const allowSoftware = process.argv.includes('--allow-software');
const r = await lib.probeWebGpuAdapter();
const name =
  [r.vendor, r.architecture, r.device, r.description].filter(Boolean).join(' ').trim() || 'unnamed adapter';
if (!r.found) {
  console.log(
    `bench/gpu: no WebGPU adapter (${r.reason}); needs Dawn (npm webgpu), the Vulkan loader libvulkan1 and the GPU's Vulkan driver`,
  );
  process.exit(2);
}
if (r.kind === 'software' && !allowSoftware) {
  console.log(
    `bench/gpu: only a software adapter (${name}, Dawn ${r.dawnBackend ?? '?'}): not a GPU, so no GPU numbers; pass --allow-software for a tiny correctness run`,
  );
  process.exit(2);
}
console.log(`${r.kind} adapter: ${name} (Dawn ${r.dawnBackend ?? '?'}, ${r.featureLevel ?? '?'})`);
