#!/usr/bin/env node
// DICOM vertebra crop -> the study's network input, with before/after PNGs.
//
//   node main.mjs [DICOM file or series dir] [--roi x,y,w,h] [--preset study-efficientnet-b4|study-resnet50]
//                 [--out DIR (default ./out)] [--check]
//
// Default input: the generated T1 phantom series in ../shared (mid-sagittal slice picked by
// @op-screen/mri-io). Writes DIR/before.png (the crop, min-max scaled to 8 bit), DIR/after.png
// (the network input, [0, 1] -> 8 bit), DIR/network-input.f32 (raw float32, row-major) and
// DIR/preprocess.json (the exact pipeline spec and shapes, for the run report).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cropRoi, readSlice } from '@op-screen/mri-io';
import { createPipeline, getPreset, imageFromData, minMax, minMaxNormalize } from '@op-screen/preprocess';
import pngjs from 'pngjs';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(here, '../../../shared');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    roi: { type: 'string' },
    preset: { type: 'string', default: 'study-efficientnet-b4' },
    out: { type: 'string' },
    check: { type: 'boolean', default: false },
  },
});
const input = positionals[0] ?? join(shared, 'data/dicom/generated/sag_t1');
// --check without --out (the CI test) writes to a fresh temporary directory.
const outDir = values.out
  ? resolve(process.cwd(), values.out)
  : values.check
    ? mkdtempSync(join(tmpdir(), 'preprocess-crop-'))
    : resolve(here, 'out');

// 1. Read the crop through mri-io's public API (modality LUT applied, float32).
let slice = await readSlice(input);
if (values.roi) {
  const [x, y, width, height] = values.roi.split(',').map(Number);
  slice = cropRoi(slice, { x, y, width, height });
}
const crop = imageFromData(slice.data, { height: slice.rows, width: slice.columns });

// 2. The study's deterministic preprocessing (no augmentation outside training).
const spec = getPreset(values.preset);
const networkInput = createPipeline(spec).run(crop);

// 3. Before/after PNGs (8-bit grayscale; the "before" is min-max scaled only for display).
function writePng(path, img) {
  const png = new pngjs.PNG({
    width: img.width,
    height: img.height,
    colorType: 0,
    inputColorType: 0,
    bitDepth: 8,
  });
  png.data = Buffer.from(img.data.map((v) => Math.round(Math.min(1, Math.max(0, v)) * 255)));
  writeFileSync(path, pngjs.PNG.sync.write(png, { colorType: 0, inputColorType: 0 }));
}
mkdirSync(outDir, { recursive: true });
writePng(join(outDir, 'before.png'), minMaxNormalize(crop));
writePng(join(outDir, 'after.png'), networkInput);
writeFileSync(join(outDir, 'network-input.f32'), Buffer.from(networkInput.data.buffer));
const summary = {
  input: { rows: crop.height, columns: crop.width, range: minMax(crop) },
  output: { rows: networkInput.height, columns: networkInput.width, range: minMax(networkInput) },
  pipeline: spec,
};
writeFileSync(join(outDir, 'preprocess.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(
  `${crop.height}x${crop.width} crop -> ${networkInput.height}x${networkInput.width} network input (${spec.name}); wrote ${outDir}`,
);

if (values.check) {
  // The default input's mid-sagittal slice is ../shared/data/preprocess/input.f32 (SciPy's input):
  // reading it through DICOM must give the same pixels and so the same network input.
  const fail = (msg) => {
    console.error(`check failed: ${msg}`);
    process.exit(1);
  };
  const buf = readFileSync(join(shared, 'data/preprocess/input.f32'));
  const ref = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (positionals[0] === undefined && !values.roi) {
    if (ref.length !== crop.data.length || ref.some((v, i) => v !== crop.data[i])) {
      fail('DICOM mid-sagittal slice differs from shared/data/preprocess/input.f32');
    }
  }
  const size = spec.steps.find((s) => s.name === 'resize').params.height;
  if (networkInput.height !== size || networkInput.width !== size) fail(`output is not ${size}x${size}`);
  const { min, max } = minMax(networkInput);
  if (min < 0 || max > 1) fail(`output range [${min}, ${max}] is outside [0, 1]`);
  for (const name of ['before.png', 'after.png']) {
    const png = pngjs.PNG.sync.read(readFileSync(join(outDir, name)));
    const want = name === 'before.png' ? [crop.width, crop.height] : [size, size];
    if (png.width !== want[0] || png.height !== want[1]) fail(`${name} is ${png.width}x${png.height}`);
  }
  console.log(
    'check ok: DICOM slice equals the SciPy reference input; output shape, range and PNGs verified',
  );
  if (!values.out) rmSync(outDir, { recursive: true, force: true });
}
