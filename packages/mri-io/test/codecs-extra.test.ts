// Float/Double Float Pixel Data, the Modality LUT Sequence (against pydicom), HTJ2K (OpenJPH's own
// encoder round trip) and the typed warnings for tolerated conformance slips (issue 13, item 2).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadOpenjph } from '../src/dicom/codecs.js';
import { validateJpegLs } from '../src/dicom/jpeg-ls.js';
import { parseDicomBytes } from '../src/dicom/parse.js';
import {
  computeStats,
  inspectPath,
  type MriIoWarningCode,
  readDicom,
  readDicomHeader,
  readSeriesDirectory,
  transferSyntaxInfo,
} from '../src/index.js';
import { buildDicom, type DicomElement, imageElements, u16le } from './dicom-builder.js';
import { DATA, expectClose } from './helpers.js';

const FIX = fileURLToPath(new URL('./fixtures/codecs/', import.meta.url));
interface Ref {
  shape: number[];
  dtype: string;
  stats: { min: number; max: number; sum: number; mean: number; nanCount: number };
  values: Array<number | null>;
  lut?: { entries: number; firstMapped: number };
}
const REF: { files: Record<string, Ref> } = JSON.parse(readFileSync(`${FIX}reference.json`, 'utf8'));
const codes = (w: Array<{ code: MriIoWarningCode }>) => w.map((x) => x.code);

describe('Float and Double Float Pixel Data (7FE0,0008 / 7FE0,0009), against pydicom pixel_array', () => {
  for (const name of ['float32.dcm', 'float32_bigendian.dcm', 'float64_2frames.dcm']) {
    it(`${name}: hasPixelData, dtype, shape, every value and the statistics`, async () => {
      const ref = REF.files[name];
      const header = await readDicomHeader(`${FIX}${name}`);
      expect(header.hasPixelData).toBe(true);
      expect(header.pixelDataKind).toBe(ref.dtype === 'float64' ? 'double' : 'float');
      const img = await readDicom(`${FIX}${name}`);
      expect(img.dtype).toBe(ref.dtype);
      expect(img.stored).toBeInstanceOf(ref.dtype === 'float64' ? Float64Array : Float32Array);
      expect(img.shape).toEqual(ref.shape);
      const got = Array.from(img.stored, (v) => (Number.isFinite(v) ? v : null));
      expect(got).toEqual(ref.values); // pydicom's values exactly (the reference stores them as float64)
      const s = computeStats(img.stored);
      expect(s.nanCount).toBe(ref.stats.nanCount);
      expect([s.min, s.max]).toEqual([ref.stats.min, ref.stats.max]);
      expectClose(s.sum, ref.stats.sum, 1e-12, 'sum');
      const r = img.rescaled();
      expect(r[5]).toBe(Math.fround(ref.values[5] as number));
      const inspected = await inspectPath(`${FIX}${name}`);
      expect(inspected).toMatchObject({
        kind: 'dicom',
        hasPixelData: true,
        dtype: ref.dtype,
        shape: ref.shape,
      });
      expectClose((inspected as { stats: { mean: number } }).stats.mean, ref.stats.mean, 1e-12, 'mean');
      expect(img.warnings).toEqual([]);
    });
  }

  it('Float Pixel Data without BitsAllocated reads as float32 with a BITS_ALLOCATED_ASSUMED warning', async () => {
    const values = new Float32Array([1.5, -2.25, 3, 1e-3]);
    const file = buildDicom([
      [0x00080060, 'CS', 'MR'],
      [0x00280002, 'US', 1],
      [0x00280004, 'CS', 'MONOCHROME2'],
      [0x00280010, 'US', 2],
      [0x00280011, 'US', 2],
      [0x7fe00008, 'OF', new Uint8Array(values.buffer)],
    ]);
    const img = await readDicom(file);
    expect(Array.from(img.stored)).toEqual(Array.from(values));
    expect(codes(img.warnings)).toEqual(['BITS_ALLOCATED_ASSUMED']);
  });

  it('a series directory includes float images', async () => {
    const out = await readSeriesDirectory(FIX);
    expect(out.series.flatMap((s) => s.files).some((f) => f.endsWith('float32.dcm'))).toBe(true);
  });
});

