import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-core's node bundle registers no gradients (tfjs-layers' bundle does); without layers, load them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clearDerivedFilters,
  registerWasmKernels,
  setConvFilterGradStrategy,
  setConvInputGradStrategy,
  type WasmBackendLike,
} from '../src/index.js';
import { simdRowKernel } from '../src/simd.js';

// Every wasm gradient kernel is checked against the cpu backend's kernel (the reference
// implementation tfjs ships) on the same inputs. Tolerance: both sum the same products in
// float32 but in different orders (XNNPACK blocks, our float64 partial sums), so we allow
// 2e-5 of the largest magnitude in the reference plus 1e-5 absolute.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randn(n: number, r: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

async function runOn(
  backend: string,
  kernel: string,
  inputs: Record<string, { data: Float32Array; shape: number[] }>,
  attrs: Record<string, unknown>,
): Promise<{ data: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ins: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(inputs)) ins[k] = tf.tensor(v.data, v.shape);
    const out = tf.engine().runKernel(kernel, ins, attrs as never) as tf.Tensor;
    return { data: out.dataSync() as Float32Array, shape: out.shape };
  });
}

function expectClose(
  actual: { data: Float32Array; shape: number[] },
  ref: { data: Float32Array; shape: number[] },
) {
  expect(actual.shape).toEqual(ref.shape);
  let maxRef = 0;
  for (const v of ref.data) maxRef = Math.max(maxRef, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++)
    worst = Math.max(worst, Math.abs((actual.data[i] as number) - (ref.data[i] as number)));
  expect(worst).toBeLessThanOrEqual(2e-5 * maxRef + 1e-5);
}

interface Case {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: 'same' | 'valid';
}
const cases: Case[] = [];
{
  const r = rng(7);
  for (const s of [1, 2])
    for (const pad of ['same', 'valid'] as const)
      for (const k of [1, 3, 5]) {
        const h = 5 + Math.floor(r() * 8);
        const w = 5 + Math.floor(r() * 8);
        cases.push({
          n: 1 + Math.floor(r() * 3),
          h,
          w,
          ci: 1 + Math.floor(r() * 40),
          co: 1 + Math.floor(r() * 40),
          k,
          s,
          pad,
        });
      }
  // wide channels take the block-copy path of im2col
  cases.push({ n: 2, h: 9, w: 7, ci: 48, co: 24, k: 3, s: 2, pad: 'same' });
}
const label = (c: Case) => `${c.n}x${c.h}x${c.w}x${c.ci}->${c.co} k${c.k} s${c.s} ${c.pad}`;

beforeAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('wasm Conv2DBackpropFilter matches the cpu kernel', () => {
  it.each(cases.map((c) => [label(c), c] as const))('%s', async (_l, c) => {
    const r = rng(c.h * 131 + c.ci);
    const [ho, wo] = outSize(c);
    const x = { data: randn(c.n * c.h * c.w * c.ci, r), shape: [c.n, c.h, c.w, c.ci] };
    const dy = { data: randn(c.n * ho * wo * c.co, r), shape: [c.n, ho, wo, c.co] };
    const attrs = {
      strides: [c.s, c.s],
      pad: c.pad,
      dataFormat: 'NHWC',
      filterShape: [c.k, c.k, c.ci, c.co],
    };
    expectClose(
      await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs),
      await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs),
    );
  });
});

// Output channels that are a multiple of 4 take the SIMD register tiles (4x8 and 4x4, strided or
// over packed strips); these cases cover the in-place 1x1 path, im2col with K padded to a multiple
// of 4, strides, padding, odd row counts and more rows than one float32 pass (256), against the cpu
// kernel and the matmul path.
const tiledCases: Case[] = [
  { n: 2, h: 13, w: 11, ci: 16, co: 24, k: 1, s: 1, pad: 'valid' },
  { n: 2, h: 9, w: 8, ci: 12, co: 8, k: 1, s: 2, pad: 'valid' },
  { n: 2, h: 17, w: 19, ci: 3, co: 32, k: 3, s: 2, pad: 'valid' },
  { n: 2, h: 12, w: 12, ci: 5, co: 12, k: 3, s: 1, pad: 'same' },
  { n: 1, h: 10, w: 9, ci: 8, co: 4, k: 5, s: 1, pad: 'valid' },
  { n: 1, h: 12, w: 12, ci: 40, co: 1160, k: 1, s: 1, pad: 'valid' }, // wide: 145 tiles of 8
  { n: 1, h: 7, w: 9, ci: 8, co: 16, k: 3, s: 1, pad: 'same' }, // odd row count: the unrolled kernel's last row
  { n: 1, h: 9, w: 7, ci: 6, co: 8, k: 1, s: 1, pad: 'valid' }, // 1x1 with K % 4 != 0: x packed and padded
];
describe('wasm Conv2DBackpropFilter (SIMD tiles) matches the cpu kernel and the matmul path', () => {
  it.each(tiledCases.map((c) => [label(c), c] as const))('%s', async (_l, c) => {
    const r = rng(c.h * 31 + c.co);
    const [ho, wo] = outSize(c);
    const x = { data: randn(c.n * c.h * c.w * c.ci, r), shape: [c.n, c.h, c.w, c.ci] };
    const dy = { data: randn(c.n * ho * wo * c.co, r), shape: [c.n, ho, wo, c.co] };
    const attrs = {
      strides: [c.s, c.s],
      pad: c.pad,
      dataFormat: 'NHWC',
      filterShape: [c.k, c.k, c.ci, c.co],
    };
    const tiled = await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs);
    expectClose(tiled, await runOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs));
    setConvFilterGradStrategy('matmul');
    try {
      expectClose(tiled, await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs));
    } finally {
      setConvFilterGradStrategy('auto');
    }
    // deterministic: the same inputs give bitwise the same gradient
    expect((await runOn('wasm', 'Conv2DBackpropFilter', { x, dy }, attrs)).data).toEqual(tiled.data);
  });
});

