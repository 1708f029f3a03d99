// Property-based fuzzing of every reader (issue 18 item 3): bit flips, truncation, length fields
// set to huge values and dangling links. Each call either succeeds or rejects with a typed
// MriIoError whose code is not INTERNAL_ERROR, within 5 s, with bounded memory. Seeded, so a
// failure replays; the whole file runs in a few seconds.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOpenjph } from '../src/dicom/codecs.js';
import { parseDicomBytes } from '../src/dicom/parse.js';
import {
  inspectPath,
  isMriIoError,
  readDicom,
  readDicomHeader,
  readImage,
  readNifti,
  readSeriesDirectory,
} from '../src/index.js';
import { buildDicom, imageElements } from './dicom-builder.js';
import { DATA } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'mri-io-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const bytesOf = (p: string) => new Uint8Array(readFileSync(p));

/** Small enough that a huge length field hits the limit instead of the machine. */
const LIMIT = { maxDecodedBytes: 64 << 20 };
const startRss = process.resourceUsage().maxRSS * 1024;

type Mutation =
  | { kind: 'flip'; bits: Array<[number, number]> }
  | { kind: 'cut'; at: number }
  | { kind: 'length'; field: number; value: number }
  | { kind: 'shrink'; field: number; by: number };

const HUGE = [0xffffffff, 0xfffffffe, 0x80000000, 0x7fffffff, 0x40000000, 0x10000, 0xffff];

/** Offsets of the length fields of every element, item and fragment in a Part 10 DICOM file. */
function dicomLengthFields(b: Uint8Array): number[] {
  const ds = parseDicomBytes(b).dataSet;
  const out: number[] = [];
  const walk = (set: typeof ds) => {
    for (const el of Object.values(set.elements)) {
      const long = !el.vr || ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(el.vr);
      out.push(el.dataOffset - (long ? 4 : 2));
      for (const f of el.fragments ?? []) out.push(f.position - 4);
      for (const item of el.items ?? []) if (item.dataSet) walk(item.dataSet);
    }
  };
  walk(ds);
  return out.filter((p) => p >= 0);
}

/** The last bytes of every encapsulated fragment (where a JPEG frame keeps its EOI marker). */
function fragmentEnds(b: Uint8Array): number[] {
  const px = parseDicomBytes(b).dataSet.elements.x7fe00010;
  return (px?.fragments ?? []).flatMap((f) => [1, 2, 3, 4].map((k) => f.position + f.length - k));
}

/** Where Pixel Data's value starts (the header is everything before it). */
function pixelDataStart(b: Uint8Array): number {
  return parseDicomBytes(b).dataSet.elements.x7fe00010?.dataOffset ?? b.length;
}

/** Mutations of a file of `size` bytes whose header ends at `headerEnd` and has length fields at `fields`. */
function mutation(
  size: number,
  fields: number[],
  headerEnd = size,
  ends: number[] = [],
): fc.Arbitrary<Mutation> {
  const flipEnd =
    ends.length === 0
      ? fc.record({ kind: fc.constant('cut' as const), at: fc.integer({ min: 0, max: size - 1 }) })
      : fc.record({
          kind: fc.constant('flip' as const),
          bits: fc.array(fc.tuple(fc.constantFrom(...ends), fc.integer({ min: 0, max: 7 })), {
            minLength: 1,
            maxLength: 2,
          }),
        });
  const cutHeader = fc.record({
    kind: fc.constant('cut' as const),
    at: fc.integer({ min: 0, max: headerEnd - 1 }),
  });
  const shrink =
    fields.length === 0
      ? cutHeader
      : fc.record({
          kind: fc.constant('shrink' as const),
          field: fc.constantFrom(...fields),
          by: fc.integer({ min: 1, max: 64 }),
        });
  return fc.oneof(
    cutHeader,
    shrink,
    flipEnd,
    fc.record({
      kind: fc.constant('flip' as const),
      bits: fc.array(fc.tuple(fc.integer({ min: 0, max: size - 1 }), fc.integer({ min: 0, max: 7 })), {
        minLength: 1,
        maxLength: 6,
      }),
    }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.integer({ min: 0, max: size - 1 }) }),
    fields.length === 0
      ? fc.record({ kind: fc.constant('cut' as const), at: fc.integer({ min: 0, max: size - 1 }) })
      : fc.record({
          kind: fc.constant('length' as const),
          field: fc.constantFrom(...fields),
          value: fc.oneof(fc.constantFrom(...HUGE), fc.integer({ min: 0, max: 0xffffffff })),
        }),
  );
}

