import { defineConfig } from 'tsup';

// The Node side (server, manifest file). The page is bundled by scripts/build-app.mjs.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  shims: true,
});
