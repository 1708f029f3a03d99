import { MriIoError } from '../errors.js';

/**
 * Sequential-DCT Huffman JPEG decoder (ITU-T T.81 processes 1, 2 and 4) for 8- and 12-bit
 * samples, written from the standard. It exists for 12-bit "JPEG Extended" DICOM, which the
 * 8-bit libjpeg-turbo build cannot decode and for which no maintained JavaScript decoder
 * exists; 8-bit images go to libjpeg-turbo. Components must share one sampling factor (all
 * grayscale DICOM and unsubsampled colour); progressive and arithmetic coding are refused.
 * The inverse DCT is computed exactly in float64 (reference IDCT), so results may differ from
 * libjpeg's integer IDCT by about one grey level.
 */
export interface JpegSequentialImage {
  width: number;
  height: number;
  precision: number;
  components: number;
  /** Samples, component-interleaved, row-major. */
  data: Uint16Array;
}

const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);

/** COS[x * 8 + u] = C(u) cos((2x + 1) u pi / 16), C(0) = 1/sqrt(2). */
const COS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++)
    for (let u = 0; u < 8; u++)
      t[x * 8 + u] = (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
  return t;
})();

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  plane: Uint16Array;
  pred: number;
  dcTable: Int32Array | null;
  acTable: Int32Array | null;
}

function fail(message: string, file?: string): never {
  throw new MriIoError('DECODE_FAILED', `JPEG: ${message}`, file);
}

/** 16-bit lookahead table: entry = (code length << 8) | symbol; 0 marks an invalid code. */
function buildHuffman(counts: Uint8Array, symbols: Uint8Array): Int32Array {
  const table = new Int32Array(1 << 16);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < counts[len - 1]; i++) {
      const shift = 16 - len;
      const base = code << shift;
      table.fill((len << 8) | symbols[k++], base, base + (1 << shift));
      code++;
    }
    code <<= 1;
  }
  return table;
}

class BitReader {
  buf = 0;
  nbits = 0;
  constructor(
    readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.nbits <= 24) {
      let byte = 0;
      const d = this.data;
      if (this.pos < d.length) {
        const b = d[this.pos];
        if (b === 0xff) {
          const next = d[this.pos + 1];
          if (next === 0x00) {
            byte = 0xff;
            this.pos += 2;
          } // else: a marker; feed zeros without consuming it
        } else {
          byte = b;
          this.pos++;
        }
      }
      this.buf = ((this.buf << 8) | byte) >>> 0;
      this.nbits += 8;
    }
  }

  decode(table: Int32Array): number {
    this.fill();
    const e = table[(this.buf >>> (this.nbits - 16)) & 0xffff];
    if (e === 0) fail('invalid Huffman code');
    this.nbits -= e >> 8;
    return e & 0xff;
  }

  bits(n: number): number {
    if (n === 0) return 0;
    this.fill();
    this.nbits -= n;
    return (this.buf >>> this.nbits) & ((1 << n) - 1);
  }

  receiveExtend(s: number): number {
    const v = this.bits(s);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Drops buffered bits and steps over the next RSTn marker. */
  restart(): void {
    this.buf = 0;
    this.nbits = 0;
    const d = this.data;
    while (
      this.pos + 1 < d.length &&
      !(d[this.pos] === 0xff && d[this.pos + 1] >= 0xd0 && d[this.pos + 1] <= 0xd7)
    ) {
      this.pos++;
    }
    this.pos += 2;
  }
}