function apply(src: Uint8Array, m: Mutation, width = 4): Uint8Array {
  if (m.kind === 'cut') return src.slice(0, m.at);
  const b = src.slice();
  if (m.kind === 'flip') for (const [i, bit] of m.bits) b[i] ^= 1 << bit;
  else if (m.kind === 'shrink') {
    // A length a little short of the truth: an element or fragment (say a JPEG-LS frame) cut short.
    const v = new DataView(b.buffer);
    const wide = width === 4 && m.field + 4 <= b.length;
    const orig = wide ? v.getUint32(m.field, true) : v.getUint16(m.field, true);
    if (orig >= m.by && orig !== 0xffffffff) {
      if (wide) v.setUint32(m.field, orig - m.by, true);
      else v.setUint16(m.field, orig - m.by, true);
    }
  } else {
    const v = new DataView(b.buffer);
    if (width === 2 || m.field + 4 > b.length) v.setUint16(m.field, m.value & 0xffff, true);
    else v.setUint32(m.field, m.value >>> 0, true);
  }
  return b;
}

/** The call succeeds or throws a typed, non-internal MriIoError, in under 5 s. */
async function typedOnly(call: () => Promise<unknown>): Promise<boolean> {
  const t0 = performance.now();
  let ok = true;
  try {
    await call();
  } catch (err) {
    ok = isMriIoError(err) && err.code !== 'INTERNAL_ERROR';
    if (!ok) console.error('untyped escape:', err);
  }
  const ms = performance.now() - t0;
  if (ms >= 5000) console.error(`call took ${ms.toFixed(0)} ms`);
  return ok && ms < 5000;
}

function memoryBounded(): void {
  const grown = process.resourceUsage().maxRSS * 1024 - startRss;
  expect(grown, `peak RSS grew by ${(grown / 2 ** 20).toFixed(0)} MB`).toBeLessThan(768 * 2 ** 20);
}

const DICOM_SOURCES = [
  'dicom/pydicom/MR_small.dcm',
  'dicom/pydicom/MR_small_implicit.dcm',
  'dicom/pydicom/MR_small_implicit.dcm#bare',
  'dicom/pydicom/ExplVR_BigEndNoMeta.dcm',
  'dicom/pydicom/MR_small_jpeg_ls_lossless.dcm',
  'dicom/pydicom/JPEGLSNearLossless_16.dcm',
  'dicom/generated/sag_t1_jpls/IM0000',
  'dicom/pydicom/MR_small_RLE.dcm',
  'dicom/pydicom/MR_small_jp2klossless.dcm',
  'dicom/pydicom/JPGExtended.dcm',
  'dicom/pydicom/SC_rgb_jpeg_dcmtk.dcm',
  'dicom/pydicom/image_dfl.dcm',
  'fixtures/codecs/float64_2frames.dcm',
  'fixtures/codecs/lut_s16_us_implicit_rescale.dcm',
  'fixtures/codecs/lut_u16_ow.dcm',
];

/** A file, or with `#bare` its data set alone (no preamble or file meta: read the way dcmtk reads it). */
function source(rel: string): Uint8Array {
  const [path, bare] = rel.split('#');
  const b = bytesOf(
    path.startsWith('fixtures/') ? fileURLToPath(new URL(path, import.meta.url)) : `${DATA}${path}`,
  );
  if (!bare) return b;
  const metaLength = new DataView(b.buffer, b.byteOffset).getUint32(140, true);
  return b.slice(132 + 12 + metaLength);
}