describe('Modality LUT Sequence (0028,3000) in rescaled(), against pydicom apply_modality_lut', () => {
  for (const name of ['lut_u16_ow.dcm', 'lut_s16_us_implicit_rescale.dcm']) {
    it(`${name}: every real-world value and the inspect statistics`, async () => {
      const ref = REF.files[name];
      const img = await readDicom(`${FIX}${name}`);
      expect(img.modalityLut).toMatchObject(ref.lut ?? {});
      expect(Array.from(img.rescaled())).toEqual(ref.values);
      const inspected = (await inspectPath(`${FIX}${name}`)) as { stats: Ref['stats'] };
      expect(inspected.stats).toEqual(ref.stats);
    });
  }

  it('applies the LUT over RescaleSlope/Intercept, with a MODALITY_LUT_AND_RESCALE warning', async () => {
    const img = await readDicom(`${FIX}lut_s16_us_implicit_rescale.dcm`);
    expect(img.rescaleSlope).toBe(2);
    expect(codes(img.warnings)).toEqual(['MODALITY_LUT_AND_RESCALE']);
    expect((await readDicom(`${FIX}lut_u16_ow.dcm`)).warnings).toEqual([]);
  });

  it('a LUT Data shorter than its descriptor uses what is there and warns MODALITY_LUT_SHORT', async () => {
    const item = buildDicom(
      [
        [0x00283002, 'US', [8, 0, 16]],
        [0x00283006, 'US', [10, 20, 30]],
      ],
      { bare: true },
    );
    const seq = new Uint8Array(8 + item.length);
    const v = new DataView(seq.buffer);
    v.setUint16(0, 0xfffe, true);
    v.setUint16(2, 0xe000, true);
    v.setUint32(4, item.length, true);
    seq.set(item, 8);
    const file = buildDicom(
      imageElements({
        rows: 1,
        columns: 4,
        bitsAllocated: 16,
        pixels: u16le([0, 1, 2, 7]),
        extra: [[0x00283000, 'SQ', seq]],
      }),
    );
    const img = await readDicom(file);
    expect(Array.from(img.rescaled())).toEqual([10, 20, 30, 30]);
    expect(codes(img.warnings)).toEqual(['MODALITY_LUT_SHORT']);
  });
});

