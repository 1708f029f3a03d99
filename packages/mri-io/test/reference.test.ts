// Every file and series in ../shared/data/io-reference.json (pydicom 2.3 / dcmtk 3.6.7 / nibabel 5.0)
// is checked here; a file added to the reference is picked up without touching this test.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  computeStats,
  type InspectDicom,
  type InspectError,
  inspectPath,
  type MriIoErrorCode,
  readDicom,
  readDicomHeader,
  readImage,
  readNifti,
  readSeriesDirectory,
} from '../src/index.js';
import { DATA, expectClose, expectMriIoError, REFERENCE } from './helpers.js';

const entries = Object.entries(REFERENCE.files);
const dicomImages = entries.filter(([, r]) => r.kind === 'dicom' && r.ok && r.shape && !r.expectError);
const dicomNoPixels = entries.filter(
  ([, r]) => r.kind === 'dicom' && r.ok && r.hasPixelData === false && !r.expectError,
);
const dicomPixelErrors = entries.filter(
  ([, r]) => r.kind === 'dicom' && r.ok && r.pixelError && !r.expectError,
);
const niftiImages = entries.filter(([, r]) => r.kind === 'nifti' && r.ok);
const mustRefuse = entries.filter(([, r]) => r.expectError);
const refusedByReference = entries.filter(([, r]) => !r.ok && !r.expectError);

// Why each broken file must be refused; a new broken file without a row here still has to be refused.
const EXPECTED_CODES: Record<string, MriIoErrorCode[]> = {
  'empty.dcm': ['NOT_DICOM'],
  'not_dicom.dcm': ['NOT_DICOM'],
  'truncated_header.dcm': ['TRUNCATED'],
  'truncated_pixeldata.dcm': ['TRUNCATED'],
  'MR_truncated.dcm': ['TRUNCATED'],
  'bad_magic.nii': ['BAD_NIFTI_HEADER'],
  'gzip_bomb_2GiB.nii.gz': ['TOO_LARGE'],
  'header_claims_16GiB.nii': ['TOO_LARGE'],
  'truncated.nii.gz': ['TRUNCATED'],
};

describe('io-reference coverage', () => {
  it('classifies every reference entry into exactly one check below', () => {
    const covered = new Set(
      [
        ...dicomImages,
        ...dicomNoPixels,
        ...dicomPixelErrors,
        ...niftiImages,
        ...mustRefuse,
        ...refusedByReference,
      ].map(([k]) => k),
    );
    expect([...covered].sort()).toEqual(entries.map(([k]) => k).sort());
    expect(dicomImages.length).toBeGreaterThan(50);
    expect(niftiImages.length).toBeGreaterThanOrEqual(9);
  });
});

describe('DICOM images match pydicom/dcmtk', () => {
  it.each(dicomImages)('%s: shape, stored and rescaled statistics', async (rel, ref) => {
    const img = await readDicom(`${DATA}${rel}`);
    expect(img.shape).toEqual(ref.shape);
    expect(img.declaredTransferSyntax).toBe(ref.transferSyntax ?? null);
    expect(img.lossy).toBe(ref.lossy);
    const stored = computeStats(img.stored);
    const refStored = ref.stored as NonNullable<typeof ref.stored>;
    expect(stored.nanCount).toBe(0);
    if (ref.lossy) {
      // Lossy codecs: our decoder and the reference's may round the inverse transform differently.
      expectClose(stored.mean, refStored.mean, 0.01, 'stored mean (lossy, 1%)');
    } else {
      // Lossless: integer samples, so the statistics are exact.
      expect(stored.min).toBe(refStored.min);
      expect(stored.max).toBe(refStored.max);
      expect(stored.sum).toBe(refStored.sum);
      expectClose(stored.mean, refStored.mean, 1e-12, 'stored mean');
    }
    if (ref.rescaled) {
      // rescaled() is float32: each value carries up to 2^-24 relative rounding.
      const rescaled = computeStats(img.rescaled());
      const tol = ref.lossy ? 0.01 : 1e-6;
      expectClose(rescaled.mean, ref.rescaled.mean, tol, 'rescaled mean');
      if (!ref.lossy) {
        expectClose(rescaled.min, ref.rescaled.min, 1e-6, 'rescaled min');
        expectClose(rescaled.max, ref.rescaled.max, 1e-6, 'rescaled max');
        expectClose(rescaled.sum, ref.rescaled.sum, 1e-6, 'rescaled sum');
      }
    }
    if (ref.imagePositionPatient) expect(img.geometry.imagePositionPatient).toEqual(ref.imagePositionPatient);
    if (ref.imageOrientationPatient)
      expect(img.geometry.imageOrientationPatient).toEqual(ref.imageOrientationPatient);
    if (ref.pixelSpacing) expect(img.geometry.pixelSpacing).toEqual(ref.pixelSpacing);
    if (ref.seriesInstanceUID) expect(img.seriesInstanceUID).toBe(ref.seriesInstanceUID);
    expect([img.rows, img.columns, img.samplesPerPixel]).toEqual([
      ref.rows,
      ref.columns,
      ref.samplesPerPixel,
    ]);
    expect([img.bitsAllocated, img.bitsStored, img.pixelRepresentation]).toEqual([
      ref.bitsAllocated,
      ref.bitsStored,
      ref.pixelRepresentation,
    ]);
  });

  it.each(dicomImages)('%s: inspect reports the same shape and float64 statistics', async (rel, ref) => {
    const out = (await inspectPath(`${DATA}${rel}`)) as InspectDicom;
    expect(out.kind).toBe('dicom');
    expect(out.shape).toEqual(ref.shape);
    const want = ref.rescaled ?? ref.stored;
    const got = out.stats as { mean: number; sum: number; min: number; max: number; nanCount: number };
    if (want && !ref.lossy) {
      // inspect applies the modality LUT in float64 as pydicom does: exact up to summation order.
      expect([got.min, got.max, got.nanCount]).toEqual([want.min, want.max, want.nanCount]);
      expectClose(got.sum, want.sum, 1e-12, 'sum');
    } else if (want) {
      expectClose(got.mean, want.mean, 0.01, 'mean (lossy, 1%)');
    }
  });
});

