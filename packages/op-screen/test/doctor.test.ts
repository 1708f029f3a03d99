import { describe, expect, it } from 'vitest';
import { doctor } from '../src/index.js';

describe('doctor', () => {
  it('reports the four library versions', async () => {
    const r = await doctor();
    expect(Object.keys(r.packages).sort()).toEqual([
      '@op-screen/efficientnet',
      '@op-screen/metrics',
      '@op-screen/mri-io',
      '@op-screen/preprocess',
    ]);
  });
});
