import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import {
  encodeNifti1,
  isMriIoError,
  type NumericArray,
  parseNiftiHeader,
  readImage,
  readNifti,
  writeNifti1,
} from '../src/index.js';
import { qformAffine } from '../src/nifti/read.js';
import { DATA, expectMriIoError } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mri-io-nifti-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A rotated, anisotropic affine with a left-right flip (negative determinant): qfac = -1.
const theta = 0.3;
const AFFINE = [
  [-0.9 * Math.cos(theta), 0, 4.4 * Math.sin(theta), 12.5],
  [0, 0.9375, 0, -110],
  [0.9 * Math.sin(theta), 0, 4.4 * Math.cos(theta), 33.25],
  [0, 0, 0, 1],
];

describe('NIfTI-1 writer', () => {
  it.each([
    ['uint8', Uint8Array.from([0, 1, 2, 255, 7, 9])],
    ['int8', Int8Array.from([-128, -1, 0, 1, 2, 127])],
    ['uint16', Uint16Array.from([0, 1, 65535, 300, 7, 9])],
    ['int16', Int16Array.from([-32768, -1, 0, 32767, 7, 9])],
    ['uint32', Uint32Array.from([0, 1, 4294967295, 300, 7, 9])],
    ['int32', Int32Array.from([-2147483648, -1, 0, 2147483647, 7, 9])],
    ['float32', Float32Array.from([0.5, -1.25, Number.NaN, 3e38, 7, 9])],
    ['float64', Float64Array.from([0.1, -1e300, Number.POSITIVE_INFINITY, 3, 7, 9])],
  ] as Array<[string, NumericArray]>)('round-trips %s data, shape and affine', async (dtype, data) => {
    const bytes = encodeNifti1({ data, shape: [3, 2], affine: AFFINE });
    const img = await readNifti(bytes);
    expect(img.dtype).toBe(dtype);
    expect(img.shape).toEqual([3, 2]);
    expect(Array.from(img.data)).toEqual(Array.from(data));
    expect(img.affineSource).toBe('sform');
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) expect(img.affine[i][j]).toBeCloseTo(AFFINE[i][j], 5);
  });

  it('writes a qform that reproduces the affine (rotation, zooms and qfac)', () => {
    const bytes = encodeNifti1({ data: new Float32Array(8), shape: [2, 2, 2], affine: AFFINE });
    const header = parseNiftiHeader(bytes);
    expect(header.pixdim[0]).toBe(-1);
    const q = qformAffine(header);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(q[i][j]).toBeCloseTo(AFFINE[i][j], 5);
  });

  it('writes gzip when the path ends in .gz, and readImage detects NIfTI from the bytes', async () => {
    const data = Int16Array.from({ length: 4 * 5 * 6 }, (_, i) => i - 60);
    const path = join(tmp, 'crop.nii.gz');
    await writeNifti1(path, { data, shape: [4, 5, 6], affine: AFFINE, sclSlope: 0.5, sclInter: 10 });
    const raw = readFileSync(path);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    const img = await readImage(path);
    expect(img.kind).toBe('nifti');
    if (img.kind !== 'nifti') return;
    expect(img.scaling).toEqual({ slope: 0.5, inter: 10 });
    expect(Array.from(img.scaled().subarray(0, 3))).toEqual([-20, -19.5, -19]);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => encodeNifti1({ data: new Uint8Array(5), shape: [2, 2] })).toThrow(/needs 4/);
  });
});

describe('NIfTI reader', () => {
  it('reads big-endian files (anatomical.nii) the same as their values say', async () => {
    const img = await readNifti(`${DATA}nifti/nibabel/anatomical.nii`);
    expect(img.header.littleEndian).toBe(false);
    expect(img.dtype).toBe('int16');
  });

  it('applies scl_slope / scl_inter as nibabel does, and ignores a zero slope', async () => {
    const img = await readNifti(`${DATA}nifti/generated/sag_t2.nii`);
    expect(img.scaling).toEqual({ slope: 0.5, inter: -100 });
    const noScale = encodeNifti1({ data: Uint8Array.from([1, 2]), shape: [2], sclSlope: 0, sclInter: 5 });
    expect((await readNifti(noScale)).scaling).toBeNull();
  });

  it('falls back to the centred shape/zoom affine when neither sform nor qform is set', async () => {
    const bytes = encodeNifti1({ data: new Uint8Array(3 * 5 * 7), shape: [3, 5, 7], zooms: [2, 3, 4] });
    new DataView(bytes.buffer).setInt16(252, 0, true);
    new DataView(bytes.buffer).setInt16(254, 0, true);
    const img = await readNifti(bytes);
    expect(img.affineSource).toBe('fallback');
    expect(img.affine).toEqual([
      [-2, 0, 0, 2],
      [0, 3, 0, -6],
      [0, 0, 4, -12],
      [0, 0, 0, 1],
    ]);
  });

  it('prefers the qform when sform_code is 0', async () => {
    const bytes = encodeNifti1({ data: new Uint8Array(8), shape: [2, 2, 2], affine: AFFINE });
    new DataView(bytes.buffer).setInt16(254, 0, true);
    const img = await readNifti(bytes);
    expect(img.affineSource).toBe('qform');
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 4; j++) expect(img.affine[i][j]).toBeCloseTo(AFFINE[i][j], 5);
  });

  it('refuses an uncompressed file shorter than its header says with TRUNCATED', async () => {
    const bytes = encodeNifti1({ data: new Uint16Array(100), shape: [10, 10] });
    await expectMriIoError(readNifti(bytes.subarray(0, bytes.length - 2)), ['TRUNCATED']);
  });

  it('refuses unsupported datatypes with UNSUPPORTED_NIFTI_DATATYPE', async () => {
    const bytes = encodeNifti1({ data: new Uint8Array(6), shape: [6] }); // retyped below as 2 RGB24 voxels
    const v = new DataView(bytes.buffer);
    v.setInt16(70, 128, true); // RGB24
    v.setInt16(72, 24, true);
    v.setInt16(42, 2, true);
    await expectMriIoError(readNifti(bytes), ['UNSUPPORTED_NIFTI_DATATYPE']);
  });

  it('refuses a file that is not NIfTI with NOT_NIFTI', async () => {
    await expectMriIoError(readNifti(new Uint8Array(400)), ['NOT_NIFTI']);
  });

  it('either reads or refuses with a typed error when header bytes are corrupted (property)', async () => {
    const good = encodeNifti1({
      data: Int16Array.from({ length: 60 }, (_, i) => i),
      shape: [3, 4, 5],
      affine: AFFINE,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 351 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        async (edits, gz) => {
          const b = good.slice();
          for (const [i, v] of edits) b[i] = v;
          try {
            const img = await readNifti(gz ? gzipSync(b) : b, { maxDecodedBytes: 1 << 20 });
            return img.data.length === img.shape.reduce((x, y) => x * y, 1);
          } catch (err) {
            return isMriIoError(err);
          }
        },
      ),
      { numRuns: 300, seed: 3 },
    );
  });
});
