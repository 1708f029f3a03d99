import { unzipSync } from 'fflate';
import { ZooError } from './errors.js';
import type { NamedTensor } from './safetensors.js';

/** A storage reference from torch's persistent ids: ('storage', <StorageType>, key, location, numel). */
interface StorageRef {
  kind: 'storage';
  dtype: string;
  key: string;
}
interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}
interface Global {
  kind: 'global';
  module: string;
  name: string;
}
const MARK = Symbol('mark');

const STORAGE_DTYPES: Record<string, { bytes: number; dtype: NamedTensor['dtype'] | 'I64' | 'I32' | 'U8' }> =
  {
    FloatStorage: { bytes: 4, dtype: 'F32' },
    HalfStorage: { bytes: 2, dtype: 'F16' },
    BFloat16Storage: { bytes: 2, dtype: 'BF16' },
    DoubleStorage: { bytes: 8, dtype: 'F64' },
    LongStorage: { bytes: 8, dtype: 'I64' },
    IntStorage: { bytes: 4, dtype: 'I32' },
    ByteStorage: { bytes: 1, dtype: 'U8' },
  };

/**
 * A small pickle reader for what `torch.save(state_dict)` writes (protocol 2): dicts, tuples,
 * lists, strings, numbers, `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` /
 * `_rebuild_parameter` and storage persistent ids. Any other global is refused, so a checkpoint
 * cannot make this code do anything but build tensors (unlike Python's pickle).
 */
