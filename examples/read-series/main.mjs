#!/usr/bin/env node
// Reads a sagittal DICOM series, picks the mid-sagittal slice (ordered along the slice normal, not
// by file name) and writes one NIfTI crop per vertebra L1-L4.
//   node main.mjs [--series DIR] [--rois rois.json] [--out DIR] [--check]
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  computeStats,
  cropRoi,
  readNifti,
  readSeriesDirectory,
  readSlice,
  sliceToNifti,
  writeNifti1,
} from '@op-screen/mri-io';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    series: { type: 'string', default: join(here, '../../../shared/data/dicom/generated/sag_t1') },
    rois: { type: 'string', default: join(here, 'rois.json') },
    out: { type: 'string', default: 'out' },
    check: { type: 'boolean', default: false },
  },
});
const out = resolve(here, args.out);
mkdirSync(out, { recursive: true });

const { series, skipped } = await readSeriesDirectory(args.series);
for (const s of skipped) console.warn(`skipped ${s.path}: ${s.code}`);
if (series.length !== 1) throw new Error(`expected one series in ${args.series}, found ${series.length}`);
const s = series[0];
console.log(
  `series: ${s.shape.join(' x ')} (slices x rows x columns), ${s.sliceSpacing} mm apart; mid-sagittal: ${s.midSagittal}`,
);

const slice = await readSlice(args.series); // the mid-sagittal slice, real-world values (float32)
const rois = JSON.parse(readFileSync(args.rois, 'utf8'));
const written = [];
for (const level of ['L1', 'L2', 'L3', 'L4']) {
  const crop = cropRoi(slice, rois[level]);
  const path = join(out, `${level}.nii.gz`);
  await writeNifti1(path, sliceToNifti(crop, `${level} mid-sagittal crop`));
  written.push({ level, path, crop });
  console.log(
    `${level}: ${crop.columns}x${crop.rows} px at x=${rois[level].x} y=${rois[level].y} -> ${path}`,
  );
}

if (args.check) {
  // The written files read back to the same pixels, and each box holds bright vertebral marrow.
  const sliceMean = computeStats(slice.data).mean;
  for (const w of written) {
    const img = await readNifti(w.path);
    const same = img.data.length === w.crop.data.length && img.data.every((v, i) => v === w.crop.data[i]);
    const mean = computeStats(img.data).mean;
    if (!same || img.shape[0] !== w.crop.columns || img.shape[1] !== w.crop.rows || !(mean > 2 * sliceMean)) {
      console.error(
        `check failed for ${w.level}: same=${same} shape=${img.shape} mean=${mean} slice mean=${sliceMean}`,
      );
      process.exit(1);
    }
  }
  console.log(
    `check ok: 4 crops written and read back; crop means exceed twice the slice mean (${sliceMean.toFixed(1)})`,
  );
}
