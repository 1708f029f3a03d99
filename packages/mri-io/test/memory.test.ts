// Runs in its own forked worker (vitest pool "forks"), so the process's peak RSS is this file's alone.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeNifti1, readDicom, readNifti } from '../src/index.js';
import { DATA, expectMriIoError } from './helpers.js';

const MB = 1024 * 1024;

describe('decode limits', () => {
  it('refuses gzip_bomb_2GiB.nii.gz while adding less than 100 MB to the peak RSS', async () => {
    // Warm up: load modules and JIT the inflate path on a real file first.
    await readNifti(`${DATA}nifti/generated/sag_t1.nii.gz`);
    (globalThis as { gc?: () => void }).gc?.();
    const before = process.memoryUsage();
    const code = await expectMriIoError(readNifti(`${DATA}nifti/generated/bad/gzip_bomb_2GiB.nii.gz`), [
      'TOO_LARGE',
    ]);
    const peak = process.resourceUsage().maxRSS * 1024; // bytes; the highest RSS this process ever had
    const after = process.memoryUsage();
    // An upper bound on how far RSS rose above where it stood before the bomb was read.
    const peakGrowth = peak - before.rss;
    console.log(
      `gzip bomb refused (${code}): RSS before ${(before.rss / MB).toFixed(1)} MB, process peak ${(peak / MB).toFixed(1)} MB, ` +
        `growth <= ${(peakGrowth / MB).toFixed(1)} MB, arrayBuffers +${((after.arrayBuffers - before.arrayBuffers) / MB).toFixed(1)} MB`,
    );
    expect(peakGrowth).toBeLessThan(100 * MB);
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(100 * MB);
  });

  it('stops inflating a gzip stream at maxDecodedBytes even when the header claims little', async () => {
    // A valid header for 8 bytes of voxels followed by 8 MiB of zeros: only the 8 bytes are inflated.
    const header = encodeNifti1({ data: new Uint8Array(8), shape: [2, 2, 2] });
    const padded = new Uint8Array(header.length + 8 * MB);
    padded.set(header);
    const gz = gzipSync(padded, { level: 9 });
    const img = await readNifti(gz, { maxDecodedBytes: 1 * MB });
    expect(img.shape).toEqual([2, 2, 2]);
  });

  it('refuses corrupt compressed voxel data with a typed code', async () => {
    const data = Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i));
    const gz = gzipSync(encodeNifti1({ data, shape: [64, 64] }));
    const bad = gz.slice();
    bad.fill(0xff, gz.length >> 1, (gz.length >> 1) + 64);
    await expectMriIoError(readNifti(bad), ['BAD_GZIP', 'TRUNCATED']);
    await expectMriIoError(readNifti(gz.subarray(0, gz.length - 100)), ['TRUNCATED']);
    expect((await readNifti(gz)).data).toEqual(data);
  });

  it('refuses a NIfTI whose header asks for more than maxDecodedBytes before allocating', async () => {
    const bytes = encodeNifti1({ data: new Float32Array(64 * 64), shape: [64, 64] });
    await expectMriIoError(readNifti(bytes, { maxDecodedBytes: 4096 }), ['TOO_LARGE']);
    await expectMriIoError(readNifti(gzipSync(bytes), { maxDecodedBytes: 4096 }), ['TOO_LARGE']);
    expect((await readNifti(bytes, { maxDecodedBytes: 64 * 64 * 4 })).shape).toEqual([64, 64]);
  });

  it('refuses a deflated DICOM data set that inflates past maxDecodedBytes while inflating', async () => {
    // image_dfl.dcm: 512x512 8-bit, deflated transfer syntax; its file is a few KiB.
    const file = `${DATA}dicom/pydicom/image_dfl.dcm`;
    const code = await expectMriIoError(readDicom(file, { maxDecodedBytes: 100_000 }), ['TOO_LARGE']);
    expect(code).toBe('TOO_LARGE');
    expect((await readDicom(file)).shape).toEqual([512, 512]);
  });

  it('refuses DICOM pixel data above maxDecodedBytes from the header alone', async () => {
    const bytes = new Uint8Array(readFileSync(`${DATA}dicom/generated/sag_t1/IM0000`));
    await expectMriIoError(readDicom(bytes, { maxDecodedBytes: 256 * 224 * 2 - 1 }), ['TOO_LARGE']);
    expect((await readDicom(bytes, { maxDecodedBytes: 256 * 224 * 2 })).shape).toEqual([256, 224]);
  });
});
