import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJpegSequential } from '../src/dicom/jpeg-sequential.js';
import { dicomParser } from '../src/dicom/parse.js';
import { computeStats, inspectPath, isMriIoError, readDicom, readSlice } from '../src/index.js';
import { buildDicom, imageElements, u16le } from './dicom-builder.js';
import { DATA, expectMriIoError, REFERENCE } from './helpers.js';

const MR_SMALL = `${DATA}dicom/pydicom/MR_small.dcm`;
const bytesOf = (p: string) => new Uint8Array(readFileSync(p));

/** Offset where the data set starts (after preamble, "DICM" and the group-2 meta). */
function dataSetStart(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset);
  return 132 + 12 + v.getUint32(140, true);
}

describe('pixel layouts', () => {
  it('clears bits above BitsStored in unsigned 12-bit data', async () => {
    const file = buildDicom(
      imageElements({
        rows: 1,
        columns: 3,
        bitsAllocated: 16,
        bitsStored: 12,
        pixels: u16le([0xf123, 0x0fff, 0x8000]),
      }),
    );
    const img = await readDicom(file);
    expect(img.dtype).toBe('uint16');
    expect([...img.stored]).toEqual([0x123, 0xfff, 0]);
  });

  it('sign-extends signed 12-bit data from bit 11', async () => {
    const file = buildDicom(
      imageElements({
        rows: 1,
        columns: 4,
        bitsAllocated: 16,
        bitsStored: 12,
        pixelRepresentation: 1,
        pixels: u16le([0x0fff, 0x0800, 0x07ff, 0xf001]),
      }),
    );
    const img = await readDicom(file);
    expect(img.dtype).toBe('int16');
    expect([...img.stored]).toEqual([-1, -2048, 2047, 1]);
  });

  it('reads signed 8-bit samples as int8', async () => {
    const img = await readDicom(
      buildDicom(
        imageElements({
          rows: 2,
          columns: 2,
          bitsAllocated: 8,
          pixelRepresentation: 1,
          pixels: new Uint8Array([0, 127, 128, 255]),
        }),
      ),
    );
    expect(img.dtype).toBe('int8');
    expect([...img.stored]).toEqual([0, 127, -128, -1]);
  });

  it('applies RescaleSlope and RescaleIntercept to give real-world values', async () => {
    const img = await readDicom(
      buildDicom(
        imageElements({
          rows: 1,
          columns: 3,
          bitsAllocated: 16,
          slope: '0.5',
          intercept: '-1024',
          pixels: u16le([0, 2048, 4096]),
        }),
      ),
    );
    expect([img.rescaleSlope, img.rescaleIntercept]).toEqual([0.5, -1024]);
    expect([...img.rescaled()]).toEqual([-1024, 0, 1024]);
    expect([...img.stored]).toEqual([0, 2048, 4096]);
  });

  it('puts frames first in the shape of multi-frame images and reads a chosen frame', async () => {
    const pixels = u16le([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const file = buildDicom(imageElements({ rows: 2, columns: 2, bitsAllocated: 16, frames: 3, pixels }));
    const img = await readDicom(file);
    expect(img.shape).toEqual([3, 2, 2]);
    expect(img.frames).toBe(3);
  });

  it('interleaves RGB with planar configuration 1 and converts it to grayscale with BT.601', async () => {
    // two pixels: red (255,0,0) and white (255,255,255), stored plane by plane
    const planes = new Uint8Array([255, 255, 0, 255, 0, 255]);
    const file = buildDicom(
      imageElements({
        rows: 1,
        columns: 2,
        bitsAllocated: 8,
        samplesPerPixel: 3,
        photometric: 'RGB',
        planar: 1,
        pixels: planes,
      }),
    );
    const img = await readDicom(file);
    expect(img.shape).toEqual([1, 2, 3]);
    expect([...img.stored]).toEqual([255, 0, 0, 255, 255, 255]);
    const { dicomSlice } = await import('../src/index.js');
    const gray = dicomSlice(img);
    expect(gray.data[0]).toBeCloseTo(0.299 * 255, 4);
    expect(gray.data[1]).toBeCloseTo(255, 4);
    const custom = dicomSlice(img, 0, (rgb, n) => Float32Array.from({ length: n }, (_, i) => rgb[3 * i + 1]));
    expect([...custom.data]).toEqual([0, 255]);
  });

  it('reads explicit VR big endian written by another writer the same as little endian', async () => {
    const values = [1, 256, 65535, 4660];
    const be = new Uint8Array(8);
    for (const [i, x] of values.entries()) new DataView(be.buffer).setUint16(2 * i, x, false);
    const img = await readDicom(
      buildDicom(imageElements({ rows: 2, columns: 2, bitsAllocated: 16, pixels: be }), {
        transferSyntax: '1.2.840.10008.1.2.2',
      }),
    );
    expect([...img.stored]).toEqual(values);
  });

  it('refuses a transfer syntax it cannot decode with UNSUPPORTED_TRANSFER_SYNTAX', async () => {
    const file = buildDicom(
      imageElements({ rows: 1, columns: 1, bitsAllocated: 8, pixels: new Uint8Array(2) }),
      {
        transferSyntax: '1.2.840.10008.1.2.4.100',
      },
    );
    await expectMriIoError(readDicom(file), ['UNSUPPORTED_TRANSFER_SYNTAX']);
  });

  it('refuses a compressed frame whose own header claims a huge or different size, before decoding', async () => {
    const original = bytesOf(`${DATA}dicom/pydicom/MR_small_jpeg_ls_lossless.dcm`);
    let sof = -1;
    for (let i = 132; i < original.length - 8; i++) {
      if (original[i] === 0xff && original[i + 1] === 0xf7) {
        sof = i;
        break;
      }
    }
    expect(sof).toBeGreaterThan(0);
    const huge = original.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], sof + 5); // 65535 x 65535 samples of 16 bits
    await expectMriIoError(readDicom(huge), ['TOO_LARGE']);
    const other = original.slice();
    other.set([0, 65], sof + 7); // 65 columns instead of 64
    await expectMriIoError(readDicom(other), ['DECODE_FAILED']);
  });

  it('refuses pixel data shorter than Rows x Columns x BitsAllocated with TRUNCATED', async () => {
    const file = buildDicom(
      imageElements({ rows: 4, columns: 4, bitsAllocated: 16, pixels: u16le([1, 2, 3]) }),
    );
    await expectMriIoError(readDicom(file), ['TRUNCATED']);
  });
});

