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

  it('reports the WebGPU adapter: vendor, architecture, hardware or software, limits, or why there is none', async () => {
    const { adapter, backend } = await doctor();
    expect(adapter.reason).not.toContain('\n');
    expect(adapter.reason.length).toBeGreaterThan(0);
    expect(adapter.inUse).toBe(backend.backend === 'webgpu');
    if (adapter.found) {
      expect(['hardware', 'software']).toContain(adapter.kind);
      expect(typeof adapter.vendor).toBe('string');
      expect(typeof adapter.architecture).toBe('string');
      expect(adapter.limits?.maxBufferSize).toBeGreaterThan(0);
      expect(adapter.limits?.maxStorageBufferBindingSize).toBeGreaterThan(0);
      // auto passes a software adapter by and says so
      if (adapter.kind === 'software') {
        expect(adapter.inUse).toBe(false);
        expect(adapter.reason).toMatch(/^only a software adapter/);
      }
    } else {
      expect(adapter.kind).toBeNull();
      expect(adapter.limits).toBeNull();
      expect(adapter.reason).toMatch(/no WebGPU adapter|not installed|webgpu/i);
    }
  });
});
