import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url in the CJS build too (createRequire finds tfjs-backend-wasm's .wasm files)
  shims: true,
  target: 'node20',
});
