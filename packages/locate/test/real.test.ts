// The shipped weights on real series: boxes and levels on cases of both datasets, the same answer
// in patient mm whatever the stored orientation or pixel spacing, and a warning or refusal (never
// confident boxes) on the bad inputs of the issue. These cases are in the shipped model's
// training set, so this guards the weights and the decoding against regressions; the accuracy on
// unseen series is measured by scripts/cross-validate.mjs (README, "Accuracy").
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type NiftiImage, readNifti, type Volume } from '@op-screen/mri-io';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_CARD } from '../src/card.js';
import { type LocateResult, locateVertebrae, STUDY_LEVELS } from '../src/locate.js';
import type { Locator } from '../src/locator.js';
import { loadLocator, readLocateInput } from '../src/node.js';
import { toSagittalStack } from '../src/stack.js';
import { bodyCentres, VERSE_LEVELS } from '../src/targets.js';
import { REAL_SPINE } from './real-spine.js';

const SHARED = resolve(REAL_SPINE, '..');
let locator: Locator;
beforeAll(async () => {
  await tf.setBackend('wasm');
  locator = await loadLocator();
});
afterAll(() => locator?.dispose());

const nifti = (id: string, f = 'image.nii.gz') => readNifti(join(REAL_SPINE, id, f));

/** A copy of a 3-D NIfTI with new data, shape and affine (what a converter of another layout writes). */
function variant(img: NiftiImage, shape: number[], data: Float32Array, affine: number[][]): NiftiImage {
  return {
    ...img,
    file: undefined,
    shape,
    data,
    affine,
    zooms: [0, 1, 2].map((k) => Math.hypot(affine[0][k], affine[1][k], affine[2][k])),
    scaling: null,
    dtype: 'float32',
  };
}
const at = (img: NiftiImage, i: number, j: number, k: number) =>
  Number(img.data[i + j * img.shape[0] + k * img.shape[0] * img.shape[1]]);

async function truthOf(id: string, slice: number) {
  const m = toSagittalStack(await nifti(id, 'mask.nii.gz')).slices[slice];
  return bodyCentres(m)
    .filter((b) => b.area >= 20)
    .map((b) => ({ ...b, level: VERSE_LEVELS[b.label] }));
}

