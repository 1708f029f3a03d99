import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/browser.ts', 'src/register.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url in the CJS build too (createRequire, zooLayersModule); `__filename` is not
  // usable in ESM, where `node -e` even defines it as '[eval]'.
  shims: true,
  target: 'node20',
});
