import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    // import.meta.url in the CJS build (the worker finds dist/queue-processor.js beside it)
    shims: true,
  },
  {
    // BullMQ's sandboxed processor is its own file, loaded in a worker thread.
    entry: { 'queue-processor': 'src/processor.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
  },
]);