describe('shipped weights on real series', () => {
  it('are the ones the model card names', () => {
    expect(locator.sha256).toBe(MODEL_CARD.sha256);
    expect(readFileSync(join(import.meta.dirname, '../weights/locate-v1.bin')).length).toBe(MODEL_CARD.bytes);
  });

  for (const id of ['myosegmentum/VB3_04', 'myosegmentum/VB3_34', 'zukic/VB1_06', 'zukic/VB1_11']) {
    it(`finds and numbers L1-L4 on ${id}`, async () => {
      const r = await locateVertebrae(await nifti(id), locator);
      const truth = await truthOf(id, r.slice);
      for (const level of STUDY_LEVELS) {
        const b = r.levels[level];
        expect(b, `${level} ${JSON.stringify(r.warnings)}`).toBeDefined();
        const t = truth.find((x) => x.level === level);
        expect(t, level).toBeDefined();
        if (!b || !t) continue;
        const dist = (x: { r: number; c: number }) => Math.hypot(x.r - b.centre[0], x.c - b.centre[1]);
        expect([...truth].sort((p, q) => dist(p) - dist(q))[0]?.level, `${level} is the nearest body`).toBe(
          level,
        );
        expect(dist(t)).toBeLessThan(8); // mm (1 mm pixels)
        const tb = { x: t.left, y: t.top, width: t.right - t.left + 1, height: t.bottom - t.top + 1 };
        const ix = Math.max(0, Math.min(b.rect.x + b.rect.width, tb.x + tb.width) - Math.max(b.rect.x, tb.x));
        const iy = Math.max(
          0,
          Math.min(b.rect.y + b.rect.height, tb.y + tb.height) - Math.max(b.rect.y, tb.y),
        );
        const iou = (ix * iy) / (b.rect.width * b.rect.height + tb.width * tb.height - ix * iy);
        expect(iou, level).toBeGreaterThan(0.6);
      }
      expect(r.csf).not.toBeNull();
      expect(r.numbering?.confidence).toBeGreaterThan(0.5);
    });
  }

  it('gives the same boxes in patient mm for a transposed, flipped or finer-sampled copy of the series', async () => {
    const img = await nifti('myosegmentum/VB3_12');
    const [n0, n1, n2] = img.shape as [number, number, number];
    const A = img.affine;
    const base = await locateVertebrae(img, locator);
    // 1. in-plane axes swapped (rows <-> columns)
    const swapped = new Float32Array(n0 * n1 * n2);
    for (let k = 0; k < n2; k++)
      for (let j = 0; j < n1; j++)
        for (let i = 0; i < n0; i++) swapped[j + i * n1 + k * n0 * n1] = at(img, i, j, k);
    const swapA = A.map((row) => [row[1], row[0], row[2], row[3]]);
    // 2. the head-feet axis stored the other way round
    const flipped = new Float32Array(n0 * n1 * n2);
    for (let k = 0; k < n2; k++)
      for (let j = 0; j < n1; j++)
        for (let i = 0; i < n0; i++) flipped[n0 - 1 - i + j * n0 + k * n0 * n1] = at(img, i, j, k);
    const flipA = A.map((row) => [-row[0], row[1], row[2], row[3] + row[0] * (n0 - 1)]);
    // 3. in-plane pixels of 0.7 mm (bilinear), as a finer acquisition would give
    const f = 0.7;
    const m0 = Math.floor((n0 - 1) / f) + 1;
    const m1 = Math.floor((n1 - 1) / f) + 1;
    const fine = new Float32Array(m0 * m1 * n2);
    for (let k = 0; k < n2; k++)
      for (let j = 0; j < m1; j++)
        for (let i = 0; i < m0; i++) {
          const x = i * f;
          const y = j * f;
          const x0 = Math.min(Math.floor(x), n0 - 2);
          const y0 = Math.min(Math.floor(y), n1 - 2);
          const fx = x - x0;
          const fy = y - y0;
          fine[i + j * m0 + k * m0 * m1] =
            (at(img, x0, y0, k) * (1 - fx) + at(img, x0 + 1, y0, k) * fx) * (1 - fy) +
            (at(img, x0, y0 + 1, k) * (1 - fx) + at(img, x0 + 1, y0 + 1, k) * fx) * fy;
        }
    const fineA = A.map((row) => [row[0] * f, row[1] * f, row[2], row[3]]);
    const variants: Array<[string, NiftiImage]> = [
      ['swapped', variant(img, [n1, n0, n2], swapped, swapA)],
      ['flipped', variant(img, [n0, n1, n2], flipped, flipA)],
      ['0.7 mm', variant(img, [m0, m1, n2], fine, fineA)],
    ];
    for (const [name, v] of variants) {
      const r: LocateResult = await locateVertebrae(v, locator);
      // the slice by body area may move to a neighbour (3 mm) when the pixels are resampled;
      // in-plane (anterior-posterior, head-feet) the centres stay
      expect(Math.abs(r.slice - base.slice), name).toBeLessThanOrEqual(1);
      for (const level of STUDY_LEVELS) {
        const a = base.levels[level]?.centerMm;
        const b = r.levels[level]?.centerMm;
        expect(a && b, `${name} ${level}`).toBeTruthy();
        if (a && b) expect(Math.hypot(a[1] - b[1], a[2] - b[2]), `${name} ${level}`).toBeLessThan(3);
      }
    }
  });
});

