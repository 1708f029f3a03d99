import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  createNodeGpu,
  describeAdapter,
  findGpuDevices,
  findMesaLibraries,
  findVulkanLoader,
  isSoftwareAdapter,
  WebGpuError,
} from '../src/index.js';

describe('createNodeGpu', () => {
  test('gives Mesa llvmpipe in compatibility mode on the software path', async () => {
    const gpu = await createNodeGpu({ softwareOnly: true });
    expect(gpu.summary.software).toBe(true);
    expect(gpu.summary.dawnBackend).toBe('opengles');
    expect(gpu.summary.featureLevel).toBe('compatibility');
    expect(`${gpu.summary.device} ${gpu.summary.description}`).toMatch(/llvmpipe|mesa/i);
    expect(gpu.summary.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(gpu.summary.limits.maxBufferSize).toBeGreaterThanOrEqual(
      gpu.summary.limits.maxStorageBufferBindingSize,
    );
    expect(describeAdapter(gpu.summary)).toMatch(
      /^\S.*\[software, opengles\/compatibility, maxBufferSize \d+/,
    );
    const device = await gpu.adapter.requestDevice();
    device.destroy();
  });

  test('hardware-only never returns a software adapter, and says why in one line when none is found', async () => {
    try {
      const gpu = await createNodeGpu();
      expect(gpu.summary.software).toBe(false);
    } catch (err) {
      expect(err).toBeInstanceOf(WebGpuError);
      expect((err as WebGpuError).code).toBe('NO_ADAPTER');
      expect((err as Error).message).not.toContain('\n');
      expect((err as Error).message).toMatch(/hardware: .*; software: not allowed/);
    }
  });

  test('names the missing Mesa files and the Debian packages that provide them', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-mesa-'));
    expect(findMesaLibraries([empty]).missing.map((m) => m.pkg)).toEqual([
      'libegl1',
      'libegl-mesa0',
      'libgl1-mesa-dri',
    ]);
    await expect(createNodeGpu({ softwareOnly: true, libraryDirs: [empty] })).rejects.toThrow(
      /^no WebGPU adapter: software: Mesa libEGL.so.1, libEGL_mesa.so.0, dri\/swrast_dri.so not found \(Debian: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri\)$/,
    );
  });

  test('finds the Vulkan loader only where libvulkan.so.1 is', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-vulkan-'));
    expect(findVulkanLoader([empty])).toBeNull();
    const withLoader = mkdtempSync(join(tmpdir(), 'vulkan-'));
    writeFileSync(join(withLoader, 'libvulkan.so.1'), '');
    expect(findVulkanLoader([empty, withLoader])).toBe(join(withLoader, 'libvulkan.so.1'));
  });

  test('sees a GPU only through its device nodes (render nodes, NVIDIA, WSL2), so no driver is probed without one', () => {
    const dev = mkdtempSync(join(tmpdir(), 'dev-'));
    expect(findGpuDevices(dev)).toEqual([]);
    mkdirSync(join(dev, 'dri'));
    writeFileSync(join(dev, 'dri', 'card0'), '');
    writeFileSync(join(dev, 'nvidiactl'), '');
    expect(findGpuDevices(dev)).toEqual([]);
    writeFileSync(join(dev, 'dri', 'renderD128'), '');
    writeFileSync(join(dev, 'nvidia0'), '');
    writeFileSync(join(dev, 'dxg'), '');
    expect(findGpuDevices(dev)).toEqual([
      join(dev, 'dri', 'renderD128'),
      join(dev, 'dxg'),
      join(dev, 'nvidia0'),
    ]);
  });

  test('recognises CPU rasterisers and fallback adapters as software', () => {
    expect(isSoftwareAdapter({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toBe(true);
    expect(isSoftwareAdapter({ description: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', device: 'NVIDIA H200', isFallbackAdapter: true })).toBe(
      true,
    );
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200' })).toBe(
      false,
    );
  });
});
