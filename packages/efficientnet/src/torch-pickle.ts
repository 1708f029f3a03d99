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

/** Reader state of one pickle: the byte cursor, the stack and the memo. */
class Unpickler {
  readonly view: DataView;
  readonly dec = new TextDecoder();
  readonly stack: unknown[] = [];
  readonly memo = new Map<number, unknown>();
  pos = 0;

  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(what: string): never {
    throw new ZooError(
      'WEIGHT_MISSING',
      `${this.file}: unsupported torch checkpoint (${what}); re-save the state_dict with safetensors.torch.save_file`,
      this.file,
    );
  }

  u8(): number {
    return this.bytes[this.pos++] as number;
  }

  u16(): number {
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  top(): unknown {
    return this.stack[this.stack.length - 1];
  }

  push(v: unknown): void {
    this.stack.push(v);
  }

  pop(): unknown {
    return this.stack.pop();
  }

  popMark(): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      if (this.stack.length === 0) this.fail('unbalanced MARK');
      const v = this.stack.pop();
      if (v === MARK) return items.reverse();
      items.push(v);
    }
  }

  line(): string {
    const end = this.bytes.indexOf(10, this.pos);
    const s = this.dec.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }

  str(n: number): string {
    const s = this.dec.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }

  long1(): number {
    const n = this.u8();
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[this.pos + i] as number);
    if (n > 0 && ((this.bytes[this.pos + n - 1] as number) & 0x80) !== 0) v -= 1n << BigInt(8 * n);
    this.pos += n;
    return Number(v);
  }

  /** REDUCE / NEWOBJ: only the few globals a state_dict needs. */
  call(fn: unknown, args: unknown[]): unknown {
    const g = fn as Global;
    if (g?.kind !== 'global') return this.fail('REDUCE on a non-global');
    const name = `${g.module}.${g.name}`;
    if (name === 'collections.OrderedDict') return new Map();
    if (name === 'torch._utils._rebuild_tensor_v2' || name === 'torch._utils._rebuild_tensor') {
      const [storage, offset, size, stride] = args as [StorageRef, number, number[], number[]];
      return { kind: 'tensor', storage, offset, size: [...size], stride: [...stride] } satisfies TensorRef;
    }
    if (name === 'torch._utils._rebuild_parameter') return args[0];
    return this.fail(`global ${name}`);
  }

  setItems(target: unknown, kv: unknown[]): void {
    for (let i = 0; i < kv.length; i += 2) {
      if (target instanceof Map) target.set(kv[i], kv[i + 1]);
      else this.fail('SETITEMS on a non-dict');
    }
  }

  persistentId(): void {
    const pid = this.pop() as unknown[];
    const type = pid[1] as Global;
    if (pid[0] !== 'storage' || type?.kind !== 'global') this.fail('unknown persistent id');
    this.push({ kind: 'storage', dtype: type.name, key: String(pid[2]) } satisfies StorageRef);
  }
}

type Op = (u: Unpickler) => void;

/** Framing, globals, memo and marks. */
const CONTROL_OPS: Record<number, Op> = {
  128: (u) => {
    u.pos += 1;
  }, // PROTO
  149: (u) => {
    u.pos += 8;
  }, // FRAME
  99: (u) => {
    const module = u.line();
    u.push({ kind: 'global', module, name: u.line() });
  }, // GLOBAL
  147: (u) => {
    const name = u.pop() as string;
    u.push({ kind: 'global', module: u.pop() as string, name });
  }, // STACK_GLOBAL
  113: (u) => void u.memo.set(u.u8(), u.top()), // BINPUT
  114: (u) => void u.memo.set(u.u32(), u.top()), // LONG_BINPUT
  148: (u) => void u.memo.set(u.memo.size, u.top()), // MEMOIZE
  104: (u) => u.push(u.memo.get(u.u8())), // BINGET
  106: (u) => u.push(u.memo.get(u.u32())), // LONG_BINGET
  40: (u) => u.push(MARK), // MARK
  82: (u) => {
    const args = u.pop() as unknown[];
    u.push(u.call(u.pop(), args));
  }, // REDUCE
  129: (u) => {
    const args = u.pop() as unknown[];
    u.push(u.call(u.pop(), args));
  }, // NEWOBJ
  98: (u) => void u.pop(), // BUILD: state (e.g. _metadata) is not needed
  81: (u) => u.persistentId(), // BINPERSID
};

/** Tuples, lists and dicts. */
const CONTAINER_OPS: Record<number, Op> = {
  41: (u) => u.push([]), // EMPTY_TUPLE
  116: (u) => u.push(u.popMark()), // TUPLE
  133: (u) => u.push([u.pop()]), // TUPLE1
  134: (u) => {
    const b = u.pop();
    u.push([u.pop(), b]);
  }, // TUPLE2
  135: (u) => {
    const c = u.pop();
    const b = u.pop();
    u.push([u.pop(), b, c]);
  }, // TUPLE3
  93: (u) => u.push([]), // EMPTY_LIST
  97: (u) => {
    const v = u.pop();
    (u.top() as unknown[]).push(v);
  }, // APPEND
  101: (u) => {
    const items = u.popMark();
    (u.top() as unknown[]).push(...items);
  }, // APPENDS
  125: (u) => u.push(new Map()), // EMPTY_DICT
  115: (u) => {
    const v = u.pop();
    const k = u.pop();
    u.setItems(u.top(), [k, v]);
  }, // SETITEM
  117: (u) => {
    const kv = u.popMark();
    u.setItems(u.top(), kv);
  }, // SETITEMS
};

/** Strings and numbers. */
const VALUE_OPS: Record<number, Op> = {
  88: (u) => u.push(u.str(u.u32())), // BINUNICODE
  140: (u) => u.push(u.str(u.u8())), // SHORT_BINUNICODE
  84: (u) => u.push(u.str(u.u32())), // BINSTRING
  85: (u) => u.push(u.str(u.u8())), // SHORT_BINSTRING
  75: (u) => u.push(u.u8()), // BININT1
  77: (u) => u.push(u.u16()), // BININT2
  74: (u) => u.push(u.i32()), // BININT
  138: (u) => u.push(u.long1()), // LONG1
  71: (u) => {
    u.push(u.view.getFloat64(u.pos, false));
    u.pos += 8;
  }, // BINFLOAT
  78: (u) => u.push(null), // NONE
  136: (u) => u.push(true), // NEWTRUE
  137: (u) => u.push(false), // NEWFALSE
};

const OPS: Record<number, Op> = { ...CONTROL_OPS, ...CONTAINER_OPS, ...VALUE_OPS };

/**
 * A small pickle reader for what `torch.save(state_dict)` writes (protocol 2): dicts, tuples,
 * lists, strings, numbers, `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2` /
 * `_rebuild_parameter` and storage persistent ids. Any other global is refused, so a checkpoint
 * cannot make this code do anything but build tensors (unlike Python's pickle).
 */
function unpickle(bytes: Uint8Array, file: string): unknown {
  const u = new Unpickler(bytes, file);
  for (;;) {
    if (u.pos >= bytes.length) u.fail('no STOP opcode');
    const op = u.u8();
    if (op === 0x2e) return u.pop(); // STOP
    const f = OPS[op];
    if (!f) u.fail(`pickle opcode 0x${op.toString(16)}`);
    (f as Op)(u);
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
