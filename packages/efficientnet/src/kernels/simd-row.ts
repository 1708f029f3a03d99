// A 140-byte WebAssembly SIMD kernel, assembled here, that shares the wasm backend's memory:
//   dwrow(x, xStrideBytes, dy, acc, count, c4): for j < count: acc[0..4*c4) += x_j * dy_j
// with x_j = x + j*xStride and dy_j = dy + j*16*c4 (f32x4 multiply-add, 4 channels a step).
// It is the inner loop of the depthwise filter gradient, ~4x faster than scalar JavaScript.

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

function moduleBytes(): Uint8Array {
  const I32 = 0x7f;
  const str = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const tee = (i: number) => [0x22, i];
  const load = [0xfd, 0x00, 2, 0];
  const add16 = (i: number) => [...get(i), 0x41, 16, 0x6a, ...set(i)];
  // params: 0 x, 1 xStride, 2 dy, 3 acc, 4 count, 5 c4; locals: 6 k, 7 xp, 8 ap
  const body = [
    1,
    3,
    I32,
    0x02,
    0x40, // block
    ...get(4),
    0x45,
    0x0d,
    0, // if count == 0 break
    0x03,
    0x40, // loop over j
    ...get(0),
    ...set(7),
    ...get(3),
    ...set(8),
    ...get(5),
    ...set(6),
    0x03,
    0x40, // loop over channel groups
    ...get(8),
    ...get(8),
    ...load,
    ...get(7),
    ...load,
    ...get(2),
    ...load,
    0xfd,
    0xe6,
    0x01, // f32x4.mul
    0xfd,
    0xe4,
    0x01, // f32x4.add
    0xfd,
    0x0b,
    2,
    0, // v128.store
    ...add16(8),
    ...add16(7),
    ...add16(2),
    ...get(6),
    0x41,
    1,
    0x6b,
    ...tee(6),
    0x0d,
    0,
    0x0b,
    ...get(0),
    ...get(1),
    0x6a,
    ...set(0),
    ...get(4),
    0x41,
    1,
    0x6b,
    ...tee(4),
    0x0d,
    0,
    0x0b,
    0x0b,
    0x0b,
  ];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...section(1, [1, 0x60, 6, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...str('env'), ...str('memory'), 0x02, 0x00, 0x00]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('dwrow'), 0x00, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

type ColSumFn = (x: number, acc: number, count: number, c4: number) => void;

let compiled: object | null | undefined;
const instances = new WeakMap<WasmMemoryLike, { dwrow: RowFn; colsum: ColSumFn }>();

/** The row kernel bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function simdRowKernel(memory: WasmMemoryLike | undefined): RowFn | null {
  return simdKernels(memory)?.dwrow ?? null;
}

/** The column-sum kernel bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function simdColSumKernel(memory: WasmMemoryLike | undefined): ColSumFn | null {
  return simdKernels(memory)?.colsum ?? null;
}

function simdKernels(memory: WasmMemoryLike | undefined): { dwrow: RowFn; colsum: ColSumFn } | null {
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
    fns = { dwrow: ex.dwrow as RowFn, colsum: ex.colsum as ColSumFn };
    instances.set(memory, fns);
  }
  return fns;
}

/** The part of tfjs-backend-wasm's BackendWasm that the kernels use (public methods). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { asm?: { memory?: WasmMemoryLike } };
}
