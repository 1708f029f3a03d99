import { ZooError } from './errors.js';

/** A tensor read from a safetensors file, converted to float32, in its stored (row-major) layout. */
export interface NamedTensor {
  shape: number[];
  data: Float32Array;
  /** Dtype as stored in the file (converted to float32 on read). */
  dtype: 'F32' | 'F16' | 'BF16' | 'F64';
}

const SIZES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const MAX_HEADER = 100 * 1024 * 1024;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * Parses a safetensors file (8-byte little-endian header length, JSON header, raw little-endian
 * data) into float32 tensors. F32, F16, BF16 and F64 are accepted; anything else, offsets outside
 * the buffer, overlapping or size-inconsistent entries are refused with `SAFETENSORS_*` codes.
 */
export function readSafetensors(bytes: Uint8Array, file = '<buffer>'): Map<string, NamedTensor> {
  const bad = (what: string): never => {
    throw new ZooError(
      'SAFETENSORS_INVALID',
      `${file}: not a valid safetensors file (${what}); re-export it with safetensors.torch.save_file`,
      file,
    );
  };
  if (bytes.byteLength < 8) bad('shorter than its 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER || 8 + headerLen > bytes.byteLength)
    bad(`header length ${headerLen} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<
      string,
      unknown
    >;
  } catch {
    return bad('header is not JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    bad('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = bytes.byteLength - dataStart;
  const out = new Map<string, NamedTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (
      typeof e.dtype !== 'string' ||
      !Array.isArray(e.shape) ||
      !Array.isArray(e.data_offsets) ||
      e.data_offsets.length !== 2
    )
      bad(`entry '${name}' lacks dtype/shape/data_offsets`);
    const dtype = e.dtype as string;
    const size = SIZES[dtype];
    if (size === undefined)
      throw new ZooError(
        'SAFETENSORS_DTYPE',
        `${file}: tensor '${name}' has dtype ${dtype}; only F32, F16, BF16, F64 weights are supported`,
        file,
      );
    const shape = e.shape as number[];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) bad(`entry '${name}' has an invalid shape`);
    const [begin, end] = e.data_offsets as [number, number];
    const n = shape.reduce((a, b) => a * b, 1);
    if (
      !(
        Number.isInteger(begin) &&
        Number.isInteger(end) &&
        begin >= 0 &&
        end <= dataLen &&
        end - begin === n * size
      )
    )
      bad(
        `entry '${name}' has data_offsets [${begin}, ${end}] inconsistent with shape [${shape}] ${dtype} or the file size`,
      );
    const base = dataStart + begin;
    const data = new Float32Array(n);
    if (dtype === 'F32') {
      if ((bytes.byteOffset + base) % 4 === 0)
        data.set(new Float32Array(bytes.buffer, bytes.byteOffset + base, n));
      else for (let i = 0; i < n; i++) data[i] = view.getFloat32(base + 4 * i, true);
    } else if (dtype === 'F64') {
      for (let i = 0; i < n; i++) data[i] = view.getFloat64(base + 8 * i, true);
    } else if (dtype === 'F16') {
      for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(base + 2 * i, true));
    } else {
      const u = new Uint32Array(1);
      const f = new Float32Array(u.buffer);
      for (let i = 0; i < n; i++) {
        u[0] = view.getUint16(base + 2 * i, true) << 16;
        data[i] = f[0] as number;
      }
    }
    out.set(name, { shape: [...shape], data, dtype: dtype as NamedTensor['dtype'] });
  }
  return out;
}

/** Writes float32 tensors as a safetensors file (header padded to 8 bytes, data in insertion order). */
export function writeSafetensors(
  tensors: Map<string, { shape: number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new ZooError(
        'INVALID_OPTION',
        `tensor '${name}': shape [${t.shape}] does not match ${t.data.length} values`,
      );
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [off, off + 4 * n] };
    off += 4 * n;
  }
  let h = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(h.length / 8) * 8;
  if (padded !== h.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(h);
    h = p;
  }
  const out = new Uint8Array(8 + h.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  let pos = 8 + h.length;
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const t of tensors.values()) {
    if (le) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    else {
      const dv = new DataView(out.buffer);
      for (let i = 0; i < t.data.length; i++) dv.setFloat32(pos + 4 * i, t.data[i] as number, true);
    }
    pos += t.data.byteLength;
  }
  return out;
}
