#!/usr/bin/env node
// Turns the JSON lines of run.mjs (webgpu, then wasm) into RESULTS.md on stdout.
// usage: node bench/gpu/report.mjs webgpu.jsonl wasm.jsonl [webgpu.err]
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

const read = (f) =>
  existsSync(f)
    ? readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
    : [];
const [gpuFile, wasmFile, errFile] = process.argv.slice(2);
const gpu = read(gpuFile);
const wasm = read(wasmFile);
const backendOf = (rows) => rows.find((r) => r.kind === 'backend');
const models = (rows) => rows.filter((r) => r.kind === 'model');
const f = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');
const gb = backendOf(gpu);
const a = gb?.webgpu;
const lines = [];
lines.push('# GPU benchmark (webgpu backend vs wasm, same run)', '');
lines.push(
  `Measured ${new Date().toISOString()} on ${os.cpus()[0]?.model ?? 'unknown CPU'} x ${os.cpus().length}, Node ${process.version}.`,
);
if (gb?.backend !== 'webgpu') {
  const why =
    errFile && existsSync(errFile)
      ? readFileSync(errFile, 'utf8')
          .split('\n')
          .filter((l) => /WebGPU|webgpu/.test(l))
          .slice(-1)[0]
      : '';
  lines.push('', `**No WebGPU adapter**: ${why || 'the webgpu run produced no backend line'}.`);
} else {
  lines.push(
    '',
    `Adapter: ${[a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed'} (${a.description}), ` +
      `**${a.software ? 'software (not a speed claim)' : 'hardware'}**, Dawn ${a.dawnBackend}/${a.featureLevel}, ` +
      `maxBufferSize ${a.limits.maxBufferSize}, maxStorageBufferBindingSize ${a.limits.maxStorageBufferBindingSize}.`,
  );
}
lines.push(
  '',
  'Training step = loss and every gradient of one batch (no optimizer update), median after one',
  'compiling step; inference = `model.predict` on one batch, median after one warm-up. img/s.',
  '',
  '| model | batch | webgpu train | wasm train | ratio | webgpu infer | wasm infer | ratio | first webgpu step (s) | note |',
  '|---|---|---|---|---|---|---|---|---|---|',
);
for (const g of models(gpu)) {
  const w = models(wasm).find((r) => r.arch === g.arch && r.size === g.size) ?? {};
  const note = [
    g.skipped && `webgpu: ${g.skipped}`,
    g.error && `webgpu: ${g.error}`,
    w.skipped && `wasm: ${w.skipped}`,
    w.error && `wasm: ${w.error}`,
  ]
    .filter(Boolean)
    .join('; ');
  lines.push(
    `| ${g.arch}@${g.size} | ${g.batch} | ${f(g.trainImgPerS)} | ${f(w.trainImgPerS)} | ${f(g.trainImgPerS / w.trainImgPerS)} | ` +
      `${f(g.inferImgPerS)} | ${f(w.inferImgPerS)} | ${f(g.inferImgPerS / w.inferImgPerS)} | ${f(g.firstTrainStepS, 1)} | ${note} |`,
  );
}
lines.push(
  '',
  'Ratio = webgpu img/s / wasm img/s (> 1: the GPU path is faster). wasm runs one thread in Node.',
  '',
);
process.stdout.write(`${lines.join('\n')}\n`);
