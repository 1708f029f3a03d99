import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assembleVolume,
  computeStats,
  cropMaskBoundingBox,
  cropRoi,
  encodeNifti1,
  readDicom,
  readNifti,
  readSeriesDirectory,
  readSlice,
  selectMidSagittalSlice,
  sliceToNifti,
  toGrayscale,
} from '../src/index.js';
import { DATA, expectMriIoError, REFERENCE } from './helpers.js';

const SAG_T1 = `${DATA}dicom/generated/sag_t1`;
const tmp = mkdtempSync(join(tmpdir(), 'mri-io-series-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copySeries(name: string, pick: (files: string[]) => string[]): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const order = REFERENCE.series['dicom/generated/sag_t1'].orderAlongNormal;
  for (const f of pick(order)) copyFileSync(join(SAG_T1, f), join(dir, f));
  return dir;
}

describe('series directory', () => {
  it('skips broken and non-DICOM files with their codes and still returns the series', async () => {
    const dir = copySeries('mixed', (o) => o);
    copyFileSync(`${DATA}dicom/generated/bad/truncated_pixeldata.dcm`, join(dir, 'zz_truncated.dcm'));
    writeFileSync(join(dir, 'notes.txt'), 'not an image');
    copyFileSync(`${DATA}dicom/pydicom/test-SR.dcm`, join(dir, 'report.dcm'));
    const out = await readSeriesDirectory(dir);
    expect(out.series).toHaveLength(1);
    expect(out.series[0].files).toHaveLength(9);
    expect(out.skipped.map((s) => [basename(s.path), s.code])).toEqual([
      ['notes.txt', 'NOT_DICOM'],
      ['report.dcm', 'NO_PIXEL_DATA'],
      ['zz_truncated.dcm', 'TRUNCATED'],
    ]);
  });

  it('reports a missing slice position and a duplicate position', async () => {
    const dir = copySeries('gappy', (o) => o.filter((_, i) => i !== 3));
    copyFileSync(join(SAG_T1, 'IM0111'), join(dir, 'IM0111_copy'));
    const [s] = (await readSeriesDirectory(dir)).series;
    const kinds = s.issues.map((i) => i.kind).sort();
    expect(kinds).toEqual(['duplicate-position', 'missing-position']);
    const gap = s.issues.find((i) => i.kind === 'missing-position');
    expect(gap?.message).toMatch(/about 1 slice\(s\) missing/);
  });

  it('orders by position along the normal, not by file name or InstanceNumber', async () => {
    const [s] = (await readSeriesDirectory(SAG_T1)).series;
    const names = s.files.map((f) => basename(f));
    expect(names).not.toEqual([...names].sort());
    const instances = s.headers.map((h) => h.instanceNumber);
    // The phantom numbers instances along +x while the normal (-1, 0, 0) runs along -x.
    expect(instances).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(s.positions.every((p, i) => i === 0 || p > s.positions[i - 1])).toBe(true);
  });
});

describe('volume assembly', () => {
  it('builds an LPS affine that maps each slice index to its ImagePositionPatient', async () => {
    const [s] = (await readSeriesDirectory(SAG_T1)).series;
    const vol = await assembleVolume(s);
    expect(vol.shape).toEqual([9, 256, 224]);
    expect(vol.spacing[0]).toBeCloseTo(4.4, 6);
    expect(vol.spacing.slice(1)).toEqual([0.9375, 0.9375]);
    for (let k = 0; k < 9; k++) {
      const ipp = s.headers[k].geometry.imagePositionPatient as number[];
      for (let i = 0; i < 3; i++)
        expect(vol.affineLps[i][0] * k + vol.affineLps[i][3]).toBeCloseTo(ipp[i], 6);
    }
    // pixel (row 10, column 20) lies 10 rows along the column cosines and 20 columns along the row cosines
    const p = [0, 1, 2].map((i) => vol.affineLps[i][1] * 10 + vol.affineLps[i][2] * 20 + vol.affineLps[i][3]);
    const first = s.headers[0].geometry.imagePositionPatient as number[];
    expect(p).toEqual([first[0], -110 + 20 * 0.9375, 120 - 10 * 0.9375]);
    expect(vol.affineRas[0][3]).toBe(-vol.affineLps[0][3]);
    expect(vol.affineRas[2][3]).toBe(vol.affineLps[2][3]);
    const mid = selectMidSagittalSlice(vol);
    const direct = await readSlice(SAG_T1);
    expect(mid.data).toEqual(direct.data);
    expect(mid.origin).toEqual(direct.origin);
    expect(mid.source.path).toBe(s.midSagittal);
  });

  it('refuses a volume above maxDecodedBytes before decoding any slice', async () => {
    const [s] = (await readSeriesDirectory(SAG_T1)).series;
    await expectMriIoError(assembleVolume(s, { maxDecodedBytes: 9 * 256 * 224 * 4 - 1 }), ['TOO_LARGE']);
  });
});

describe('mid-sagittal slices', () => {
  it('gives the same pixels from the DICOM series and from its dcm2niix NIfTI, slice by slice', async () => {
    for (const [dicom, nifti] of [
      ['dicom/generated/sag_t1', 'nifti/generated/sag_t1.nii.gz'],
      ['dicom/generated/sag_t2', 'nifti/generated/sag_t2.nii'],
    ]) {
      for (const k of [undefined, 0, 8]) {
        const a = await readSlice(`${DATA}${dicom}`, { slice: k });
        const b = await readSlice(`${DATA}${nifti}`, { slice: k });
        expect([b.rows, b.columns]).toEqual([a.rows, a.columns]);
        expect(b.data).toEqual(a.data);
        for (let i = 0; i < 3; i++) {
          expect(b.origin?.[i]).toBeCloseTo(a.origin?.[i] ?? Number.NaN, 4);
          expect(b.rowCosines?.[i]).toBeCloseTo(a.rowCosines?.[i] ?? Number.NaN, 6);
          expect(b.columnCosines?.[i]).toBeCloseTo(a.columnCosines?.[i] ?? Number.NaN, 6);
        }
      }
    }
  });

  it('picks the reference mid-sagittal file', async () => {
    for (const [rel, ref] of Object.entries(REFERENCE.series)) {
      const s = await readSlice(`${DATA}${rel}`);
      expect(basename(s.source.path)).toBe(ref.midSagittal);
      expect(s.source.index).toBe(Math.floor(ref.files / 2));
    }
  });

  it('refuses a slice index outside the series', async () => {
    await expectMriIoError(readSlice(SAG_T1, { slice: 9 }), ['BAD_ARGUMENT']);
  });
});

describe('crops', () => {
  it('crops a ROI with the right pixels and moves the origin to its first pixel', async () => {
    const slice = await readSlice(SAG_T1);
    const roi = { x: 70, y: 27, width: 62, height: 35 };
    const crop = cropRoi(slice, roi);
    expect([crop.rows, crop.columns]).toEqual([35, 62]);
    expect(crop.data[0]).toBe(slice.data[27 * 224 + 70]);
    expect(crop.data[34 * 62 + 61]).toBe(slice.data[(27 + 34) * 224 + 70 + 61]);
    // origin: +x columns along row cosines (0,1,0), +y rows along column cosines (0,0,-1)
    expect(crop.origin).toEqual([0, -110 + 70 * 0.9375, 120 - 27 * 0.9375]);
  });

  it('crops a bare array without geometry (data, rows, columns only)', () => {
    const data = Float32Array.from({ length: 4 * 5 }, (_, i) => i);
    const crop = cropRoi({ data, rows: 4, columns: 5 }, { x: 1, y: 2, width: 3, height: 2 });
    expect(Array.from(crop.data)).toEqual([11, 12, 13, 16, 17, 18]);
    expect(crop.origin).toBeNull();
    expect(crop.source.kind).toBe('array');
    expect(() => cropRoi({ data, rows: 5, columns: 5 }, { x: 0, y: 0, width: 1, height: 1 })).toThrow(
      /rows x columns/,
    );
  });

  it('refuses a ROI outside the slice unless asked to clip it', async () => {
    const slice = await readSlice(SAG_T1);
    expect(() => cropRoi(slice, { x: 200, y: 0, width: 40, height: 10 })).toThrow(/not inside/);
    const clipped = cropRoi(slice, { x: 200, y: -5, width: 40, height: 10 }, { clip: true });
    expect([clipped.columns, clipped.rows]).toEqual([24, 5]);
    expect(() => cropRoi(slice, { x: 300, y: 0, width: 4, height: 4 }, { clip: true })).toThrow(/not inside/);
  });

  it('crops the bounding box of a mask, with margin clipped to the slice', async () => {
    const slice = await readSlice(SAG_T1);
    const mask = new Uint8Array(256 * 224);
    mask[40 * 224 + 100] = 1;
    mask[50 * 224 + 110] = 1;
    const { crop, roi } = cropMaskBoundingBox(slice, mask, { margin: 2 });
    expect(roi).toEqual({ x: 98, y: 38, width: 15, height: 15 });
    expect(crop.data[2 * 15 + 2]).toBe(slice.data[40 * 224 + 100]);
    const corner = new Uint8Array(256 * 224);
    corner[0] = 1;
    expect(cropMaskBoundingBox(slice, corner, { margin: 3 }).roi).toEqual({
      x: 0,
      y: 0,
      width: 4,
      height: 4,
    });
    expect(() => cropMaskBoundingBox(slice, new Uint8Array(256 * 224))).toThrow(/no non-zero/);
  });

  it('saves a crop as NIfTI whose affine puts its voxels where the DICOM says they are', async () => {
    const slice = await readSlice(SAG_T1);
    const crop = cropRoi(slice, { x: 70, y: 27, width: 62, height: 35 });
    const img = await readNifti(encodeNifti1(sliceToNifti(crop)));
    expect(img.shape).toEqual([62, 35, 1]);
    expect(Array.from(img.data)).toEqual(Array.from(crop.data));
    // voxel (i = column 5, j = row 7) -> RAS; DICOM LPS = origin + 5 * dc * rowCos + 7 * dr * colCos
    const ras = [0, 1, 2].map((r) => img.affine[r][0] * 5 + img.affine[r][1] * 7 + img.affine[r][3]);
    const lps = [0, 1, 2].map(
      (i) =>
        (crop.origin as number[])[i] +
        5 * 0.9375 * (crop.rowCosines as number[])[i] +
        7 * 0.9375 * (crop.columnCosines as number[])[i],
    );
    expect(ras[0]).toBeCloseTo(-lps[0], 4);
    expect(ras[1]).toBeCloseTo(-lps[1], 4);
    expect(ras[2]).toBeCloseTo(lps[2], 4);
  });

  it('puts L1 of the phantom inside the example ROI: the crop is brighter than the slice', async () => {
    // make_lumbar_series.py: L1 body rows 30.7-58.9, columns 73.9-127.7 on 256x224 slices
    const slice = await readSlice(SAG_T1);
    const l1 = cropRoi(slice, { x: 76, y: 33, width: 50, height: 24 });
    expect(computeStats(l1.data).mean).toBeGreaterThan(2 * computeStats(slice.data).mean);
  });
});

describe('grayscale hook', () => {
  it('converts RGB with BT.601 luma by default and accepts another hook', async () => {
    const rgb = Float32Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    expect(Array.from(toGrayscale(rgb, 3)).map((v) => Number(v.toFixed(3)))).toEqual([
      76.245, 149.685, 29.07,
    ]);
    expect(
      Array.from(toGrayscale(rgb, 3, (x, n) => Float32Array.from({ length: n }, (_, i) => x[3 * i + 2]))),
    ).toEqual([0, 0, 255]);
    const img = await readDicom(`${DATA}dicom/pydicom/SC_rgb_rle.dcm`);
    const s = await readSlice(`${DATA}dicom/pydicom/SC_rgb_rle.dcm`);
    expect([s.rows, s.columns]).toEqual([img.rows, img.columns]);
  });
});
