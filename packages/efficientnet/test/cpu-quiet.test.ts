import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../src/index.js';

describe('the cpu backend in Node', () => {
  it('prints no "install our node backend" banner on its first tensor', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect((await initBackend({ prefer: 'cpu' })).backend).toBe('cpu');
      tf.tensor1d([1, 2, 3]).dispose();
      const said = warn.mock.calls.map((c) => c.join(' ')).join('\n');
      expect(said).not.toMatch(/node backend/);
    } finally {
      warn.mockRestore();
    }
  });
});