describe('DICOM files without pixels', () => {
  it.each(dicomNoPixels)('%s: header readable, pixels refused with NO_PIXEL_DATA', async (rel, ref) => {
    const h = await readDicomHeader(`${DATA}${rel}`);
    expect(h.hasPixelData).toBe(false);
    expect(h.noFileMeta).toBe(ref.noFileMeta);
    if (ref.seriesInstanceUID) expect(h.seriesInstanceUID).toBe(ref.seriesInstanceUID);
    await expectMriIoError(readDicom(`${DATA}${rel}`), ['NO_PIXEL_DATA']);
  });

  it.each(dicomPixelErrors)(
    '%s: the reference could not decode it; we refuse with a typed code',
    async (rel) => {
      await expectMriIoError(readDicom(`${DATA}${rel}`), [
        'BAD_DICOM_HEADER',
        'UNSUPPORTED_TRANSFER_SYNTAX',
        'TRUNCATED',
      ]);
    },
  );
});

describe('NIfTI images match nibabel', () => {
  it.each(niftiImages)('%s: shape, scaled statistics, affine and zooms', async (rel, ref) => {
    const img = await readNifti(`${DATA}${rel}`);
    expect(img.shape).toEqual(ref.shape);
    expect(img.header.version).toBe(ref.version);
    const s = img.scaling;
    const st = computeStats(img.data, s?.slope ?? 1, s?.inter ?? 0);
    const want = ref.scaled as NonNullable<typeof ref.scaled>;
    // float64 like nibabel's get_fdata; only the summation order differs.
    expect(st.nanCount).toBe(want.nanCount);
    expectClose(st.min, want.min, 1e-12, 'min');
    expectClose(st.max, want.max, 1e-12, 'max');
    expectClose(st.sum, want.sum, 1e-10, 'sum');
    expectClose(st.mean, want.mean, 1e-10, 'mean');
    const affine = ref.affine as number[][];
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) expectClose(img.affine[i][j], affine[i][j], 1e-5, `affine[${i}][${j}]`);
    expect(img.zooms).toEqual(ref.zooms);
    // scaled() is what callers use: float32 (float64 data stays float64).
    expectClose(computeStats(img.scaled()).mean, want.mean, 1e-6, 'scaled() mean');
  });
});

describe('broken files are refused with a typed code', () => {
  it.each(mustRefuse)('%s', async (rel) => {
    const codes = EXPECTED_CODES[basename(rel)];
    await expectMriIoError(readImage(`${DATA}${rel}`), codes);
    const out = (await inspectPath(`${DATA}${rel}`)) as InspectError;
    expect(out.path).toBe(`${DATA}${rel}`);
    if (codes) expect(codes).toContain(out.error.code);
    expect(out.error.message.length).toBeGreaterThan(10);
  });

  it.each(refusedByReference)('%s: refused by the reference tool, refused here too', async (rel) => {
    await expectMriIoError(readImage(`${DATA}${rel}`));
  });
});

describe('series match pydicom ordering along the slice normal', () => {
  it.each(Object.entries(REFERENCE.series))('%s', async (rel, ref) => {
    const dir = await readSeriesDirectory(`${DATA}${rel}`);
    expect(dir.skipped).toEqual([]);
    expect(dir.series).toHaveLength(1);
    const s = dir.series[0];
    expect(s.files.map((f) => basename(f))).toEqual(ref.orderAlongNormal);
    expect(basename(s.midSagittal)).toBe(ref.midSagittal);
    expect(s.sliceSpacing).toBeCloseTo(ref.sliceSpacing as number, 6);
    expect(s.shape).toEqual(ref.volumeShape);
    expect(s.normal.map((v) => v + 0)).toEqual(ref.normal);
    expect(s.issues).toEqual([]);
    const out = await inspectPath(`${DATA}${rel}`);
    expect(out).toMatchObject({ kind: 'series', skipped: [] });
    expect((out as { series: Array<{ files: string[] }> }).series[0].files).toEqual(s.files);
  });
});