/** Encapsulated Pixel Data (undefined length, empty basic offset table, one fragment per frame). */
function encapsulate(frames: Uint8Array[], delimiter = true): Uint8Array {
  const parts: number[] = [];
  const u16 = (x: number) => parts.push(x & 0xff, x >> 8);
  const u32 = (x: number) => {
    u16(x & 0xffff);
    u16(x >>> 16);
  };
  u16(0x7fe0);
  u16(0x0010);
  parts.push(0x4f, 0x42, 0, 0); // OB, reserved
  u32(0xffffffff);
  u16(0xfffe);
  u16(0xe000);
  u32(0);
  for (const f of frames) {
    const padded = f.length % 2 ? [...f, 0] : [...f];
    u16(0xfffe);
    u16(0xe000);
    u32(padded.length);
    parts.push(...padded);
  }
  if (delimiter) {
    u16(0xfffe);
    u16(0xe0dd);
    u32(0);
  }
  return new Uint8Array(parts);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const loaded = (name: RegExp) => Object.keys(createRequire(import.meta.url).cache).some((p) => name.test(p));

describe('HTJ2K (1.2.840.10008.1.2.4.201/.202/.203) through OpenJPH', () => {
  it('decodes what OpenJPH encodes, bit for bit, for all three transfer syntaxes (codec loaded on first use)', async () => {
    await readDicom(`${DATA}dicom/pydicom/MR_small.dcm`);
    expect(loaded(/codec-openjph/)).toBe(false);
    // Other Emscripten codecs first: each must get its own module object, or OpenJPH's embind
    // registration collides with what CharLS put on a shared one.
    await readDicom(`${DATA}dicom/pydicom/MR_small_jpeg_ls_lossless.dcm`);
    await readDicom(`${DATA}dicom/pydicom/MR_small_jp2klossless.dcm`);
    const rows = 48;
    const columns = 64;
    let seed = 12345;
    const pixels = new Uint16Array(rows * columns).map((_, i) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return ((i % columns) * 40 + (seed >>> 22)) & 0xfff; // a gradient plus noise, 12 bits
    });
    const codec = await loadOpenjph();
    const enc = new codec.HTJ2KEncoder();
    enc
      .getDecodedBuffer({
        width: columns,
        height: rows,
        bitsPerSample: 12,
        componentCount: 1,
        isSigned: false,
        isUsingColorTransform: false,
      })
      .set(new Uint8Array(pixels.buffer));
    enc.setQuality(true, 0);
    enc.encode();
    const stream = enc.getEncodedBuffer().slice();
    enc.delete();
    for (const uid of ['1.2.840.10008.1.2.4.201', '1.2.840.10008.1.2.4.202', '1.2.840.10008.1.2.4.203']) {
      const header = buildDicom(
        imageElements({ rows, columns, bitsAllocated: 16, bitsStored: 12, pixels: new Uint8Array(0) }).filter(
          ([tag]) => tag !== 0x7fe00010,
        ),
        { transferSyntax: uid },
      );
      const img = await readDicom(concat(header, encapsulate([stream])));
      expect(img.transferSyntaxName).toBe(transferSyntaxInfo(uid)?.name);
      expect(img.lossy).toBe(uid.endsWith('203'));
      expect(img.shape).toEqual([rows, columns]);
      expect(Array.from(img.stored)).toEqual(Array.from(pixels));
      expect(img.warnings).toEqual([]);
    }
  });

  it('refuses a subsampled component from the SIZ segment before OpenJPH runs (a fuzzed YRsiz of 139 hung it)', async () => {
    const codec = await loadOpenjph();
    const enc = new codec.HTJ2KEncoder();
    const info = { width: 32, height: 24, bitsPerSample: 12, componentCount: 1 };
    enc.getDecodedBuffer({ ...info, isSigned: false, isUsingColorTransform: false }).fill(7);
    enc.setQuality(true, 0);
    enc.encode();
    const stream = enc.getEncodedBuffer().slice();
    enc.delete();
    stream[44] = 139; // SIZ: the first component's YRsiz (vertical subsampling), was 1
    const header = buildDicom(
      imageElements({
        rows: 24,
        columns: 32,
        bitsAllocated: 16,
        bitsStored: 12,
        pixels: new Uint8Array(0),
      }).filter(([tag]) => tag !== 0x7fe00010),
      { transferSyntax: '1.2.840.10008.1.2.4.201' },
    );
    const t0 = performance.now();
    await expect(readDicom(concat(header, encapsulate([stream])))).rejects.toMatchObject({
      code: 'DECODE_FAILED',
      message: expect.stringContaining('subsampled 1x139'),
    });
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses an HTJ2K codestream whose size disagrees with Rows/Columns before decoding', async () => {
    const header = buildDicom(
      imageElements({ rows: 4, columns: 4, bitsAllocated: 16, pixels: new Uint8Array(0) }).filter(
        ([tag]) => tag !== 0x7fe00010,
      ),
      { transferSyntax: '1.2.840.10008.1.2.4.201' },
    );
    const junk = new Uint8Array([0xff, 0x4f, 0xff, 0x51, ...new Array(60).fill(0)]);
    await expect(readDicom(concat(header, encapsulate([junk])))).rejects.toMatchObject({
      code: 'DECODE_FAILED',
    });
  });
});