export function decodeJpegSequential(data: Uint8Array, file?: string): JpegSequentialImage {
  if (data[0] !== 0xff || data[1] !== 0xd8) fail('no start-of-image marker', file);
  const qt: Int32Array[] = [];
  const dcTables: Int32Array[] = [];
  const acTables: Int32Array[] = [];
  let components: Component[] = [];
  let width = 0;
  let height = 0;
  let precision = 8;
  let restartInterval = 0;
  let hmax = 1;
  let vmax = 1;
  let pos = 2;
  const u16 = (p: number) => (data[p] << 8) | data[p + 1];

  for (;;) {
    while (pos < data.length && data[pos] !== 0xff) pos++;
    while (pos < data.length && data[pos] === 0xff) pos++;
    if (pos >= data.length) fail('data ends before the end-of-image marker', file);
    const marker = 0xff00 | data[pos++];
    if (marker === 0xffd9) break;
    if (marker >= 0xffd0 && marker <= 0xffd7) continue;
    const len = u16(pos);
    const seg = pos + 2;
    const end = pos + len;
    if (end > data.length) fail('a marker segment runs past the end of the data', file);
    switch (marker) {
      case 0xffdb: {
        let p = seg;
        while (p < end) {
          const pq = data[p] >> 4;
          const tq = data[p] & 15;
          p++;
          const table = new Int32Array(64);
          for (let k = 0; k < 64; k++) {
            table[k] = pq ? u16(p + 2 * k) : data[p + k];
          }
          p += pq ? 128 : 64;
          qt[tq] = table;
        }
        break;
      }
      case 0xffc4: {
        let p = seg;
        while (p < end) {
          const tc = data[p] >> 4;
          const th = data[p] & 15;
          const counts = data.subarray(p + 1, p + 17);
          let total = 0;
          for (let i = 0; i < 16; i++) total += counts[i];
          const symbols = data.subarray(p + 17, p + 17 + total);
          (tc === 0 ? dcTables : acTables)[th] = buildHuffman(counts, symbols);
          p += 17 + total;
        }
        break;
      }
      case 0xffdd:
        restartInterval = u16(seg);
        break;
      case 0xffc0:
      case 0xffc1: {
        precision = data[seg];
        if (precision !== 8 && precision !== 12) fail(`sample precision ${precision} is not 8 or 12`, file);
        height = u16(seg + 1);
        width = u16(seg + 3);
        const n = data[seg + 5];
        components = [];
        for (let i = 0; i < n; i++) {
          const b = seg + 6 + 3 * i;
          components.push({
            id: data[b],
            h: data[b + 1] >> 4,
            v: data[b + 1] & 15,
            tq: data[b + 2],
            blocksPerLine: 0,
            blocksPerColumn: 0,
            plane: new Uint16Array(0),
            pred: 0,
            dcTable: null,
            acTable: null,
          });
        }
        hmax = Math.max(...components.map((c) => c.h));
        vmax = Math.max(...components.map((c) => c.v));
        if (n > 1 && components.some((c) => c.h !== hmax || c.v !== vmax)) {
          throw new MriIoError(
            'UNSUPPORTED_PIXEL_FORMAT',
            'JPEG: subsampled colour components are not supported by the 12-bit decoder',
            file,
          );
        }
        if (height === 0) fail('frames with height defined by DNL are not supported', file);
        for (const c of components) {
          // With one component the sampling factors do not matter; with several they are equal.
          c.blocksPerLine = Math.ceil(width / 8);
          c.blocksPerColumn = Math.ceil(height / 8);
          c.plane = new Uint16Array(c.blocksPerLine * 8 * c.blocksPerColumn * 8);
        }
        break;
      }
      case 0xffc2:
      case 0xffc3:
      case 0xffc5:
      case 0xffc6:
      case 0xffc7:
      case 0xffc9:
      case 0xffca:
      case 0xffcb:
      case 0xffcd:
      case 0xffce:
      case 0xffcf:
        throw new MriIoError(
          'UNSUPPORTED_PIXEL_FORMAT',
          `JPEG: process SOF${(marker & 15).toString()} (progressive, lossless, hierarchical or arithmetic) is not supported here`,
          file,
        );
      case 0xffda: {
        if (components.length === 0) fail('scan before frame header', file);
        const ns = data[seg];
        const scan: Component[] = [];
        for (let i = 0; i < ns; i++) {
          const id = data[seg + 1 + 2 * i];
          const tables = data[seg + 2 + 2 * i];
          const c = components.find((x) => x.id === id) ?? fail(`scan names unknown component ${id}`, file);
          c.dcTable = dcTables[tables >> 4] ?? fail('missing DC Huffman table', file);
          c.acTable = acTables[tables & 15] ?? fail('missing AC Huffman table', file);
          c.pred = 0;
          scan.push(c);
        }
        const reader = new BitReader(data, end);
        decodeScan(reader, scan, qt, precision, restartInterval, file);
        pos = reader.pos;
        continue;
      }
      default:
        break; // APPn, COM, DNL and others carry nothing we need
    }
    pos = end;
  }

  if (components.length === 0) fail('no frame header', file);
  const n = components.length;
  const out = new Uint16Array(width * height * n);
  for (let ci = 0; ci < n; ci++) {
    const c = components[ci];
    const stride = c.blocksPerLine * 8;
    for (let y = 0; y < height; y++) {
      let o = y * width * n + ci;
      const row = y * stride;
      for (let x = 0; x < width; x++, o += n) out[o] = c.plane[row + x];
    }
  }
  return { width, height, precision, components: n, data: out };
}

function decodeScan(
  reader: BitReader,
  scan: Component[],
  qt: Int32Array[],
  precision: number,
  restartInterval: number,
  file?: string,
): void {
  const coef = new Float64Array(64);
  const tmp = new Float64Array(64);
  const mcusX = scan[0].blocksPerLine;
  const mcusY = scan[0].blocksPerColumn;
  const total = mcusX * mcusY;
  const maxVal = (1 << precision) - 1;
  const shift = 1 << (precision - 1);
  for (let m = 0; m < total; m++) {
    if (restartInterval && m > 0 && m % restartInterval === 0) {
      reader.restart();
      for (const c of scan) c.pred = 0;
    }
    const bx = m % mcusX;
    const by = (m / mcusX) | 0;
    for (const c of scan) {
      const q = qt[c.tq] ?? fail(`missing quantization table ${c.tq}`, file);
      coef.fill(0);
      const t = reader.decode(c.dcTable as Int32Array);
      c.pred += t === 0 ? 0 : reader.receiveExtend(t);
      coef[0] = c.pred * q[0];
      const ac = c.acTable as Int32Array;
      for (let k = 1; k < 64; ) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        const s = rs & 15;
        if (s === 0) {
          if (r !== 15) break;
          k += 16;
          continue;
        }
        k += r;
        if (k > 63) fail('AC coefficient index past 63', file);
        coef[ZIGZAG[k]] = reader.receiveExtend(s) * q[k];
        k++;
      }
      // Separable inverse DCT: rows then columns; f = 1/4 sum C(u)C(v) F cos cos.
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          let acc = 0;
          for (let u = 0; u < 8; u++) acc += COS[x * 8 + u] * coef[y * 8 + u];
          tmp[y * 8 + x] = acc;
        }
      }
      const stride = c.blocksPerLine * 8;
      let base = by * 8 * stride + bx * 8;
      for (let y = 0; y < 8; y++, base += stride) {
        for (let x = 0; x < 8; x++) {
          let acc = 0;
          for (let v = 0; v < 8; v++) acc += COS[y * 8 + v] * tmp[v * 8 + x];
          const val = Math.round(acc / 4) + shift;
          c.plane[base + x] = Math.min(maxVal, Math.max(0, val));
        }
      }
    }
  }
}
