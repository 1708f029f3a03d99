import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One GPU device per test file at a time: Mesa llvmpipe uses every core for each dispatch.
    fileParallelism: false,
  },
});
