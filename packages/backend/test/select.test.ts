import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type AdapterInfoLike,
  BACKEND_ORDER,
  type BackendName,
  backendCandidates,
  describeBackend,
  firstUsable,
  isSoftwareAdapterInfo,
  selectBackend,
  webgpuVerdict,
} from '../src/index.js';

const NVIDIA: AdapterInfoLike = {
  vendor: 'nvidia',
  architecture: 'hopper',
  device: '',
  description: 'NVIDIA H200: 560.35.03',
};
const LLVMPIPE: AdapterInfoLike = {
  vendor: 'mesa',
  architecture: '',
  device: '',
  description: 'llvmpipe (LLVM 15.0.6, 256 bits)',
};
const SWIFTSHADER: AdapterInfoLike = {
  vendor: 'google',
  architecture: '',
  device: 'swiftshader device',
  description: 'SwiftShader Device (Subzero)',
};

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
    // auto never takes a software adapter; without a GPU the reason says what was tried
    if (webgpu && !webgpu.ok)
      expect(webgpu.reason).toMatch(/^(no hardware WebGPU adapter \(hardware: |only a software adapter)/);
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

describe('backend choice (pure, injected adapter info)', () => {
  it('calls llvmpipe, SwiftShader, anything "software" and fallback adapters software', () => {
    expect(isSoftwareAdapterInfo(NVIDIA)).toBe(false);
    expect(
      isSoftwareAdapterInfo({ vendor: 'amd', architecture: 'rdna-3', description: 'Radeon RX 7900' }),
    ).toBe(false);
    expect(isSoftwareAdapterInfo(LLVMPIPE)).toBe(true);
    expect(isSoftwareAdapterInfo(SWIFTSHADER)).toBe(true);
    expect(isSoftwareAdapterInfo({ vendor: 'mesa', description: 'lavapipe' })).toBe(true);
    expect(isSoftwareAdapterInfo({ description: 'Microsoft Basic Render Driver (software)' })).toBe(true);
    expect(isSoftwareAdapterInfo({ ...NVIDIA, isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapterInfo({ ...NVIDIA, software: true })).toBe(true);
  });

  it('auto takes a hardware adapter only; prefer webgpu takes software too; no adapter is one line', () => {
    expect(webgpuVerdict('auto', NVIDIA)).toBeNull();
    expect(webgpuVerdict('auto', LLVMPIPE)).toMatch(/^only a software adapter \(mesa\); .*prefer: 'webgpu'/);
    expect(webgpuVerdict('auto', SWIFTSHADER)).toMatch(/^only a software adapter/);
    expect(webgpuVerdict('webgpu', LLVMPIPE)).toBeNull();
    expect(webgpuVerdict('webgpu', SWIFTSHADER)).toBeNull();
    const none = webgpuVerdict('auto', null, 'hardware: Dawn found no adapter\nsecond line');
    expect(none).toBe('no hardware WebGPU adapter (hardware: Dawn found no adapter)');
    expect(webgpuVerdict('webgpu', null, 'x')).toBe('no WebGPU adapter (x)');
  });

  it('orders auto tensorflow-gpu, tensorflow, webgpu, wasm, cpu and stops at the first that works', async () => {
    expect(backendCandidates('auto')).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
    expect(backendCandidates('webgpu')).toEqual(['webgpu']);
    const machine = (adapter: AdapterInfoLike | null, native: boolean) => async (name: BackendName) => {
      if (name === 'tensorflow-gpu') return '@tensorflow/tfjs-node-gpu is not installed';
      if (name === 'tensorflow') return native ? null : '@tensorflow/tfjs-node is not installed';
      if (name === 'webgpu') return webgpuVerdict('auto', adapter, 'hardware: Dawn found no adapter');
      return null;
    };
    const chosen = async (adapter: AdapterInfoLike | null, native = false) =>
      (await firstUsable(backendCandidates('auto'), machine(adapter, native))).map((a) =>
        a.ok ? a.backend : `-${a.backend}`,
      );
    expect(await chosen(NVIDIA)).toEqual(['-tensorflow-gpu', '-tensorflow', 'webgpu']);
    expect(await chosen(LLVMPIPE)).toEqual(['-tensorflow-gpu', '-tensorflow', '-webgpu', 'wasm']);
    expect(await chosen(null)).toEqual(['-tensorflow-gpu', '-tensorflow', '-webgpu', 'wasm']);
    expect(await chosen(NVIDIA, true)).toEqual(['-tensorflow-gpu', 'tensorflow']);
    const all = await firstUsable(BACKEND_ORDER, async () => 'broken');
    expect(all.map((a) => a.ok)).toEqual([false, false, false, false, false]);
  });
});