describe('fuzzing the DICOM readers', () => {
  for (const rel of DICOM_SOURCES) {
    it(`readDicom / readDicomHeader on mutants of ${rel}`, async () => {
      const src = source(rel);
      const fields = rel.endsWith('image_dfl.dcm') ? [] : dicomLengthFields(src);
      const deflated = rel.endsWith('image_dfl.dcm');
      const headerEnd = deflated ? src.length : pixelDataStart(src);
      const ends = deflated ? [] : fragmentEnds(src);
      await fc.assert(
        fc.asyncProperty(mutation(src.length, fields, headerEnd, ends), async (m) => {
          const b = apply(src, m);
          return (
            (await typedOnly(() => readDicom(b, LIMIT))) && (await typedOnly(() => readDicomHeader(b, LIMIT)))
          );
        }),
        { numRuns: 60, seed: 18 },
      );
      memoryBounded();
    });
  }
});

/** A 32x24 12-bit HTJ2K file made with OpenJPH's encoder (no HTJ2K file ships in ../shared). */
async function htj2kFile(): Promise<Uint8Array> {
  const codec = await loadOpenjph();
  const [rows, columns] = [24, 32];
  const enc = new codec.HTJ2KEncoder();
  const info = { width: columns, height: rows, bitsPerSample: 12, componentCount: 1 };
  const px = new Uint16Array(rows * columns).map((_, i) => (i * 37) & 0xfff);
  enc
    .getDecodedBuffer({ ...info, isSigned: false, isUsingColorTransform: false })
    .set(new Uint8Array(px.buffer));
  enc.setQuality(true, 0);
  enc.encode();
  const stream = enc.getEncodedBuffer().slice();
  enc.delete();
  const head = buildDicom(
    imageElements({ rows, columns, bitsAllocated: 16, bitsStored: 12, pixels: new Uint8Array(0) }).filter(
      ([tag]) => tag !== 0x7fe00010,
    ),
    { transferSyntax: '1.2.840.10008.1.2.4.201' },
  );
  const frag = stream.length % 2 ? [...stream, 0] : [...stream];
  const le32 = (x: number) => [x & 0xff, (x >> 8) & 0xff, (x >> 16) & 0xff, x >>> 24];
  const pixel = [
    0xe0,
    0x7f,
    0x10,
    0x00,
    0x4f,
    0x42,
    0,
    0,
    ...le32(0xffffffff),
    0xfe,
    0xff,
    0x00,
    0xe0,
    ...le32(0),
  ];
  pixel.push(0xfe, 0xff, 0x00, 0xe0, ...le32(frag.length), ...frag, 0xfe, 0xff, 0xdd, 0xe0, ...le32(0));
  const out = new Uint8Array(head.length + pixel.length);
  out.set(head);
  out.set(pixel, head.length);
  return out;
}

describe('fuzzing the HTJ2K path', () => {
  it('readDicom on mutants of an OpenJPH-encoded HTJ2K file', async () => {
    const src = await htj2kFile();
    expect((await readDicom(src)).shape).toEqual([24, 32]);
    const fields = dicomLengthFields(src);
    await fc.assert(
      fc.asyncProperty(mutation(src.length, fields, pixelDataStart(src), fragmentEnds(src)), async (m) =>
        typedOnly(() => readDicom(apply(src, m), LIMIT)),
      ),
      { numRuns: 120, seed: 18 },
    );
    memoryBounded();
  });
});