describe('wasm DepthwiseConv2dNative (replaced forward) matches the cpu kernel', () => {
  // 5x5 filters with channels % 4 == 0 take the SIMD row gathers; the others the backend's kernel
  const fwdCases = [
    { n: 2, h: 11, w: 9, c: 16, k: 5, s: 1, pad: 'same' },
    { n: 2, h: 11, w: 9, c: 16, k: 5, s: 2, pad: 'same' },
    { n: 1, h: 12, w: 13, c: 8, k: 5, s: 2, pad: 'valid' },
    { n: 1, h: 9, w: 9, c: 12, k: 5, s: 1, pad: 'valid' },
    { n: 2, h: 7, w: 7, c: 6, k: 5, s: 1, pad: 'same' },
    { n: 2, h: 7, w: 7, c: 8, k: 3, s: 2, pad: 'same' },
  ] as const;
  it.each(fwdCases.map((c) => [`${c.n}x${c.h}x${c.w}x${c.c} k${c.k} s${c.s} ${c.pad}`, c] as const))(
    '%s',
    async (_l, c) => {
      const r = rng(c.h * 13 + c.c + c.s);
      const x = { data: randn(c.n * c.h * c.w * c.c, r), shape: [c.n, c.h, c.w, c.c] };
      const filter = { data: randn(c.k * c.k * c.c, r), shape: [c.k, c.k, c.c, 1] };
      // tfjs-layers passes dilations: null
      const attrs = {
        strides: [c.s, c.s],
        pad: c.pad,
        dilations: c.n === 1 ? null : [1, 1],
        dataFormat: 'NHWC',
      };
      expectClose(
        await runOn('wasm', 'DepthwiseConv2dNative', { x, filter }, attrs),
        await runOn('cpu', 'DepthwiseConv2dNative', { x, filter }, attrs),
      );
    },
  );
});

describe('rearranged filters of the input gradient', () => {
  it('are made once per weight buffer, reused by later calls and freed after the weights are disposed', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackendLike & { numDataIds(): number };
    clearDerivedFilters(backend);
    const r = rng(5);
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', inputShape: [2, 6, 6, 16] };
    const dy = tf.tensor(randn(2 * 6 * 6 * 8, r), [2, 6, 6, 8]);
    const run = (w: tf.Tensor) =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, attrs as never) as tf.Tensor;
    const w1 = tf.tensor(randn(3 * 3 * 16 * 8, r), [3, 3, 16, 8]);
    const before = backend.numDataIds();
    const a = run(w1);
    expect(backend.numDataIds() - before).toBe(2); // the gradient and the cached flipped filter
    const b = run(w1);
    expect(backend.numDataIds() - before).toBe(3); // only the second gradient
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const w2 = tf.tensor(randn(3 * 3 * 16 * 8, r), [3, 3, 16, 8]);
    w1.dispose();
    const c = run(w2); // frees w1's flipped copy, caches w2's
    // a, b, flipped(w1) + w2 - w1 + c + flipped(w2) - flipped(w1)
    expect(backend.numDataIds() - before).toBe(3 + 1 - 1 + 1 + 1 - 1);
    const ref = await runOn(
      'cpu',
      'Conv2DBackpropInput',
      {
        dy: { data: dy.dataSync() as Float32Array, shape: dy.shape },
        filter: { data: w2.dataSync() as Float32Array, shape: w2.shape },
      },
      attrs,
    );
    expectClose({ data: c.dataSync() as Float32Array, shape: c.shape }, ref);
    await tf.setBackend('wasm');
    expect(clearDerivedFilters(backend)).toBe(1);
    tf.dispose([a, b, c, w2, dy]);
  });
});

