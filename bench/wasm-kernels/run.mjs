#!/usr/bin/env node
// Per-kernel speed of @op-screen/wasm-kernels against the tfjs-backend-wasm built-in kernel it
// replaces, in one process on the same inputs: the built-in is taken from the registry before
// registerWasmKernels() and both kernelFuncs are called alternately, medians of --reps calls
// (CPU time of this process: the kernels are single-threaded, and a shared machine then
// disturbs the ratio much less than wall time).
// Prints a Markdown table (speed-up = built-in time / ours) and checks the outputs agree.
// usage: node bench/wasm-kernels/run.mjs [--reps 9] [--out RESULTS.md]   (needs packages/wasm-kernels/dist)
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '../../packages/wasm-kernels');
const tf = await import(join(pkg, 'node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js'));
await import(join(pkg, 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js'));
const { registerWasmKernels } = await import(join(pkg, 'dist/index.js'));

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const REPS = Number(arg('reps', '9'));

await tf.setBackend('wasm');
await tf.ready();
const backend = tf.backend();

let seed = 1;
function rand(shape) {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    v[i] = seed / 2 ** 32 - 0.5;
  }
  return tf.tensor(v, shape, 'float32');
}

// [label, kernel name, inputs, attrs]
const cases = [
  [
    'Conv2DBackpropInput 3x3 s1, dy 4x28x28x64 -> 64',
    'Conv2DBackpropInput',
    { dy: rand([4, 28, 28, 64]), filter: rand([3, 3, 64, 64]) },
    { inputShape: [4, 28, 28, 64], strides: 1, pad: 'same', dataFormat: 'NHWC' },
  ],
  [
    'Conv2DBackpropInput 3x3 s2, dy 4x14x14x128 -> 64',
    'Conv2DBackpropInput',
    { dy: rand([4, 14, 14, 128]), filter: rand([3, 3, 64, 128]) },
    { inputShape: [4, 28, 28, 64], strides: 2, pad: 'same', dataFormat: 'NHWC' },
  ],
  [
    'Conv2DBackpropInput 1x1, dy 16x24x24x40 -> 240',
    'Conv2DBackpropInput',
    { dy: rand([16, 24, 24, 40]), filter: rand([1, 1, 240, 40]) },
    { inputShape: [16, 24, 24, 240], strides: 1, pad: 'same', dataFormat: 'NHWC' },
  ],
  // the 5x5 depthwise layers of EfficientNet-B0 at 224 (stages as in its paper, batch 16) and at 96
  [
    'DepthwiseConv2dNative 5x5 s2, 16x56x56x144 (B0@224 stage 4 in)',
    'DepthwiseConv2dNative',
    { x: rand([16, 56, 56, 144]), filter: rand([5, 5, 144, 1]) },
    { strides: [2, 2], pad: 'same', dilations: [1, 1], dataFormat: 'NHWC' },
  ],
  [
    'DepthwiseConv2dNative 5x5 s1, 16x28x28x240 (B0@224 stage 4)',
    'DepthwiseConv2dNative',
    { x: rand([16, 28, 28, 240]), filter: rand([5, 5, 240, 1]) },
    { strides: [1, 1], pad: 'same', dilations: [1, 1], dataFormat: 'NHWC' },
  ],
  [
    'DepthwiseConv2dNative 5x5 s1, 16x14x14x672 (B0@224 stage 6)',
    'DepthwiseConv2dNative',
    { x: rand([16, 14, 14, 672]), filter: rand([5, 5, 672, 1]) },
    { strides: [1, 1], pad: 'same', dilations: [1, 1], dataFormat: 'NHWC' },
  ],
  [
    'DepthwiseConv2dNative 5x5 s2, 16x14x14x672 (B0@224 stage 7 in)',
    'DepthwiseConv2dNative',
    { x: rand([16, 14, 14, 672]), filter: rand([5, 5, 672, 1]) },
    { strides: [2, 2], pad: 'same', dilations: [1, 1], dataFormat: 'NHWC' },
  ],
  [
    'DepthwiseConv2dNative 5x5 s1, 16x7x7x1152 (B0@224 stage 7)',
    'DepthwiseConv2dNative',
    { x: rand([16, 7, 7, 1152]), filter: rand([5, 5, 1152, 1]) },
    { strides: [1, 1], pad: 'same', dilations: [1, 1], dataFormat: 'NHWC' },
  ],
  [
    'DepthwiseConv2dNative 5x5 s1, 16x12x12x240 (B0@96 stage 4)',
    'DepthwiseConv2dNative',
    { x: rand([16, 12, 12, 240]), filter: rand([5, 5, 240, 1]) },
    { strides: [1, 1], pad: 'same', dilations: [1, 1], dataFormat: 'NHWC' },
  ],
  [
    'FusedBatchNorm 16x24x24x240',
    'FusedBatchNorm',
    {
      x: rand([16, 24, 24, 240]),
      mean: rand([240]),
      variance: tf.add(rand([240]), 1),
      offset: rand([240]),
      scale: rand([240]),
    },
    { varianceEpsilon: 1e-3 },
  ],
  [
    'Sum over N,H,W of 16x24x24x240',
    'Sum',
    { x: rand([16, 24, 24, 240]) },
    { axis: [0, 1, 2], keepDims: false },
  ],
  ['Mean over H,W of 16x24x24x240', 'Mean', { x: rand([16, 24, 24, 240]) }, { axis: [1, 2], keepDims: true }],
  [
    'Slice 16x26x26x240 -> 16x24x24x240',
    'Slice',
    { x: rand([16, 26, 26, 240]) },
    { begin: [0, 1, 1, 0], size: [16, 24, 24, 240] },
  ],
  ['Identity 16x24x24x240', 'Identity', { x: rand([16, 24, 24, 240]) }, {}],
];

const builtins = new Map(cases.map(([, name]) => [name, tf.getKernel(name, 'wasm')]));
registerWasmKernels();

/** CPU time of one call (this thread does all the work; robust to other processes on the machine). */
function time(kernel, inputs, attrs) {
  const c0 = process.cpuUsage();
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  const c = process.cpuUsage(c0);
  return { ms: (c.user + c.system) / 1000, out };
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

const rows = [];
for (const [label, name, inputs, attrs] of cases) {
  const builtin = builtins.get(name);
  const ours = tf.getKernel(name, 'wasm');
  const tb = [];
  const to = [];
  let maxDiff = 0;
  for (let r = 0; r < REPS + 1; r++) {
    const order =
      r % 2
        ? [
            [ours, to],
            [builtin, tb],
          ]
        : [
            [builtin, tb],
            [ours, to],
          ];
    const outs = [];
    for (const [k, acc] of order) {
      const { ms, out } = time(k, inputs, attrs);
      if (r > 0) acc.push(ms); // the first call of each is a warm-up (operator setup, caches)
      outs.push(out);
    }
    const [a, b] = outs.map((o) => backend.typedArrayFromHeap(o));
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    for (const o of outs) backend.disposeData(o.dataId); // not forced: Identity shares its input
  }
  const mb = median(tb);
  const mo = median(to);
  rows.push({ label, builtin: mb, ours: mo, speedup: mb / mo, maxDiff });
  console.error(
    `${label}: built-in ${mb.toFixed(2)} ms, ours ${mo.toFixed(2)} ms, ${(mb / mo).toFixed(2)}x (max |diff| ${maxDiff.toExponential(1)})`,
  );
}
const lines = [
  '# Per-kernel speed: @op-screen/wasm-kernels vs the tfjs-backend-wasm 4.22 built-in it replaces',
  '',
  `Median CPU time of ${REPS} alternating calls of each kernelFunc on the same inputs after one warm-up call, one process, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? 'cpu'}), load ${os.loadavg()[0].toFixed(1)}, ${new Date().toISOString().slice(0, 16)}Z. \`node bench/wasm-kernels/run.mjs\`. Speed-up = built-in time / ours.`,
  '',
  '| kernel and shape | built-in ms | ours ms | speed-up | max abs difference |',
  '|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${r.builtin.toFixed(2)} | ${r.ours.toFixed(2)} | **${r.speedup.toFixed(2)}x** | ${r.maxDiff.toExponential(1)} |`,
  ),
];
console.log(lines.join('\n'));
const out = arg('out', '');
if (out) writeFileSync(out, `${lines.join('\n')}\n`);
