// Own worker (vitest pool "forks"): nothing else has loaded a codec in this process yet.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { computeStats, readDicom, readSlice } from '../src/index.js';
import { DATA, REFERENCE } from './helpers.js';

const loadedCodecs = () =>
  Object.keys(createRequire(import.meta.url).cache)
    .filter((p) => /codec-(charls|openjpeg|libjpeg-turbo-8bit)|jpeg-lossless-decoder-js/.test(p))
    .map((p) => p.replace(/.*node_modules\//, ''))
    .sort();

describe('WebAssembly codecs', () => {
  it('are loaded only when a file needs them', async () => {
    await readDicom(`${DATA}dicom/generated/sag_t1/IM0000`);
    await readDicom(`${DATA}dicom/pydicom/MR_small_RLE.dcm`);
    await readDicom(`${DATA}dicom/pydicom/image_dfl.dcm`);
    expect(loadedCodecs()).toEqual([]);
    await readDicom(`${DATA}dicom/pydicom/MR_small_jpeg_ls_lossless.dcm`);
    expect(loadedCodecs()).toEqual(['@cornerstonejs/codec-charls/dist/charlswasm_decode.js']);
    await readDicom(`${DATA}dicom/pydicom/MR_small_jp2klossless.dcm`);
    expect(loadedCodecs()).toHaveLength(2);
  });
});

describe('multi-frame files', () => {
  it('decode every frame, and readSlice picks one (default: the middle frame)', async () => {
    const img = await readDicom(`${DATA}dicom/pydicom/rtdose.dcm`);
    expect(img.shape).toEqual(REFERENCE.files['dicom/pydicom/rtdose.dcm'].shape);
    const s = await readSlice(`${DATA}dicom/pydicom/rtdose.dcm`, { slice: 3 });
    expect(s.source).toMatchObject({ kind: 'dicom', index: 3, count: 15 });
    expect(Array.from(s.data)).toEqual(Array.from(img.rescaled().subarray(300, 400)));
    const mid = await readSlice(`${DATA}dicom/pydicom/rtdose.dcm`);
    expect(mid.source.index).toBe(7);
    expect(computeStats(mid.data).nanCount).toBe(0);
  });
});
