import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BACKEND_ORDER, describeBackend, selectBackend } from '../src/index.js';

describe('backend selection', () => {
  it('auto picks the first backend that loads, with a one-line reason for each skipped one', async () => {
    const info = await selectBackend();
    expect(info.backend).toBe(tf.getBackend());
    const chosen = info.attempts.at(-1);
    expect(chosen?.ok).toBe(true);
    expect(info.attempts.map((a) => a.backend)).toEqual(BACKEND_ORDER.slice(0, info.attempts.length));
    for (const a of info.attempts.slice(0, -1)) {
      expect(a.ok).toBe(false);
      expect(a.reason).not.toContain('\n');
      expect(a.reason).toMatch(a.backend === 'webgpu' ? /WebGPU|webgpu/ : /tfjs-node/);
    }
    const webgpu = info.attempts.find((a) => a.backend === 'webgpu');
    // auto leaves webgpu out unless OP_SCREEN_AUTO_WEBGPU=1, and never takes a software adapter
    if (webgpu && !webgpu.ok)
      expect(webgpu.reason).toMatch(
        process.env.OP_SCREEN_AUTO_WEBGPU === '1'
          ? /no WebGPU adapter: hardware: .*prefer: 'webgpu'/
          : /^not tried by auto: .*dataSync/,
      );
    if (webgpu?.ok) expect(info.webgpu?.software).toBe(false);
    // without tfjs-node or a GPU (this repo's CI), wasm is the default and reads its binaries offline
    if (!info.attempts.some((a) => (a.backend === 'tensorflow' || a.backend === 'webgpu') && a.ok)) {
      expect(info.backend).toBe('wasm');
      expect(info.simd).not.toBeNull();
      expect(info.threads).toBe(1);
    }
    expect(await describeBackend()).toEqual(info);
  });

  it('honours an explicit preference and refuses unknown backends', async () => {
    const cpu = await selectBackend({ prefer: 'cpu' });
    expect(cpu.backend).toBe('cpu');
    expect(cpu.attempts).toEqual([{ backend: 'cpu', ok: true, reason: 'selected' }]);
    await expect(selectBackend({ prefer: 'metal' as 'cpu' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });
});
