// The one list of kernels and gradients, and registerWasmKernels(), which installs them.
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  FusedBatchNorm,
  type GradConfig,
  getGradient,
  getKernel,
  type KernelConfig,
  registerGradient,
  registerKernel,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { saveBuiltinGradient, saveBuiltinKernel } from './builtins.js';
import { fusedBatchNormGradConfig, maskZeroVarianceGradient } from './gradients/FusedBatchNorm_grad.js';
import { meanGradGradConfig } from './gradients/Mean_grad.js';
import { castConfig } from './kernels/Cast.js';
import { conv2DBackpropFilterConfig } from './kernels/Conv2DBackpropFilter.js';
import { conv2DBackpropInputConfig } from './kernels/Conv2DBackpropInput.js';
import { depthwiseConv2dNativeConfig } from './kernels/DepthwiseConv2dNative.js';
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/DepthwiseConv2dNativeBackpropFilter.js';
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/DepthwiseConv2dNativeBackpropInput.js';
import { fusedBatchNormConfig } from './kernels/FusedBatchNorm.js';
import { identityConfig } from './kernels/Identity.js';
import { meanConfig } from './kernels/Mean.js';
import { batchNormGradSumsConfig } from './kernels/OpScreenBatchNormGradSums.js';
import { meanGradConfig } from './kernels/OpScreenMeanGrad.js';
import { siluGradConfig } from './kernels/OpScreenSiluGrad.js';
import { sliceConfig } from './kernels/Slice.js';
import { sumConfig } from './kernels/Sum.js';

/**
 * How a kernel meets the backend's own kernel of the same name:
 * - 'own': a name of this package's; registered unless something already is.
 * - 'wraps': replaces a built-in that stays the fallback for the inputs it does not handle, and
 *   keeps the built-in's setup and dispose functions; skipped where the built-in is missing.
 * - 'replaces': replaces the built-in if there is one (kept as a fallback), else fills the gap.
 */
type Policy = 'own' | 'wraps' | 'replaces';

const ENTRIES: ReadonlyArray<readonly [KernelConfig, Policy]> = [
  [meanGradConfig, 'own'],
  [batchNormGradSumsConfig, 'own'],
  [siluGradConfig, 'own'],
  [fusedBatchNormConfig, 'wraps'],
  [sliceConfig, 'wraps'],
  [sumConfig, 'wraps'],
  [identityConfig, 'wraps'],
  [castConfig, 'wraps'],
  [meanConfig, 'wraps'],
  [depthwiseConv2dNativeConfig, 'wraps'],
  [conv2DBackpropInputConfig, 'replaces'],
  [conv2DBackpropFilterConfig, 'replaces'],
  [depthwiseConv2dNativeBackpropInputConfig, 'replaces'],
  [depthwiseConv2dNativeBackpropFilterConfig, 'replaces'],
];

/** Every wasm kernel of this package, one `KernelConfig` per file in src/kernels/. */
export const WASM_KERNEL_CONFIGS: readonly KernelConfig[] = ENTRIES.map(([config]) => config);

/**
 * The gradients this package replaces (src/gradients/), registered only where tfjs-core's own
 * gradient is registered (it stays the fallback): Mean's (all backends, fused on wasm) and
 * FusedBatchNorm's (all backends).
 */
export const WASM_GRADIENT_CONFIGS: readonly GradConfig[] = [meanGradGradConfig, fusedBatchNormGradConfig];

/** Names of the gradient kernels this package adds to (or replaces on) the wasm backend. */
export const WASM_KERNELS = [
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
] as const;

function install(config: KernelConfig, policy: Policy): void {
  const builtin = getKernel(config.kernelName, 'wasm');
  if (policy === 'own') {
    if (!builtin) registerKernel(config);
    return;
  }
  if (policy === 'wraps' && !builtin) return;
  if (builtin) {
    saveBuiltinKernel(builtin);
    unregisterKernel(config.kernelName, 'wasm');
  }
  registerKernel(policy === 'wraps' ? { ...builtin, kernelFunc: config.kernelFunc } : config);
}

let registered = false;

/**
 * Registers every kernel of {@link WASM_KERNEL_CONFIGS} on the `wasm` backend and the gradients
 * of {@link WASM_GRADIENT_CONFIGS} (idempotent; nothing is registered at import). Conv2DBackpropInput,
 * FusedBatchNorm, Slice, Sum, Mean, Identity, Cast and DepthwiseConv2dNative replace the
 * backend's kernels, which stay the fallbacks; Conv2DBackpropFilter and the depthwise gradients
 * fill gaps. Call before training on wasm (before or after setBackend); `fineTune` calls it.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  for (const [config, policy] of ENTRIES) install(config, policy);
  for (const config of WASM_GRADIENT_CONFIGS) {
    const builtin = getGradient(config.kernelName);
    if (!builtin) continue;
    saveBuiltinGradient(builtin);
    registerGradient(config);
  }
}

let guarded = false;

/**
 * For backends that train without {@link registerWasmKernels} (cpu, webgpu): wraps tfjs-core's
 * FusedBatchNorm gradient so that channels of zero variance pass no gradient to x and mean, as
 * the closed form does (see gradients/FusedBatchNorm_grad.ts: without it an all-zero batch turns
 * EfficientNet's weights NaN). Results elsewhere are bit for bit those of tfjs. Idempotent; a
 * no-op once registerWasmKernels() has run.
 */
export function registerBatchNormGradientGuard(): void {
  if (guarded || registered) return;
  guarded = true;
  const builtin = getGradient(FusedBatchNorm);
  if (builtin) registerGradient(maskZeroVarianceGradient(builtin));
}
