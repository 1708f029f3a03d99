// A small WebAssembly SIMD module, assembled here, that shares the wasm backend's memory (all
// pointers are byte offsets into the backend's heap; f32x4 arithmetic, 4 channels a step):
//   dwrow(x, xStrideBytes, dy, acc, count, c4): for j < count: acc[0..4*c4) += x_j * dy_j
//     with x_j = x + j*xStride and dy_j = dy + j*16*c4: the depthwise filter gradient's inner loop
//   colsum(x, acc, count, c4): acc += each of `count` contiguous rows (Sum / Mean over rows)
//   bnsums(x, dy, mean, accA, accB, count, c4): accA += dy_j, accB += (x_j - mean) * dy_j
//     (both per-channel sums of the BatchNorm gradient in one pass)
//   silugrad(x, s, dy, out, n4): out = dy * s * (1 + x * (1 - s)) (SiLU's derivative, s = sigmoid(x))
//   bnapply(x, mean, a, b, out, count, c4): out_j = (x_j - mean) * a + b (BatchNorm forward)
//   gemmtile8 / gemmtile4(a, lda, b, ldb, c, ldc, count): C += a 4x8 / 4x4 tile of A^T B over `count`
//     rows, in registers (the conv filter gradient: A = im2col(x), B = dy); gemmpack8 / gemmpack4
//     the same over packed contiguous strips, two rows per iteration
//   fold64(src, dst, n4): dst (float64) += src (float32), src = 0: folds float32 partial sums
//   dwaxpy(dy, w, dx, dxStride, count, c4): dx_j += dy_j * w along a row (depthwise input gradient)
//   dwgather(x, xStride, w, y, count, c4): y_j += x_j * w along a row (depthwise forward)
// Each is ~4x or more faster than the same loop in scalar JavaScript, and deterministic.

import type { TensorInfo } from '@tensorflow/tfjs-core';

type RowFn = (x: number, xStride: number, dy: number, acc: number, count: number, c4: number) => void;

/** The WebAssembly memory object the wasm backend exports (typed locally: no DOM lib here). */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

function leb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

// Instruction encodings (WebAssembly 1.0 + SIMD128).
const I32 = 0x7f;
const V128 = 0x7b;
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const load = [0xfd, 0x00, 2, 0];
const store = [0xfd, 0x0b, 2, 0];
const f4add = [0xfd, 0xe4, 0x01];
const f4sub = [0xfd, 0xe5, 0x01];
const f4mul = [0xfd, 0xe6, 0x01];
/** local i += 16 (one f32x4 step). */
const add16 = (i: number) => [...get(i), 0x41, 16, 0x6a, ...set(i)];
/** `loop ... (i -= 1) br_if` : runs body while the counter in local i stays non-zero (i >= 1 on entry). */
const countdown = (i: number, body: number[]) => [
  0x03,
  0x40,
  ...body,
  ...get(i),
  0x41,
  1,
  0x6b,
  ...tee(i),
  0x0d,
  0,
  0x0b,
];
/** `block (br_if i == 0) ... end`: skips the body when the counter in local i is zero. */
const unlessZero = (i: number, body: number[]) => [0x02, 0x40, ...get(i), 0x45, 0x0d, 0, ...body, 0x0b];

interface FnDef {
  name: string;
  params: number;
  /** Extra locals as [count, type] groups. */
  locals: Array<[number, number]>;
  body: number[];
}

// dwrow(x, xStride, dy, acc, count, c4); locals 6 k, 7 xp, 8 ap
const DWROW: FnDef = {
  name: 'dwrow',
  params: 6,
  locals: [[3, I32]],
  body: unlessZero(
    4,
    countdown(4, [
      ...get(0),
      ...set(7),
      ...get(3),
      ...set(8),
      ...get(5),
      ...set(6),
      ...countdown(6, [
        ...get(8),
        ...get(8),
        ...load,
        ...get(7),
        ...load,
        ...get(2),
        ...load,
        ...f4mul,
        ...f4add,
        ...store,
        ...add16(8),
        ...add16(7),
        ...add16(2),
      ]),
      ...get(0),
      ...get(1),
      0x6a,
      ...set(0),
    ]),
  ),
};

