// Regression tests for the inputs the reader fuzzing found (../shared/data/fuzz-found/README.md):
// each one must give a typed MriIoError quickly, never a raw throw or a minute inside CharLS.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assembleVolume,
  inspectPath,
  isMriIoError,
  type MriIoErrorCode,
  readDicom,
  readDicomHeader,
  readImage,
  readNifti,
  readSeriesDirectory,
} from '../src/index.js';
import { SHARED } from './helpers.js';

const FOUND = `${SHARED}data/fuzz-found/`;
const tmp = mkdtempSync(join(tmpdir(), 'mri-io-fuzz-found-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `fn`, which must reject with an MriIoError of one of `codes` within 5 s; returns the code. */
async function typedWithin5s(fn: () => Promise<unknown>, codes: MriIoErrorCode[]): Promise<MriIoErrorCode> {
  const t0 = performance.now();
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  const ms = performance.now() - t0;
  expect(ms, `took ${ms.toFixed(0)} ms`).toBeLessThan(5000);
  expect(isMriIoError(caught), `expected an MriIoError, got ${typeof caught}: ${String(caught)}`).toBe(true);
  const code = (caught as { code: MriIoErrorCode }).code;
  expect(codes).toContain(code);
  return code;
}

describe('fuzz-found inputs', () => {
  const stringThrow = `${FOUND}dicomparser-string-throw-inspectPath.dcm`;

  it('dicom-parser string throw: readDicom, readDicomHeader and readImage reject with TRUNCATED', async () => {
    for (const read of [readDicom, readDicomHeader, readImage]) {
      await typedWithin5s(() => read(stringThrow), ['TRUNCATED']);
    }
  });

  it('dicom-parser string throw: inspectPath resolves with the typed error', async () => {
    const out = await inspectPath(stringThrow);
    expect(out).toMatchObject({ error: { code: 'TRUNCATED' } });
  });

  it('.nii.gz with vox_offset Infinity: BAD_NIFTI_HEADER, not RangeError', async () => {
    const f = `${FOUND}nifti-gz-voxoffset-RangeError.nii.gz`;
    await typedWithin5s(() => readNifti(f), ['BAD_NIFTI_HEADER']);
    await typedWithin5s(() => readImage(f), ['BAD_NIFTI_HEADER']);
    expect(await inspectPath(f)).toMatchObject({ error: { code: 'BAD_NIFTI_HEADER' } });
  });

  it('.nii.gz with a huge vox_offset: counted against maxDecodedBytes before any allocation', async () => {
    const raw = new Uint8Array(gunzipSync(readFileSync(`${SHARED}data/nifti/nibabel/standard.nii.gz`)));
    const withOffset = (offset: number) => {
      const b = raw.slice();
      new DataView(b.buffer).setFloat32(108, offset, true);
      return new Uint8Array(gzipSync(b));
    };
    // 2 GiB + data: over the 1 GiB default, refused from the header alone.
    await typedWithin5s(() => readNifti(withOffset(2 ** 31)), ['TOO_LARGE']);
    // 512 MiB is under the limit: the stream is too short for it (TRUNCATED), and the buffer is
    // never sized from the header: a 143-byte file cannot inflate to more than ~1032 times itself.
    const before = process.memoryUsage().arrayBuffers;
    await typedWithin5s(() => readNifti(withOffset(2 ** 29)), ['TRUNCATED']);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
  });

  for (const name of ['jpegls-slow-84s-emri_small_jpeg_ls_lossless.dcm', 'jpegls-slow-79s-JLSL_08.dcm']) {
    it(`${name}: refused before CharLS runs, within 5 s`, async () => {
      await typedWithin5s(() => readDicom(`${FOUND}${name}`), ['TRUNCATED']);
      expect(await inspectPath(`${FOUND}${name}`)).toMatchObject({ error: { code: 'TRUNCATED' } });
    });
  }

  it('series-jpegls-slow: the directory reads, with a dangling link and a bad file skipped; the volume fails fast', async () => {
    const dir = join(tmp, 'series');
    cpSync(`${FOUND}series-jpegls-slow`, dir, { recursive: true });
    cpSync(stringThrow, join(dir, 'IM9999'));
    symlinkSync('missing', join(dir, 'IM0001'));
    symlinkSync('loop', join(dir, 'loop'));
    const out = await readSeriesDirectory(dir);
    expect(out.series).toHaveLength(1);
    expect(out.series[0].files).toHaveLength(9);
    const codes = Object.fromEntries(out.skipped.map((s) => [s.path.slice(dir.length + 1), s.code]));
    expect(codes).toEqual({
      IM0001: 'BROKEN_LINK',
      IM9999: 'TRUNCATED',
      'junk.txt': 'NOT_DICOM',
      loop: 'BROKEN_LINK',
    });
    const code = await typedWithin5s(() => assembleVolume(out.series[0]), ['TRUNCATED']);
    expect(code).toBe('TRUNCATED');
    const inspected = await inspectPath(dir);
    expect(inspected).toMatchObject({ kind: 'series' });
  });

  it('a dangling symbolic link read directly is NOT_FOUND, typed', async () => {
    const link = join(tmp, 'dangling.dcm');
    symlinkSync('nowhere.dcm', link);
    await typedWithin5s(() => readDicom(link), ['NOT_FOUND']);
    expect(await inspectPath(link)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('a 200 MB file that is neither DICOM nor NIfTI is refused from its first bytes (NOT_DICOM/NOT_NIFTI, not TOO_LARGE or a whole read)', async () => {
    const big = join(tmp, 'big.bin');
    writeFileSync(big, 'this is a text file, not an image\n');
    truncateSync(big, 200 * 1024 * 1024); // sparse: costs no disk
    const before = process.memoryUsage().arrayBuffers;
    // With a 1 MiB limit a reader that looks at the size (or reads the file) first says TOO_LARGE.
    for (const read of [readDicom, readDicomHeader, readImage]) {
      await typedWithin5s(() => read(big, { maxDecodedBytes: 1 << 20 }), ['NOT_DICOM']);
    }
    await typedWithin5s(() => readDicom(big), ['NOT_DICOM']);
    await typedWithin5s(() => readNifti(big, { maxDecodedBytes: 1 << 20 }), ['NOT_NIFTI']);
    expect(await inspectPath(big)).toMatchObject({ error: { code: 'NOT_DICOM' } });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50 * 1024 * 1024);
  });
});