function unpickle(bytes: Uint8Array, file: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder();
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const fail = (what: string): never => {
    throw new ZooError(
      'WEIGHT_MISSING',
      `${file}: unsupported torch checkpoint (${what}); re-save the state_dict with safetensors.torch.save_file`,
      file,
    );
  };
  const popMark = (): unknown[] => {
    const items: unknown[] = [];
    for (;;) {
      if (stack.length === 0) fail('unbalanced MARK');
      const v = stack.pop();
      if (v === MARK) return items.reverse();
      items.push(v);
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(10, pos);
    const s = dec.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const str = (n: number): string => {
    const s = dec.decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const call = (fn: unknown, args: unknown[]): unknown => {
    const g = fn as Global;
    if (g?.kind !== 'global') return fail('REDUCE on a non-global');
    const name = `${g.module}.${g.name}`;
    if (name === 'collections.OrderedDict') return new Map();
    if (name === 'torch._utils._rebuild_tensor_v2' || name === 'torch._utils._rebuild_tensor') {
      const [storage, offset, size, stride] = args as [StorageRef, number, number[], number[]];
      return { kind: 'tensor', storage, offset, size: [...size], stride: [...stride] } satisfies TensorRef;
    }
    if (name === 'torch._utils._rebuild_parameter') return args[0];
    return fail(`global ${name}`);
  };
  const setItems = (target: unknown, kv: unknown[]) => {
    for (let i = 0; i < kv.length; i += 2) {
      if (target instanceof Map) target.set(kv[i], kv[i + 1]);
      else fail('SETITEMS on a non-dict');
    }
  };
  for (;;) {
    if (pos >= bytes.length) fail('no STOP opcode');
    const op = bytes[pos++] as number;
    switch (op) {
      case 0x80:
        pos += 1;
        break; // PROTO
      case 0x95:
        pos += 8;
        break; // FRAME
      case 0x2e:
        return stack.pop(); // STOP
      case 0x63: {
        const module = line();
        const name = line();
        stack.push({ kind: 'global', module, name });
        break;
      } // GLOBAL
      case 0x93: {
        const name = stack.pop() as string;
        const module = stack.pop() as string;
        stack.push({ kind: 'global', module, name });
        break;
      } // STACK_GLOBAL
      case 0x71:
        memo.set(bytes[pos++] as number, stack[stack.length - 1]);
        break; // BINPUT
      case 0x72:
        memo.set(view.getUint32(pos, true), stack[stack.length - 1]);
        pos += 4;
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, stack[stack.length - 1]);
        break; // MEMOIZE
      case 0x68:
        stack.push(memo.get(bytes[pos++] as number));
        break; // BINGET
      case 0x6a:
        stack.push(memo.get(view.getUint32(pos, true)));
        pos += 4;
        break; // LONG_BINGET
      case 0x28:
        stack.push(MARK);
        break;
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x74:
        stack.push(popMark());
        break; // TUPLE
      case 0x85:
        stack.push([stack.pop()]);
        break;
      case 0x86: {
        const b = stack.pop();
        const a = stack.pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: {
        const c = stack.pop();
        const b = stack.pop();
        const a = stack.pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x61: {
        const v = stack.pop();
        (stack[stack.length - 1] as unknown[]).push(v);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        (stack[stack.length - 1] as unknown[]).push(...items);
        break;
      } // APPENDS
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x73: {
        const v = stack.pop();
        const k = stack.pop();
        setItems(stack[stack.length - 1], [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const kv = popMark();
        setItems(stack[stack.length - 1], kv);
        break;
      } // SETITEMS
      case 0x58: {
        const n = view.getUint32(pos, true);
        pos += 4;
        stack.push(str(n));
        break;
      } // BINUNICODE
      case 0x8c: {
        const n = bytes[pos++] as number;
        stack.push(str(n));
        break;
      } // SHORT_BINUNICODE
      case 0x54: {
        const n = view.getUint32(pos, true);
        pos += 4;
        stack.push(str(n));
        break;
      } // BINSTRING
      case 0x55: {
        const n = bytes[pos++] as number;
        stack.push(str(n));
        break;
      } // SHORT_BINSTRING
      case 0x4b:
        stack.push(bytes[pos++]);
        break; // BININT1
      case 0x4d:
        stack.push(view.getUint16(pos, true));
        pos += 2;
        break; // BININT2
      case 0x4a:
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break; // BININT
      case 0x8a: {
        // LONG1
        const n = bytes[pos++] as number;
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[pos + i] as number);
        if (n > 0 && ((bytes[pos + n - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * n);
        pos += n;
        stack.push(Number(v));
        break;
      }
      case 0x47:
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break; // BINFLOAT
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break;
      case 0x89:
        stack.push(false);
        break;
      case 0x52: {
        const args = stack.pop() as unknown[];
        const fn = stack.pop();
        stack.push(call(fn, args));
        break;
      } // REDUCE
      case 0x81: {
        const args = stack.pop() as unknown[];
        const cls = stack.pop();
        stack.push(call(cls, args));
        break;
      } // NEWOBJ
      case 0x62:
        stack.pop();
        break; // BUILD: state (e.g. _metadata) is not needed
      case 0x51: {
        // BINPERSID
        const pid = stack.pop() as unknown[];
        const type = pid[1] as Global;
        if (pid[0] !== 'storage' || type?.kind !== 'global') fail('unknown persistent id');
        stack.push({ kind: 'storage', dtype: type.name, key: String(pid[2]) } satisfies StorageRef);
        break;
      }
      default:
        fail(`pickle opcode 0x${op.toString(16)}`);
    }
  }
}

/**
 * Reads a torch checkpoint written by `torch.save` (the zip format torch >= 1.6 and torchvision's
 * published `.pth` files use) into float32 tensors. Floating tensors (F32/F16/BF16/F64) are
 * returned in C order (views with strides are gathered); integer buffers such as
 * `num_batches_tracked` are left out. A `{"state_dict": ...}` / `{"model": ...}` wrapper is unwrapped.
 */
export function readTorchCheckpoint(bytes: Uint8Array, file = '<buffer>'): Map<string, NamedTensor> {
  if (!(bytes[0] === 0x50 && bytes[1] === 0x4b))
    throw new ZooError(
      'WEIGHT_MISSING',
      `${file} is not a zip-format torch checkpoint (legacy pre-1.6 .pth files are not supported); re-save it with torch >= 1.6 or as .safetensors`,
      file,
    );
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new ZooError(
      'WEIGHT_MISSING',
      `${file}: unreadable zip (${(err as Error).message}); the download may be truncated`,
      file,
    );
  }
  const pkl = Object.keys(entries).find((k) => k.endsWith('/data.pkl') || k === 'data.pkl');
  if (!pkl)
    throw new ZooError('WEIGHT_MISSING', `${file}: no data.pkl inside; not a torch.save checkpoint`, file);
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  let root = unpickle(entries[pkl] as Uint8Array, file);
  for (const wrapper of ['state_dict', 'model'])
    if (root instanceof Map && root.get(wrapper) instanceof Map) root = root.get(wrapper);
  if (!(root instanceof Map))
    throw new ZooError(
      'WEIGHT_MISSING',
      `${file}: the checkpoint is not a state_dict (a dict of tensors)`,
      file,
    );
  const out = new Map<string, NamedTensor>();
  for (const [name, value] of root as Map<string, unknown>) {
    const t = value as TensorRef;
    if (t?.kind !== 'tensor') continue;
    const info = STORAGE_DTYPES[t.storage.dtype];
    if (!info)
      throw new ZooError(
        'SAFETENSORS_DTYPE',
        `${file}: tensor '${name}' has storage ${t.storage.dtype}`,
        file,
      );
    if (!['F32', 'F16', 'BF16', 'F64'].includes(info.dtype)) continue;
    const raw = entries[`${prefix}data/${t.storage.key}`];
    if (!raw)
      throw new ZooError('WEIGHT_MISSING', `${file}: storage ${t.storage.key} of '${name}' is missing`, file);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const n = t.size.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const idx = new Array<number>(t.size.length).fill(0);
    const u = new Uint32Array(1);
    const f = new Float32Array(u.buffer);
    for (let i = 0; i < n; i++) {
      let e = t.offset;
      for (let d = 0; d < idx.length; d++) e += (idx[d] as number) * (t.stride[d] as number);
      const at = e * info.bytes;
      if (at + info.bytes > raw.byteLength)
        throw new ZooError('WEIGHT_MISSING', `${file}: tensor '${name}' reads past its storage`, file);
      if (info.dtype === 'F32') data[i] = dv.getFloat32(at, true);
      else if (info.dtype === 'F64') data[i] = dv.getFloat64(at, true);
      else if (info.dtype === 'BF16') {
        u[0] = dv.getUint16(at, true) << 16;
        data[i] = f[0] as number;
      } else data[i] = halfToFloat(dv.getUint16(at, true));
      for (let d = idx.length - 1; d >= 0; d--) {
        idx[d] = (idx[d] as number) + 1;
        if ((idx[d] as number) < (t.size[d] as number)) break;
        idx[d] = 0;
      }
    }
    out.set(name, { shape: t.size, data, dtype: info.dtype as NamedTensor['dtype'] });
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
