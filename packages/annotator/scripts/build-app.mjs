#!/usr/bin/env node
// Bundles the page (src/app/main.ts and what it imports: @op-screen/mri-io's and
// @op-screen/preprocess's browser builds, codec wasm embedded) into dist/app with esbuild, and
// copies index.html and style.css. Runs offline; the page needs nothing but these files.
import { copyFileSync, mkdirSync } from 'node:fs';
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