describe('warnings for tolerated conformance slips', () => {
  const els = (): DicomElement[] =>
    imageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixels: new Uint8Array(0) }).filter(
      ([tag]) => tag !== 0x7fe00010,
    );

  it('encapsulated pixel data without its sequence delimiter: MISSING_SEQUENCE_DELIMITER, pixels still decoded', async () => {
    const rle = (frame: number[]) => {
      const seg = new Uint8Array(64 + 2 + frame.length);
      new DataView(seg.buffer).setUint32(0, 1, true);
      new DataView(seg.buffer).setUint32(4, 64, true);
      seg[64] = frame.length - 1; // literal run
      seg.set(frame, 65);
      return seg.subarray(0, 65 + frame.length);
    };
    const header = buildDicom(els(), { transferSyntax: '1.2.840.10008.1.2.5' });
    const good = await readDicom(concat(header, encapsulate([rle([1, 2, 3, 4])])));
    expect(Array.from(good.stored)).toEqual([1, 2, 3, 4]);
    expect(good.warnings).toEqual([]);
    const slip = await readDicom(concat(header, encapsulate([rle([1, 2, 3, 4])], false)));
    expect(Array.from(slip.stored)).toEqual([1, 2, 3, 4]);
    expect(codes(slip.warnings)).toEqual(['MISSING_SEQUENCE_DELIMITER']);
  });

  it('a JPEG-LS frame whose precision differs from BitsStored: JPEG_LS_PRECISION_MISMATCH', async () => {
    const b = new Uint8Array(readFileSync(`${DATA}dicom/pydicom/MR_small_jpeg_ls_lossless.dcm`));
    expect((await readDicom(b)).warnings).toEqual([]);
    const at = parseDicomBytes(b).dataSet.elements.x00280101.dataOffset; // BitsStored 16 -> 15
    b[at] = 15;
    expect(codes((await readDicom(b)).warnings)).toEqual(['JPEG_LS_PRECISION_MISMATCH']);
  });

  it('no file meta, meta without a transfer syntax, and trailing pixel bytes each get their code', async () => {
    expect(codes((await readDicomHeader(`${DATA}dicom/pydicom/ExplVR_LitEndNoMeta.dcm`)).warnings)).toContain(
      'NO_FILE_META',
    );
    // A Part 10 file whose meta holds only (0002,0001): preamble, "DICM", one meta element, the data set.
    const body = buildDicom(
      imageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixels: new Uint8Array(4) }),
      {
        bare: true,
      },
    );
    const meta = new Uint8Array([0x02, 0x00, 0x01, 0x00, 0x4f, 0x42, 0, 0, 2, 0, 0, 0, 0, 1]);
    const noTs = concat(concat(new Uint8Array(128), new TextEncoder().encode('DICM')), concat(meta, body));
    expect(codes((await readDicom(noTs)).warnings)).toEqual(['TRANSFER_SYNTAX_INFERRED']);
    const padded = buildDicom(
      imageElements({ rows: 2, columns: 2, bitsAllocated: 8, pixels: new Uint8Array(12) }),
    );
    expect(codes((await readDicom(padded)).warnings)).toEqual(['PIXEL_DATA_TRAILING_BYTES']);
    expect((await readDicom(`${DATA}dicom/pydicom/MR_small.dcm`)).warnings).toEqual([]);
    const inspected = await inspectPath(`${DATA}dicom/pydicom/ExplVR_LitEndNoMeta.dcm`);
    expect((inspected as { warnings: Array<{ code: string }> }).warnings.map((w) => w.code)).toContain(
      'NO_FILE_META',
    );
  });
});

describe('JPEG-LS marker walk before CharLS (validateJpegLs)', () => {
  const want = { rows: 2, columns: 2, samplesPerPixel: 1, bitsAllocated: 8, maxDecodedBytes: 1 << 20 };
  const sof = [0xff, 0xf7, 0x00, 0x0b, 8, 0, 2, 0, 2, 1, 1, 0x11, 0];
  const sos = [0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0, 0];
  const stream = (...parts: number[][]) => new Uint8Array([0xff, 0xd8, ...parts.flat()]);

  it('keeps restart markers inside the scan data and cuts after EOI (fragment padding dropped)', () => {
    const dri = [0xff, 0xdd, 0x00, 0x04, 0x00, 0x01];
    const b = stream(sof, dri, sos, [0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56], [0xff, 0xd9, 0x00]);
    const f = validateJpegLs(b, want);
    expect([f.width, f.height, f.components, f.precision]).toEqual([2, 2, 1, 8]);
    expect(f.codestream.length).toBe(b.length - 1);
  });

  it('refuses a stream without EOI (TRUNCATED), a size or component mismatch and an oversized frame', () => {
    const typed = (b: Uint8Array, w = want) => {
      try {
        validateJpegLs(b, w);
      } catch (err) {
        return (err as { code: string }).code;
      }
      return 'accepted';
    };
    expect(typed(stream(sof, sos, [0x12, 0x34, 0x56]))).toBe('TRUNCATED');
    expect(typed(stream(sof, sos, [1, 2], [0xff, 0xd9]), { ...want, rows: 3 })).toBe('DECODE_FAILED');
    expect(typed(stream(sof, sos, [1, 2], [0xff, 0xd9]), { ...want, samplesPerPixel: 3 })).toBe(
      'DECODE_FAILED',
    );
    expect(typed(stream(sof, sos, [1, 2], [0xff, 0xd9]), { ...want, maxDecodedBytes: 3 })).toBe('TOO_LARGE');
    expect(typed(stream(sof, sos, [1, 2], [0xff, 0xd9]), { ...want, bitsAllocated: 1 })).toBe(
      'DECODE_FAILED',
    );
    expect(typed(stream(sof, [0xff, 0xf8, 0x01, 0x00], sos, [0xff, 0xd9]))).toBe('TRUNCATED');
    expect(typed(stream(sof, sos, [1, 2], [0xff, 0xd9]))).toBe('accepted');
  });
});
