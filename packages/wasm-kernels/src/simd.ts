// The WebAssembly SIMD functions of src/wasm/simd.wat (assembled at build time by
// scripts/build-wasm.mjs), instantiated once per wasm memory: they import the backend's own
// memory (`env.memory`), so every pointer is a byte offset into the backend's heap. Each is ~4x
// or more faster than the same loop in scalar JavaScript, and deterministic. See simd.wat for
// what each computes.
import type { WasmMemoryLike } from './backend.js';
import { SIMD_WASM_BASE64 } from './wasm/simd-wasm.js';

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

type RowFn = (x: number, xStride: number, dy: number, acc: number, count: number, c4: number) => void;
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

/** The names simd.wat exports, in SimdKernels order. */
export const SIMD_FUNCTIONS = [
  'dwrow',
  'colsum',
  'bnsums',
  'silugrad',
  'bnapply',
  'gemmtile8',
  'gemmtile4',
  'gemmpack8',
  'gemmpack4',
  'fold64',
  'dwaxpy',
  'dwgather',
] as const satisfies ReadonlyArray<keyof SimdKernels>;

/** The assembled module's bytes. */
export function simdModuleBytes(): Uint8Array {
  const bin = atob(SIMD_WASM_BASE64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let compiled: object | null | undefined;
const instances = new WeakMap<WasmMemoryLike, SimdKernels>();

/** All SIMD functions bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function simdKernels(memory: WasmMemoryLike | undefined): SimdKernels | null {
  if (!memory) return null;
  if (compiled === undefined) {
    try {
      compiled = new WA.Module(simdModuleBytes());
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  let fns = instances.get(memory);
  if (!fns) {
    const ex = new WA.Instance(compiled, { env: { memory } }).exports;
    fns = Object.fromEntries(SIMD_FUNCTIONS.map((name) => [name, ex[name]])) as unknown as SimdKernels;
    instances.set(memory, fns);
  }
  return fns;
}

/** The depthwise filter-gradient row kernel bound to `memory`, or null without SIMD. */
export function simdRowKernel(memory: WasmMemoryLike | undefined): RowFn | null {
  return simdKernels(memory)?.dwrow ?? null;
}

/** The column-sum kernel bound to `memory`, or null where WebAssembly SIMD is unavailable. */
export function simdColSumKernel(memory: WasmMemoryLike | undefined): ColSumFn | null {
  return simdKernels(memory)?.colsum ?? null;
}
