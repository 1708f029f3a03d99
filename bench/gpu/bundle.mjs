#!/usr/bin/env node
// Builds bench/gpu/.bundle/: the benchmark with only the files it loads (tfjs CJS mains and wasm
// binaries, Dawn's binary for this platform, the two dist folders), ~30 MB instead of the ~1 GB
// node_modules, so a copy of the working tree with it carried fits a 64 MiB transfer. Run after
// `pnpm build`; then on the GPU machine: bash bench/gpu/.bundle/bench/gpu/run.sh (no network).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const out = join(here, '.bundle');
const eff = join(root, 'packages/efficientnet');
const wgk = join(root, 'packages/webgpu-kernels');
// one node_modules at the bundle root: efficientnet and wasm-kernels must share one tfjs-core
const nm = join(out, 'node_modules');
rmSync(out, { recursive: true, force: true });

const pkgDir = (name, from) =>
  dirname(createRequire(join(from, 'package.json')).resolve(`${name}/package.json`));
const copy = (src, dst) => {
  mkdirSync(dirname(dst), { recursive: true });
  cpSync(src, dst, { recursive: true, filter: (p) => !p.endsWith('.map') });
};
// [package, resolved from, files to keep ('*' = everything but source maps)]
const platform = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
const wanted = [
  ['@tensorflow/tfjs-core', eff, ['dist/tf-core.node.js']],
  ['@tensorflow/tfjs-layers', eff, ['dist/tf-layers.node.js']],
  ['@tensorflow/tfjs-backend-cpu', eff, ['dist/tf-backend-cpu.node.js']],
  [
    '@tensorflow/tfjs-backend-wasm',
    eff,
    [
      'dist/tf-backend-wasm.node.js',
      'dist/tfjs-backend-wasm.wasm',
      'dist/tfjs-backend-wasm-simd.wasm',
      'dist/tfjs-backend-wasm-threaded-simd.wasm',
    ],
  ],
  ['@tensorflow/tfjs-backend-webgpu', wgk, ['dist/tf-backend-webgpu.node.js']],
  ['webgpu', wgk, ['index.js', `dist/${platform}/dawn.node`]],
  ['seedrandom', pkgDir('@tensorflow/tfjs-core', eff), ['*']],
  ['fflate', eff, ['*']],
];
for (const [name, from, files] of wanted) {
  const src = pkgDir(name, from);
  const dst = join(nm, name);
  copy(join(src, 'package.json'), join(dst, 'package.json'));
  for (const f of files) {
    if (f === '*') copy(src, dst);
    else if (existsSync(join(src, f))) copy(join(src, f), join(dst, f));
    else throw new Error(`bundle: ${name}/${f} not found (is the package installed?)`);
  }
}
for (const [dir, target] of [
  [eff, join(out, 'packages/efficientnet')],
  [wgk, join(nm, '@op-screen/webgpu-kernels')],
  [join(root, 'packages/wasm-kernels'), join(out, 'packages/wasm-kernels')],
]) {
  if (!existsSync(join(dir, 'dist/index.js'))) throw new Error(`bundle: build ${dir} first (pnpm build)`);
  copy(join(dir, 'package.json'), join(target, 'package.json'));
  copy(join(dir, 'dist'), join(target, 'dist'));
}
for (const f of ['run.sh', 'run.mjs', 'report.mjs', 'adapter-check.mjs'])
  copy(join(here, f), join(out, 'bench/gpu', f));
let bytes = 0;
const walk = (p) => {
  const s = statSync(p);
  if (s.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  else bytes += s.size;
};
walk(out);
writeFileSync(join(out, 'BUNDLE.txt'), `built ${new Date().toISOString()} for ${platform}; ${bytes} bytes\n`);
console.log(`bench/gpu/.bundle: ${(bytes / 2 ** 20).toFixed(1)} MiB for ${platform}`);
