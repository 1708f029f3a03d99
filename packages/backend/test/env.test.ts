import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendError, backendPreference, selectBackendFromEnv } from '../src/index.js';

describe('OP_SCREEN_BACKEND', () => {
  it('names the backend the CLI asks the zoo for; unset or empty is auto; anything else is BAD_OPTION', () => {
    expect(backendPreference({})).toBe('auto');
    expect(backendPreference({ OP_SCREEN_BACKEND: '' })).toBe('auto');
    expect(backendPreference({ OP_SCREEN_BACKEND: 'auto' })).toBe('auto');
    for (const b of ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'])
      expect(backendPreference({ OP_SCREEN_BACKEND: ` ${b} ` })).toBe(b);
    expect(() => backendPreference({ OP_SCREEN_BACKEND: 'metal' })).toThrow(
      expect.objectContaining({
        code: 'BAD_OPTION',
        message: expect.stringMatching(/OP_SCREEN_BACKEND="metal"/),
      }),
    );
  });
});

describe('selectBackendFromEnv', () => {
  it('computes on the backend OP_SCREEN_BACKEND names, and refuses a name that is none before touching tfjs', async () => {
    await expect(selectBackendFromEnv({ OP_SCREEN_BACKEND: 'metal' })).rejects.toBeInstanceOf(BackendError);
    const info = await selectBackendFromEnv({ OP_SCREEN_BACKEND: 'cpu' });
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.attempts.map((a) => a.backend)).toEqual(['cpu']);
  });
});