// colsum(x, acc, count, c4): acc[0..4c4) += row j of x for j < count (rows contiguous, 16*c4 bytes).
// locals 4 k, 5 ap
const COLSUM: FnDef = {
  name: 'colsum',
  params: 4,
  locals: [[2, I32]],
  body: unlessZero(
    2,
    countdown(2, [
      ...get(1),
      ...set(5),
      ...get(3),
      ...set(4),
      ...countdown(4, [
        ...get(5),
        ...get(5),
        ...load,
        ...get(0),
        ...load,
        ...f4add,
        ...store,
        ...add16(5),
        ...add16(0),
      ]),
    ]),
  ),
};

// bnsums(x, dy, mean, accA, accB, count, c4): per row j < count of x and dy (contiguous),
//   accA += dy_j;  accB += (x_j - mean) * dy_j   (f32x4, c4 groups of 4 channels)
// locals 7 k, 8 mp, 9 ap, 10 bp; 11 d (v128)
const BNSUMS: FnDef = {
  name: 'bnsums',
  params: 7,
  locals: [
    [4, I32],
    [1, V128],
  ],
  body: unlessZero(
    5,
    countdown(5, [
      ...get(2),
      ...set(8),
      ...get(3),
      ...set(9),
      ...get(4),
      ...set(10),
      ...get(6),
      ...set(7),
      ...countdown(7, [
        ...get(1),
        ...load,
        ...set(11),
        ...get(9),
        ...get(9),
        ...load,
        ...get(11),
        ...f4add,
        ...store,
        ...get(10),
        ...get(10),
        ...load,
        ...get(0),
        ...load,
        ...get(8),
        ...load,
        ...f4sub,
        ...get(11),
        ...f4mul,
        ...f4add,
        ...store,
        ...add16(0),
        ...add16(1),
        ...add16(8),
        ...add16(9),
        ...add16(10),
      ]),
    ]),
  ),
};

// silugrad(x, s, dy, out, n4): out = dy * (s * (1 + x * (1 - s))) for n4 groups of 4 floats,
// s = sigmoid(x). locals: 5 one (v128), 6 sv (v128)
const SILUGRAD: FnDef = {
  name: 'silugrad',
  params: 5,
  locals: [[2, V128]],
  body: [
    0x43,
    0x00,
    0x00,
    0x80,
    0x3f, // f32.const 1.0
    0xfd,
    0x13, // f32x4.splat
    ...set(5),
    ...unlessZero(
      4,
      countdown(4, [
        ...get(1),
        ...load,
        ...set(6),
        ...get(3),
        ...get(2),
        ...load,
        ...get(6),
        ...get(5),
        ...get(0),
        ...load,
        ...get(5),
        ...get(6),
        ...f4sub, // 1 - s
        ...f4mul, // x * (1 - s)
        ...f4add, // 1 + x(1 - s)
        ...f4mul, // s * (...)
        ...f4mul, // dy * (...)
        ...store,
        ...add16(0),
        ...add16(1),
        ...add16(2),
        ...add16(3),
      ]),
    ),
  ],
};

// bnapply(x, mean, a, b, out, count, c4): per row j < count (contiguous rows),
//   out_j = (x_j - mean) * a + b   (BatchNorm forward with per-channel a = scale / sqrt(var + eps))
// locals 7 k, 8 mp, 9 ap, 10 bp
const BNAPPLY: FnDef = {
  name: 'bnapply',
  params: 7,
  locals: [[4, I32]],
  body: unlessZero(
    5,
    countdown(5, [
      ...get(1),
      ...set(8),
      ...get(2),
      ...set(9),
      ...get(3),
      ...set(10),
      ...get(6),
      ...set(7),
      ...countdown(7, [
        ...get(4),
        ...get(0),
        ...load,
        ...get(8),
        ...load,
        ...f4sub,
        ...get(9),
        ...load,
        ...f4mul,
        ...get(10),
        ...load,
        ...f4add,
        ...store,
        ...add16(0),
        ...add16(4),
        ...add16(8),
        ...add16(9),
        ...add16(10),
      ]),
    ]),
  ),
};

