// A tiny explicit-VR DICOM writer for tests: just enough to make files with chosen pixel layouts.
export type ElementValue = string | number | number[] | Uint8Array;
export type DicomElement = [tag: number, vr: string, value: ElementValue];

const LONG = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function encodeValue(vr: string, value: ElementValue, le: boolean): Uint8Array {
  if (value instanceof Uint8Array) return value.length % 2 ? concat([value, new Uint8Array(1)]) : value;
  if (vr === 'US' || vr === 'SS') {
    const vals = Array.isArray(value) ? value : [value as number];
    const out = new Uint8Array(2 * vals.length);
    const v = new DataView(out.buffer);
    for (const [i, x] of vals.entries()) {
      if (vr === 'US') v.setUint16(2 * i, x, le);
      else v.setInt16(2 * i, x, le);
    }
    return out;
  }
  if (vr === 'UL') {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, value as number, le);
    return out;
  }
  let s = Array.isArray(value) ? value.join('\\') : String(value);
  if (s.length % 2) s += vr === 'UI' ? '\0' : ' ';
  return new TextEncoder().encode(s);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function encodeElement([tag, vr, value]: DicomElement, le: boolean): Uint8Array {
  const data = encodeValue(vr, value, le);
  const long = LONG.has(vr);
  const head = new Uint8Array(long ? 12 : 8);
  const v = new DataView(head.buffer);
  v.setUint16(0, tag >>> 16, le);
  v.setUint16(2, tag & 0xffff, le);
  head[4] = vr.charCodeAt(0);
  head[5] = vr.charCodeAt(1);
  if (long) v.setUint32(8, data.length, le);
  else v.setUint16(6, data.length, le);
  return concat([head, data]);
}

export interface BuildOptions {
  transferSyntax?: string;
  /** Omit preamble and file meta (a bare data set). */
  bare?: boolean;
}

/** Builds a Part 10 file (or a bare data set) from elements; big endian for 1.2.840.10008.1.2.2. */
export function buildDicom(elements: DicomElement[], options: BuildOptions = {}): Uint8Array {
  const ts = options.transferSyntax ?? '1.2.840.10008.1.2.1';
  const le = ts !== '1.2.840.10008.1.2.2';
  const body = concat([...elements].sort((a, b) => a[0] - b[0]).map((e) => encodeElement(e, le)));
  if (options.bare) return body;
  const metaElements = concat([
    encodeElement([0x00020001, 'OB', new Uint8Array([0, 1])], true),
    encodeElement([0x00020010, 'UI', ts], true),
  ]);
  const groupLength = encodeElement([0x00020000, 'UL', metaElements.length], true);
  const preamble = new Uint8Array(132);
  preamble.set([0x44, 0x49, 0x43, 0x4d], 128);
  return concat([preamble, groupLength, metaElements, body]);
}

/** The usual image-pixel elements. */
export function imageElements(o: {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  samplesPerPixel?: number;
  photometric?: string;
  frames?: number;
  planar?: number;
  slope?: string;
  intercept?: string;
  pixels: Uint8Array;
  extra?: DicomElement[];
}): DicomElement[] {
  const els: DicomElement[] = [
    [0x00080060, 'CS', 'MR'],
    [0x00100010, 'PN', 'DOE^JANE'],
    [0x00100020, 'LO', 'ID-12345'],
    [0x00100030, 'DA', '19500101'],
    [0x0020000e, 'UI', '1.2.3.4.5'],
    [0x00280002, 'US', o.samplesPerPixel ?? 1],
    [0x00280004, 'CS', o.photometric ?? 'MONOCHROME2'],
    [0x00280010, 'US', o.rows],
    [0x00280011, 'US', o.columns],
    [0x00280100, 'US', o.bitsAllocated],
    [0x00280101, 'US', o.bitsStored ?? o.bitsAllocated],
    [0x00280102, 'US', (o.bitsStored ?? o.bitsAllocated) - 1],
    [0x00280103, 'US', o.pixelRepresentation ?? 0],
    [0x7fe00010, o.bitsAllocated > 8 ? 'OW' : 'OB', o.pixels],
    ...(o.extra ?? []),
  ];
  if (o.frames !== undefined) els.push([0x00280008, 'IS', String(o.frames)]);
  if (o.planar !== undefined) els.push([0x00280006, 'US', o.planar]);
  if (o.slope !== undefined) els.push([0x00281053, 'DS', o.slope]);
  if (o.intercept !== undefined) els.push([0x00281052, 'DS', o.intercept]);
  return els;
}

export function u16le(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const v = new DataView(out.buffer);
  for (const [i, x] of values.entries()) v.setUint16(2 * i, x & 0xffff, true);
  return out;
}