describe('files without preamble or file meta', () => {
  const reference = async (p: string) => computeStats((await readDicom(p)).stored);

  it('reads a file whose meta starts at byte 0 (no preamble, no "DICM")', async () => {
    const img = await readDicom(bytesOf(MR_SMALL).subarray(132));
    expect(computeStats(img.stored)).toEqual(await reference(MR_SMALL));
  });

  it.each([
    ['MR_small.dcm', '1.2.840.10008.1.2.1'],
    ['MR_small_implicit.dcm', '1.2.840.10008.1.2'],
    ['MR_small_bigendian.dcm', '1.2.840.10008.1.2.2'],
  ])('reads the bare data set of %s, inferring %s from its bytes', async (name, ts) => {
    const path = `${DATA}dicom/pydicom/${name}`;
    const b = bytesOf(path);
    const img = await readDicom(b.subarray(dataSetStart(b)));
    expect(img.noFileMeta).toBe(true);
    expect(img.declaredTransferSyntax).toBeNull();
    expect(img.transferSyntax).toBe(ts);
    expect(computeStats(img.stored)).toEqual(await reference(path));
  });

  it('reads a data set after a file meta that lacks (0002,0010)', async () => {
    const b = bytesOf(MR_SMALL);
    const start = dataSetStart(b);
    // Rebuild the meta with only (0002,0001), then append the original data set.
    const meta = buildDicom([], {}).subarray(0, 132);
    const version = new Uint8Array([0x02, 0x00, 0x01, 0x00, 0x4f, 0x42, 0, 0, 2, 0, 0, 0, 0, 1]);
    const file = new Uint8Array(meta.length + version.length + b.length - start);
    file.set(meta);
    file.set(version, meta.length);
    file.set(b.subarray(start), meta.length + version.length);
    const img = await readDicom(file);
    expect(img.declaredTransferSyntax).toBeNull();
    expect(computeStats(img.stored)).toEqual(await reference(MR_SMALL));
  });
});

describe('robustness', () => {
  it('refuses every prefix of a valid file with a typed error (property)', async () => {
    const full = bytesOf(MR_SMALL);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: full.length - 1 }), async (cut) => {
        try {
          await readDicom(full.subarray(0, cut));
          return false; // every strict prefix loses pixel bytes, so it must be refused
        } catch (err) {
          return isMriIoError(err);
        }
      }),
      { numRuns: 150, seed: 1 },
    );
  });

  it('either reads or refuses with a typed error when header bytes are corrupted (property)', async () => {
    const full = bytesOf(`${DATA}dicom/generated/sag_t1/IM0000`);
    const headerEnd = full.length - 256 * 224 * 2;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 128, max: headerEnd - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (edits) => {
          const b = full.slice();
          for (const [i, v] of edits) b[i] = v;
          try {
            await readDicom(b);
            return true;
          } catch (err) {
            return isMriIoError(err);
          }
        },
      ),
      { numRuns: 150, seed: 2 },
    );
  });
});