/**
 * gemmtile{4V}(a, lda, b, ldb, c, ldc, count): the 4 x 4V tile C += A^T B over `count` rows, with
 * A rows of 4 floats at a + j*lda and B rows of 4V floats at b + j*ldb (byte strides), added to
 * 4 rows of C at c + r*ldc. Accumulates in 4V f32x4 registers, then adds them to C once.
 * params 0 a, 1 lda, 2 b, 3 ldb, 4 c, 5 ldc, 6 count; locals 7.. acc (4V), then bv (V), then xs.
 */
function gemmTile(v: number): FnDef {
  const acc = (r: number, q: number) => 7 + r * v + q;
  const bv = (q: number) => 7 + 4 * v + q;
  const xs = 7 + 5 * v;
  const inner: number[] = [];
  for (let q = 0; q < v; q++) inner.push(...get(2), 0xfd, 0x00, 2, q * 16, ...set(bv(q)));
  for (let r = 0; r < 4; r++) {
    inner.push(...get(0), 0xfd, 0x09, 2, r * 4, ...set(xs)); // v128.load32_splat
    for (let q = 0; q < v; q++)
      inner.push(...get(acc(r, q)), ...get(xs), ...get(bv(q)), ...f4mul, ...f4add, ...set(acc(r, q)));
  }
  inner.push(...get(0), ...get(1), 0x6a, ...set(0), ...get(2), ...get(3), 0x6a, ...set(2));
  const tail: number[] = [];
  for (let r = 0; r < 4; r++) {
    for (let q = 0; q < v; q++)
      tail.push(
        ...get(4),
        ...get(4),
        0xfd,
        0x00,
        2,
        q * 16,
        ...get(acc(r, q)),
        ...f4add,
        0xfd,
        0x0b,
        2,
        q * 16,
      );
    tail.push(...get(4), ...get(5), 0x6a, ...set(4));
  }
  return {
    name: `gemmtile${4 * v}`,
    params: 7,
    locals: [[5 * v + 1, V128]],
    body: [...unlessZero(6, countdown(6, inner)), ...tail],
  };
}

