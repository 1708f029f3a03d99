import { describe, expect, it } from 'vitest';
import { backendPreference } from '../src/index.js';

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
