import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getGradient, getKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { builtinGradient, builtinKernel } from '../src/builtins.js';
import {
  registerWasmKernels,
  WASM_GRADIENT_CONFIGS,
  WASM_KERNEL_CONFIGS,
  WASM_KERNELS,
} from '../src/index.js';

const src = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const OWN = ['OpScreenMeanGrad', 'OpScreenBatchNormGradSums', 'OpScreenSiluGrad'];

describe('the kernel list and registerWasmKernels()', () => {
  it('lists one wasm KernelConfig per src/kernels/<KernelName>.ts and one GradConfig per src/gradients/<Name>_grad.ts', () => {
    const names = WASM_KERNEL_CONFIGS.map((c) => c.kernelName);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(14);
    for (const c of WASM_KERNEL_CONFIGS) {
      expect(c.backendName).toBe('wasm');
      expect(existsSync(join(src, 'kernels', `${c.kernelName}.ts`)), c.kernelName).toBe(true);
    }
    for (const g of WASM_GRADIENT_CONFIGS)
      expect(existsSync(join(src, 'gradients', `${g.kernelName}_grad.ts`)), g.kernelName).toBe(true);
    for (const k of WASM_KERNELS) expect(names).toContain(k);
  });

  it('registers every config, keeps each replaced built-in (with its setup) as the fallback, and is idempotent', () => {
    const before = new Map(WASM_KERNEL_CONFIGS.map((c) => [c.kernelName, getKernel(c.kernelName, 'wasm')]));
    const gradsBefore = new Map(WASM_GRADIENT_CONFIGS.map((g) => [g.kernelName, getGradient(g.kernelName)]));
    for (const name of OWN) expect(before.get(name)).toBeUndefined();
    registerWasmKernels();
    const after = new Map<string, KernelConfig | undefined>();
    for (const c of WASM_KERNEL_CONFIGS) {
      const now = getKernel(c.kernelName, 'wasm');
      after.set(c.kernelName, now);
      expect(now?.kernelFunc, c.kernelName).toBe(c.kernelFunc);
      const builtin = before.get(c.kernelName);
      if (builtin && !OWN.includes(c.kernelName)) {
        expect(builtinKernel(c.kernelName), c.kernelName).toBe(builtin);
      }
    }
    // FusedBatchNorm's built-in binds its wasm function in setupFunc: ours keeps it
    expect(after.get('FusedBatchNorm')?.setupFunc).toBe(before.get('FusedBatchNorm')?.setupFunc);
    expect(after.get('FusedBatchNorm')?.setupFunc).toBeDefined();
    for (const g of WASM_GRADIENT_CONFIGS) {
      expect(getGradient(g.kernelName)).toBe(g);
      expect(builtinGradient(g.kernelName)).toBe(gradsBefore.get(g.kernelName));
    }
    registerWasmKernels();
    for (const c of WASM_KERNEL_CONFIGS)
      expect(getKernel(c.kernelName, 'wasm')).toBe(after.get(c.kernelName));
    for (const c of WASM_KERNEL_CONFIGS)
      expect(builtinKernel(c.kernelName)).not.toBe(after.get(c.kernelName));
  });
});