describe('fuzzing the NIfTI reader', () => {
  const sources: Array<[string, boolean]> = [
    ['nifti/nibabel/example_nifti2.nii.gz', true],
    ['nifti/nibabel/standard.nii.gz', true],
    ['nifti/nibabel/anatomical.nii', false],
  ];
  for (const [rel, gz] of sources) {
    it(`readNifti / readImage on mutants of ${rel} (header fields, then ${gz ? 're-gzipped' : 'raw'})`, async () => {
      const file = bytesOf(`${DATA}${rel}`);
      const raw = gz ? new Uint8Array(gunzipSync(file)) : file;
      // Header length fields: dim[], datatype/bitpix, vox_offset (NIfTI-1 108, NIfTI-2 168).
      const v2 = new DataView(raw.buffer, raw.byteOffset).getInt32(0, true) === 540;
      const fields = v2 ? [16, 24, 32, 168, 172, 12] : [40, 42, 44, 46, 70, 72, 108];
      await fc.assert(
        fc.asyncProperty(
          mutation(Math.min(raw.length, 1024), fields),
          fc.boolean(),
          async (m, compressed) => {
            let b = apply(raw, m);
            if (gz)
              b = compressed
                ? new Uint8Array(gzipSync(b))
                : apply(file, m.kind === 'length' ? { kind: 'cut', at: m.field } : m);
            return (
              (await typedOnly(() => readNifti(b, LIMIT))) && (await typedOnly(() => readImage(b, LIMIT)))
            );
          },
        ),
        { numRuns: 60, seed: 18 },
      );
      memoryBounded();
    });
  }
});

describe('fuzzing the path readers', () => {
  it('inspectPath never throws and reports typed codes for mutated files and dangling links', async () => {
    const src = bytesOf(`${DATA}dicom/pydicom/MR_small_jpeg_ls_lossless.dcm`);
    const fields = dicomLengthFields(src);
    let k = 0;
    await fc.assert(
      fc.asyncProperty(mutation(src.length, fields), fc.boolean(), async (m, dangling) => {
        const p = join(tmp, `inspect-${k++}.dcm`);
        if (dangling) symlinkSync(join(tmp, 'no-such-target'), p);
        else writeFileSync(p, apply(src, m));
        const t0 = performance.now();
        const out = await inspectPath(p, LIMIT); // a throw fails the property
        if (performance.now() - t0 >= 5000) return false;
        return (
          !('error' in out) ||
          (out.error.code !== 'INTERNAL_ERROR' && (!dangling || out.error.code === 'NOT_FOUND'))
        );
      }),
      { numRuns: 40, seed: 18 },
    );
    memoryBounded();
  });

  it('readSeriesDirectory goes on past mutated files and dangling links, skipping them with typed codes', async () => {
    const series = `${DATA}dicom/generated/sag_t1_jpls`;
    const names = ['IM0000', 'IM0037', 'IM0074'];
    const sources = names.map((n) => bytesOf(join(series, n)));
    const fields = dicomLengthFields(sources[0]);
    let k = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(mutation(sources[0].length, fields), { nil: undefined }), {
          minLength: 3,
          maxLength: 3,
        }),
        fc.nat({ max: 3 }),
        async (mutations, links) => {
          const dir = join(tmp, `series-${k++}`);
          mkdirSync(dir);
          names.forEach((n, i) => {
            const m = mutations[i];
            if (m) writeFileSync(join(dir, n), apply(sources[i], m));
            else copyFileSync(join(series, n), join(dir, n));
          });
          for (let l = 0; l < links; l++) symlinkSync(join(dir, `gone-${l}`), join(dir, `IM9${l}`));
          const t0 = performance.now();
          const out = await readSeriesDirectory(dir, LIMIT); // a throw fails the property
          const files = out.series.reduce((n, s) => n + s.files.length, 0);
          const links_ = out.skipped.filter((s) => s.code === 'BROKEN_LINK').length;
          return (
            performance.now() - t0 < 5000 &&
            links_ === links &&
            files + out.skipped.length === names.length + links &&
            out.skipped.every((s) => s.code !== 'INTERNAL_ERROR')
          );
        },
      ),
      { numRuns: 30, seed: 18 },
    );
    memoryBounded();
  });
});