describe('12-bit-capable sequential JPEG decoder', () => {
  it('matches libjpeg-turbo on an 8-bit 4:4:4 colour JPEG within 2 grey levels', async () => {
    const b = bytesOf(`${DATA}dicom/pydicom/SC_rgb_jpeg_dcmtk.dcm`);
    const ds = dicomParser.parseDicom(b);
    const pe = ds.elements.x7fe00010;
    const stream = dicomParser.readEncapsulatedPixelDataFromFragments(
      ds,
      pe,
      0,
      pe.fragments?.length ?? 1,
    ) as Uint8Array;
    const ours = decodeJpegSequential(stream);
    expect([ours.width, ours.height, ours.components, ours.precision]).toEqual([100, 100, 3, 8]);
    const lib = (await readDicom(b)).stored; // libjpeg-turbo output, RGB
    let worst = 0;
    for (let i = 0; i < 100 * 100; i++) {
      const [y, cb, cr] = [ours.data[3 * i], ours.data[3 * i + 1] - 128, ours.data[3 * i + 2] - 128];
      const rgb = [y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb].map((v) =>
        Math.min(255, Math.max(0, Math.round(v))),
      );
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(rgb[c] - lib[3 * i + c]));
    }
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('decodes 12-bit JPEG Extended within one grey level of dcmtk, pixel by pixel', async () => {
    // IJG's integer IDCT (dcmtk) and our exact float IDCT may round differently: at most 1.
    const img = await readDicom(new URL('./fixtures/jpeg12_extended.dcm', import.meta.url).pathname);
    const raw = gunzipSync(readFileSync(new URL('./fixtures/jpeg12_extended.dcmtk.u16.gz', import.meta.url)));
    const ref = new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
    expect(img.shape).toEqual([256, 224]);
    expect(img.stored.length).toBe(ref.length);
    let worst = 0;
    let same = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(img.stored[i] - ref[i]);
      worst = Math.max(worst, d);
      if (d === 0) same++;
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(same / ref.length).toBeGreaterThan(0.9);
  });

  it('decodes the 12-bit JPEG Extended files to within 0.01% of dcmtk mean', async () => {
    const ref = REFERENCE.files['dicom/pydicom/JPGExtended.dcm'];
    const img = await readDicom(`${DATA}dicom/pydicom/JPGExtended.dcm`);
    const s = computeStats(img.stored);
    expect(Math.abs(s.mean - (ref.stored?.mean ?? 0)) / (ref.stored?.mean ?? 1)).toBeLessThan(1e-4);
    expect(s.max).toBeLessThanOrEqual(4095);
  });
});

describe('no patient identifiers in output', () => {
  const dicomFiles = Object.keys(REFERENCE.files).filter((k) => k.startsWith('dicom/'));

  it('inspect output and error messages never contain PatientName, PatientID or PatientBirthDate', async () => {
    let checked = 0;
    for (const rel of dicomFiles) {
      let ds: ReturnType<typeof dicomParser.parseDicom> | undefined;
      try {
        ds = dicomParser.parseDicom(bytesOf(`${DATA}${rel}`));
      } catch {
        continue;
      }
      const secrets = ['x00100010', 'x00100020', 'x00100030']
        .map((t) => ds?.string(t))
        .filter((v): v is string => typeof v === 'string' && v.trim().length > 2);
      if (secrets.length === 0) continue;
      const text = JSON.stringify(await inspectPath(`${DATA}${rel}`));
      for (const s of secrets) expect(text, rel).not.toContain(s);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    // and our synthetic file with a known name, ID and birth date, both read and refused:
    const good = buildDicom(imageElements({ rows: 1, columns: 1, bitsAllocated: 16, pixels: u16le([1]) }));
    const img = await readDicom(good);
    const bad = good.subarray(0, good.length - 1);
    const err = await readDicom(bad).catch((e: Error) => e);
    for (const text of [JSON.stringify({ ...img, stored: undefined }), String((err as Error).message)]) {
      for (const s of ['DOE^JANE', 'ID-12345', '19500101']) expect(text).not.toContain(s);
    }
  });
});

describe('readSlice on a single file', () => {
  it('returns the real-world slice of a DICOM file with its geometry', async () => {
    const s = await readSlice(`${DATA}dicom/pydicom/CT_small.dcm`);
    expect([s.rows, s.columns]).toEqual([128, 128]);
    expect(computeStats(s.data).mean).toBeCloseTo(
      REFERENCE.files['dicom/pydicom/CT_small.dcm'].rescaled?.mean ?? 0,
      6,
    );
    expect(s.origin).toEqual([-158.135803, -179.035797, -75.699997]);
  });
});