/** i32.const n (signed LEB128). */
function i32const(n: number): number[] {
  const out = [0x41];
  let v = n | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/**
 * gemmpack{4V}(a, b, c, ldc, count): like gemmtile{4V} for packed strips (A rows of 4 floats at
 * a + 16j, B rows of 4V floats at b + 16Vj), two rows per loop iteration.
 * params 0 a, 1 b, 2 c, 3 ldc, 4 count; locals 5 pairs, then v128: acc (4V), bv (V), xs.
 */
function gemmPacked(v: number): FnDef {
  const acc = (r: number, q: number) => 6 + r * v + q;
  const bv = (q: number) => 6 + 4 * v + q;
  const xs = 6 + 5 * v;
  const row = (aoff: number, boff: number) => {
    const code: number[] = [];
    for (let q = 0; q < v; q++) code.push(...get(1), 0xfd, 0x00, 2, boff + q * 16, ...set(bv(q)));
    for (let r = 0; r < 4; r++) {
      code.push(...get(0), 0xfd, 0x09, 2, aoff + r * 4, ...set(xs));
      for (let q = 0; q < v; q++)
        code.push(...get(acc(r, q)), ...get(xs), ...get(bv(q)), ...f4mul, ...f4add, ...set(acc(r, q)));
    }
    return code;
  };
  const tail: number[] = [];
  for (let r = 0; r < 4; r++) {
    for (let q = 0; q < v; q++)
      tail.push(
        ...get(2),
        ...get(2),
        0xfd,
        0x00,
        2,
        q * 16,
        ...get(acc(r, q)),
        ...f4add,
        0xfd,
        0x0b,
        2,
        q * 16,
      );
    tail.push(...get(2), ...get(3), 0x6a, ...set(2));
  }
  return {
    name: `gemmpack${4 * v}`,
    params: 5,
    locals: [
      [1, I32],
      [5 * v + 1, V128],
    ],
    body: [
      ...get(4),
      ...i32const(1),
      0x76, // i32.shr_u
      ...set(5),
      ...unlessZero(
        5,
        countdown(5, [
          ...row(0, 0),
          ...row(16, 16 * v),
          ...get(0),
          ...i32const(32),
          0x6a,
          ...set(0),
          ...get(1),
          ...i32const(32 * v),
          0x6a,
          ...set(1),
        ]),
      ),
      ...get(4),
      ...i32const(1),
      0x71, // i32.and
      0x04,
      0x40, // if
      ...row(0, 0),
      0x0b,
      ...tail,
    ],
  };
}

// fold64(src, dst, n4): dst[0..4n4) (float64) += src[0..4n4) (float32), then src = 0.
// locals 3 v, 4 zero (v128, zero-initialised)
const FOLD64: FnDef = {
  name: 'fold64',
  params: 3,
  locals: [[2, V128]],
  body: unlessZero(
    2,
    countdown(2, [
      ...get(0),
      ...load,
      ...set(3),
      ...get(0),
      ...get(4),
      ...store,
      ...get(1),
      ...get(1),
      0xfd,
      0x00,
      3,
      0, // v128.load (f64x2)
      ...get(3),
      0xfd,
      0x5f, // f64x2.promote_low_f32x4
      0xfd,
      0xf0,
      0x01, // f64x2.add
      0xfd,
      0x0b,
      3,
      0,
      ...get(1),
      ...get(1),
      0xfd,
      0x00,
      3,
      16,
      ...get(3),
      ...get(3),
      0xfd,
      0x0d,
      8,
      9,
      10,
      11,
      12,
      13,
      14,
      15,
      8,
      9,
      10,
      11,
      12,
      13,
      14,
      15, // i8x16.shuffle: the high two floats
      0xfd,
      0x5f,
      0xfd,
      0xf0,
      0x01,
      0xfd,
      0x0b,
      3,
      16,
      ...add16(0),
      ...get(1),
      ...i32const(32),
      0x6a,
      ...set(1),
    ]),
  ),
};

/**
 * One filter tap of a depthwise convolution along a row segment, as a wasm function of six
 * params: for j < count (param 4), a = a + (b_j * w) over 4 c4 floats (param 5), where one of the
 * two row operands is contiguous (advancing 16 c4 bytes per j) and the other strided (a param
 * holding the stride in bytes). `accumulate` says which of the two receives the sum.
 * locals 6 k, 7 strided pointer, 8 weight pointer.
 */
function depthwiseTapFn(
  name: string,
  p: { contiguous: number; strided: number; stride: number; w: number },
  accumulate: 'strided' | 'contiguous',
): FnDef {
  const acc = accumulate === 'strided' ? 7 : p.contiguous;
  const other = accumulate === 'strided' ? p.contiguous : 7;
  return {
    name,
    params: 6,
    locals: [[3, I32]],
    body: unlessZero(
      4,
      countdown(4, [
        ...get(p.strided),
        ...set(7),
        ...get(p.w),
        ...set(8),
        ...get(5),
        ...set(6),
        ...countdown(6, [
          ...get(acc),
          ...get(acc),
          ...load,
          ...get(other),
          ...load,
          ...get(8),
          ...load,
          ...f4mul,
          ...f4add,
          ...store,
          ...add16(p.contiguous),
          ...add16(7),
          ...add16(8),
        ]),
        ...get(p.strided),
        ...get(p.stride),
        0x6a,
        ...set(p.strided),
      ]),
    ),
  };
}

// dwaxpy(dy, w, dx, dxStride, count, c4): dx_j[0..4c4) += dy_j * w with dy contiguous and dx
// strided: the depthwise input gradient scattered along an output row.
const DWAXPY = depthwiseTapFn('dwaxpy', { contiguous: 0, w: 1, strided: 2, stride: 3 }, 'strided');

// dwgather(x, xStride, w, y, count, c4): y_j[0..4c4) += x_j * w with x strided and y contiguous:
// the depthwise convolution gathered along an output row.
const DWGATHER = depthwiseTapFn('dwgather', { strided: 0, stride: 1, w: 2, contiguous: 3 }, 'contiguous');

const FUNCTIONS: FnDef[] = [
  DWGATHER,
  DWAXPY,
  FOLD64,
  DWROW,
  COLSUM,
  BNSUMS,
  SILUGRAD,
  BNAPPLY,
  gemmTile(2),
  gemmTile(1),
  gemmPacked(2),
  gemmPacked(1),
];

function moduleBytes(): Uint8Array {
  const str = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
  const n = FUNCTIONS.length;
  const types = FUNCTIONS.flatMap((f) => [0x60, f.params, ...Array<number>(f.params).fill(I32), 0]);
  const exports = FUNCTIONS.flatMap((f, i) => [...str(f.name), 0x00, i]);
  const codes = FUNCTIONS.flatMap((f) => {
    const code = [f.locals.length, ...f.locals.flatMap(([c, t]) => [...leb(c), t]), ...f.body, 0x0b];
    return [...leb(code.length), ...code];
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, [n, ...types]),
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, 0x00, 0x00]),
    ...section(3, [n, ...FUNCTIONS.map((_, i) => i)]),
    ...section(7, [n, ...exports]),
    ...section(10, [n, ...codes]),
  ]);
}

