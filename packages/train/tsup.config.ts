import { defineConfig } from 'tsup';

export default defineConfig({
  // worker.ts is the replica worker's own entry: importing the package starts nothing.
  entry: ['src/index.ts', 'src/worker.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  shims: true,
  target: 'node20',
});