describe('bad input: a warning or a refusal, never confident boxes', () => {
  const none = (r: LocateResult) => STUDY_LEVELS.filter((l) => (r.levels[l]?.confidence ?? 0) >= 0.5);

  it('a series directory that lost a file is refused as readSlice refuses it (SERIES_INCOMPLETE)', async () => {
    const series = join(SHARED, 'dicom/generated/sag_t1');
    const dir = mkdtempSync(join(tmpdir(), 'locate-incomplete-'));
    try {
      cpSync(series, dir, { recursive: true });
      const victim = join(dir, readdirSync(dir).sort()[0] as string);
      writeFileSync(victim, readFileSync(victim).subarray(0, 200));
      await expect(readLocateInput(dir)).rejects.toMatchObject({ code: 'SERIES_INCOMPLETE', file: victim });
      // read anyway on request: the volume holds the readable files only
      const whole = (await readLocateInput(series)) as Volume;
      const partial = (await readLocateInput(dir, { allowIncomplete: true })) as Volume;
      expect(partial.files.length).toBe(whole.files.length - 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a brain MR slice from the pydicom corpus', async () => {
    const r = await locateVertebrae(
      await readLocateInput(join(SHARED, 'dicom/pydicom/MR_small.dcm')),
      locator,
    );
    expect(none(r)).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining([expect.stringMatching(/NOT_SAGITTAL|TOO_SMALL/)]),
    );
  });

  it('a brain MR volume (nibabel example4d, resliced sagittally)', async () => {
    const r = await locateVertebrae(await readNifti(join(SHARED, 'nifti/nibabel/example4d.nii.gz')), locator);
    expect(none(r)).toEqual([]);
    expect(r.warnings.length).toBeGreaterThan(0);
  });

  it('an axial series', async () => {
    const img = await nifti('myosegmentum/VB3_20');
    // the same voxels, declared as acquired axially: the 3 mm axis runs head to feet
    const axial = variant(img, img.shape, Float32Array.from(img.data as ArrayLike<number>), [
      [-1, 0, 0, 0],
      [0, -1, 0, 0],
      [0, 0, 3, 0],
      [0, 0, 0, 1],
    ]);
    const r = await locateVertebrae(axial, locator);
    expect(r.warnings.map((w) => w.code)).toContain('NOT_SAGITTAL');
    expect(Object.keys(r.levels)).toEqual([]);
  });

  it('a constant image', async () => {
    const img = await nifti('myosegmentum/VB3_20');
    const r = await locateVertebrae(
      variant(img, img.shape, new Float32Array(img.data.length).fill(120), img.affine),
      locator,
    );
    expect(r.warnings.map((w) => w.code)).toEqual(['NO_CONTRAST']);
    expect(Object.keys(r.levels)).toEqual([]);
  });

  it('a series cut above L2', async () => {
    const id = 'zukic/VB1_10';
    const img = await nifti(id);
    const card = JSON.parse(readFileSync(join(REAL_SPINE, id, 'case.json'), 'utf8'));
    const cut = card.bbox_on_mid_sagittal_slice.L2.rows[0] as number; // rows above L2's top only
    const [n0, n1, n2] = img.shape as [number, number, number];
    const data = new Float32Array(cut * n1 * n2);
    for (let k = 0; k < n2; k++)
      for (let j = 0; j < n1; j++)
        for (let i = 0; i < cut; i++) data[i + j * cut + k * cut * n1] = at(img, i, j, k);
    const r = await locateVertebrae(variant(img, [cut, n1, n2], data, img.affine), locator);
    expect(none(r)).toEqual([]);
    expect(r.warnings.map((w) => w.code)).toEqual(
      expect.arrayContaining([expect.stringMatching(/NO_SACRUM|TOO_SMALL|NO_VERTEBRAE|LOW_CONFIDENCE/)]),
    );
  });

  it('a 2-slice localizer', async () => {
    const img = await nifti('myosegmentum/VB3_20');
    const [n0, n1] = img.shape as [number, number, number];
    const mid = 12;
    const data = new Float32Array(n0 * n1 * 2);
    for (let k = 0; k < 2; k++)
      for (let j = 0; j < n1; j++)
        for (let i = 0; i < n0; i++) data[i + j * n0 + k * n0 * n1] = at(img, i, j, mid + k);
    const r = await locateVertebrae(variant(img, [n0, n1, 2], data, img.affine), locator);
    expect(r.warnings.map((w) => w.code)).toEqual(['TOO_SMALL']);
    expect(Object.keys(r.levels)).toEqual([]);
  });
});