type ColSumFn = (x: number, acc: number, count: number, c4: number) => void;
type BnSumsFn = (
  x: number,
  dy: number,
  mean: number,
  accA: number,
  accB: number,
  count: number,
  c4: number,
) => void;
type SiluGradFn = (x: number, s: number, dy: number, out: number, n4: number) => void;
type GemmTileFn = (
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  count: number,
) => void;
type GemmPackedFn = (a: number, b: number, c: number, ldc: number, count: number) => void;
type DwAxpyFn = (dy: number, w: number, dx: number, dxStride: number, count: number, c4: number) => void;
type DwGatherFn = (x: number, xStride: number, w: number, y: number, count: number, c4: number) => void;
type Fold64Fn = (src: number, dst: number, n4: number) => void;
type BnApplyFn = (
  x: number,
  mean: number,
  a: number,
  b: number,
  out: number,
  count: number,
  c4: number,
) => void;

/** The SIMD functions, bound to one wasm memory. Pointers are byte offsets into that memory. */
export interface SimdKernels {
  dwrow: RowFn;
  colsum: ColSumFn;
  bnsums: BnSumsFn;
  silugrad: SiluGradFn;
  bnapply: BnApplyFn;
  gemmtile8: GemmTileFn;
  gemmtile4: GemmTileFn;
  gemmpack8: GemmPackedFn;
  gemmpack4: GemmPackedFn;
  fold64: Fold64Fn;
  dwaxpy: DwAxpyFn;
  dwgather: DwGatherFn;
}

let compiled: object | null | undefined;
const instances = new WeakMap<WasmMemoryLike, SimdKernels>();

/** The row kernel bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function simdRowKernel(memory: WasmMemoryLike | undefined): RowFn | null {
  return simdKernels(memory)?.dwrow ?? null;
}

/** The column-sum kernel bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function simdColSumKernel(memory: WasmMemoryLike | undefined): ColSumFn | null {
  return simdKernels(memory)?.colsum ?? null;
}

/** All SIMD functions bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function simdKernels(memory: WasmMemoryLike | undefined): SimdKernels | null {
  if (!memory) return null;
  if (compiled === undefined) {
    try {
      compiled = new WA.Module(moduleBytes());
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  let fns = instances.get(memory);
  if (!fns) {
    const ex = new WA.Instance(compiled, { env: { memory } }).exports;
    fns = {
      dwrow: ex.dwrow as RowFn,
      colsum: ex.colsum as ColSumFn,
      bnsums: ex.bnsums as BnSumsFn,
      silugrad: ex.silugrad as SiluGradFn,
      bnapply: ex.bnapply as BnApplyFn,
      gemmtile8: ex.gemmtile8 as GemmTileFn,
      gemmtile4: ex.gemmtile4 as GemmTileFn,
      gemmpack8: ex.gemmpack8 as GemmPackedFn,
      gemmpack4: ex.gemmpack4 as GemmPackedFn,
      fold64: ex.fold64 as Fold64Fn,
      dwaxpy: ex.dwaxpy as DwAxpyFn,
      dwgather: ex.dwgather as DwGatherFn,
    };
    instances.set(memory, fns);
  }
  return fns;
}

/** The part of tfjs-backend-wasm's BackendWasm that the kernels use (public methods). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined; has(dataId: object): boolean };
  wasm: { asm?: { memory?: WasmMemoryLike } };
}
