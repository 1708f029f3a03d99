#!/usr/bin/env node
// Writes weights/locate-v1.json, the model card of the shipped weights, from the weights file
// and the training record scripts/train.mjs wrote beside it. Run after training:
//   node scripts/card.mjs [--weights weights/locate-v1.bin]
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: { weights: { type: 'string', default: resolve(import.meta.dirname, '../weights/locate-v1.bin') } },
});
const bytes = readFileSync(a.weights);
const record = JSON.parse(readFileSync(a.weights.replace(/\.bin$/, '.training.json'), 'utf8'));
const sha256 = createHash('sha256').update(bytes).digest('hex');
if (sha256 !== record.sha256)
  throw new Error(
    `the weights (${sha256}) are not the ones the training record describes (${record.sha256})`,
  );
const count = (ds) => record.cases.filter((c) => c.dataset === ds).length;
const header = JSON.parse(
  bytes.subarray(10, 10 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(6, true)).toString(),
);
const parameters = header.params.reduce((s, p) => s + p.shape.reduce((x, y) => x * y, 1), 0);
const card = {
  name: '@op-screen/locate lumbar vertebra locator',
  version: '1',
  weights: 'locate-v1.bin',
  sha256,
  bytes: bytes.length,
  parameters,
  spacingMm: header.spacing,
  training: {
    command: `node scripts/train.mjs --epochs ${record.epochs} --seed ${record.seed}`,
    seed: record.seed,
    epochs: record.epochs,
    cases: record.cases.length,
    datasets: [
      {
        name: 'MyoSegmenTUM spine (Burian et al., BMC Musculoskelet Disord 20:152, 2019; OSF 3j54b)',
        cases: count('myosegmentum'),
        citation:
          'Burian E, et al. Lumbar muscle and vertebral bodies segmentation of chemical shift encoding-based water-fat MRI: the reference database MyoSegmenTUM spine. BMC Musculoskelet Disord. 2019;20:152.',
        terms:
          'described by its authors as freely accessible; paper CC BY 4.0; research and testing use, cite the authors',
      },
      {
        name: 'Zukic et al. lumbar MRI (SpineWeb)',
        cases: count('zukic'),
        citation:
          'Zukic D, et al. Robust detection and segmentation for diagnosis of vertebral diseases using routine MR images. Comput Graph Forum. 2014;33:190-204.',
        terms: 'SpineWeb research data; research and testing use, cite the authors',
      },
    ],
    record: 'locate-v1.training.json',
  },
  evaluation:
    'packages/locate/README.md#accuracy (leave-one-dataset-out and 5-fold by subject, models trained without the test cases)',
  intendedUse:
    'research use only, not for diagnosis: proposes L1-L4 boxes on sagittal lumbar MRI for a person or a QC gate to check',
};
const out = resolve(a.weights.replace(/\.bin$/, '.json'));
writeFileSync(`${out}.tmp`, `${JSON.stringify(card, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
console.error(`wrote ${out}`);