function outSize(c: Case): [number, number] {
  if (c.pad === 'same') return [Math.ceil(c.h / c.s), Math.ceil(c.w / c.s)];
  return [Math.ceil((c.h - c.k + 1) / c.s), Math.ceil((c.w - c.k + 1) / c.s)];
}

describe.each(['auto', 'dilate', 'col2im'] as const)(
  'wasm Conv2DBackpropInput (replaced, %s) matches the cpu kernel',
  (strategy) => {
    beforeAll(() => setConvInputGradStrategy(strategy));
    afterAll(() => setConvInputGradStrategy('auto'));
    it.each(cases.map((c) => [label(c), c] as const))('%s', async (_l, c) => {
      const r = rng(c.w * 17 + c.co);
      const [ho, wo] = outSize(c);
      const dy = { data: randn(c.n * ho * wo * c.co, r), shape: [c.n, ho, wo, c.co] };
      const filter = { data: randn(c.k * c.k * c.ci * c.co, r), shape: [c.k, c.k, c.ci, c.co] };
      const attrs = {
        strides: [c.s, c.s],
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: [c.n, c.h, c.w, c.ci],
      };
      expectClose(
        await runOn('wasm', 'Conv2DBackpropInput', { dy, filter }, attrs),
        await runOn('cpu', 'Conv2DBackpropInput', { dy, filter }, attrs),
      );
    });
  },
);

const dwCases = [
  ...cases.map((c) => ({ ...c, mult: c.co % 3 === 0 ? 2 : 1 })),
  // channel counts divisible by 4 with multiplier 1 take the SIMD filter-gradient and input-gradient paths
  ...(['same', 'valid'] as const).flatMap((pad) =>
    [1, 2].map((s) => ({ n: 2, h: 11, w: 9, ci: 16, co: 16, k: s === 1 ? 5 : 3, s, pad, mult: 1 })),
  ),
];
describe('wasm depthwise gradient kernels match the cpu kernels', () => {
  it.each(dwCases.map((c) => [`${label(c)} x${c.mult}`, c] as const))('%s', async (_l, c) => {
    const r = rng(c.h * 7 + c.k);
    const [ho, wo] = outSize(c);
    const co = c.ci * c.mult;
    const x = { data: randn(c.n * c.h * c.w * c.ci, r), shape: [c.n, c.h, c.w, c.ci] };
    const dy = { data: randn(c.n * ho * wo * co, r), shape: [c.n, ho, wo, co] };
    const filter = { data: randn(c.k * c.k * co, r), shape: [c.k, c.k, c.ci, c.mult] };
    const base = { strides: [c.s, c.s], dilations: [1, 1], pad: c.pad };
    const fAttrs = { ...base, filterShape: filter.shape };
    expectClose(
      await runOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs),
      await runOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, fAttrs),
    );
    const iAttrs = { ...base, inputShape: x.shape };
    expectClose(
      await runOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, iAttrs),
      await runOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, iAttrs),
    );
  });

  it('has the SIMD row kernel available on this wasm backend (so the cases above used it)', async () => {
    await tf.setBackend('wasm');
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: { buffer: ArrayBuffer } } } }).wasm
      .asm.memory;
    expect(simdRowKernel(memory)).not.toBeNull();
  });

  it('satisfies the adjoint identity for dilation 2 (general path; the cpu kernels ignore dilation)', async () => {
    // For y = depthwise(x, w): <dy, y> = <x, dx(dy, w)> = <w, dw(x, dy)>, checked on the
    // cpu forward op, which does honour dilation.
    const r = rng(99);
    const x = { data: randn(2 * 9 * 9 * 5, r), shape: [2, 9, 9, 5] };
    const dy = { data: randn(2 * 9 * 9 * 5, r), shape: [2, 9, 9, 5] };
    const filter = { data: randn(9 * 5, r), shape: [3, 3, 5, 1] };
    const base = { strides: [1, 1], dilations: [2, 2], pad: 'same' };
    const dx = await runOn(
      'wasm',
      'DepthwiseConv2dNativeBackpropInput',
      { dy, filter },
      { ...base, inputShape: x.shape },
    );
    const dw = await runOn(
      'wasm',
      'DepthwiseConv2dNativeBackpropFilter',
      { x, dy },
      { ...base, filterShape: filter.shape },
    );
    const y = await runOn('cpu', 'DepthwiseConv2dNative', { x, filter }, base);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * (b[i] as number), 0);
    const lhs = dot(dy.data, y.data);
    expect(Math.abs(dot(x.data, dx.data) - lhs)).toBeLessThan(1e-4 * Math.abs(lhs) + 1e-3);
    expect(Math.abs(dot(filter.data, dw.data) - lhs)).toBeLessThan(1e-4 * Math.abs(lhs) + 1e-3);
  });
});
