#!/usr/bin/env node
// Bundles the page (src/app/main.ts and what it imports: @op-screen/mri-io's and
// @op-screen/preprocess's browser builds, codec wasm embedded; with --model, a lazily loaded chunk
// of tfjs and @op-screen/efficientnet's browser build) into dist/app with esbuild, and copies
// index.html, style.css and tfjs-backend-wasm's binaries. Runs offline; the page needs nothing but these files.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'app');
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { app: join(root, 'src', 'app', 'main.ts') },
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  // The codecs (and their embedded wasm) become chunks loaded on first use, not at start-up.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  outdir: out,
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'src', 'app', f), join(out, f));
// tfjs-backend-wasm's binaries, served from /app/ (setWasmPaths('/app/') in the page): the wasm
// backend never fetches them from a CDN. The threaded build needs cross-origin isolation, which
// this server does not set, so tfjs picks the SIMD or the plain one.
const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
for (const f of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
])
  copyFileSync(join(wasmDir, f), join(out, f));
