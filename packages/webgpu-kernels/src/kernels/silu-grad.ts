import { type KernelConfig, type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { flatDispatch, MAIN, type WebGpuBackendLike, type WgslProgram } from './program.js';

/** Kernel name shared with the wasm kernel of @op-screen/efficientnet (its `silu` custom op). */
export const SILU_GRAD = 'OpScreenSiluGrad';

/** dx = dy * (s * (1 + x * (1 - s))) with s = sigmoid(x) saved by the forward pass; elementwise. */
class SiluGradProgram implements WgslProgram {
  outputShape: number[];
  shaderKey = 'opScreenSiluGrad';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['x', 's', 'dy'];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = flatDispatch(util.sizeFromShape(shape), this.workgroupSize[0]);
  }
  getUserCode(): string {
    return `
      ${MAIN} {
        if (index < uniforms.size) {
          let sv = s[index];
          result[index] = dy[index] * (sv * (1.0 + x[index] * (1.0 - sv)));
        }
      }`;
  }
}

function siluGrad(args: {
  inputs: { x: TensorInfo; s: TensorInfo; dy: TensorInfo };
  backend: WebGpuBackendLike;
}): TensorInfo {
  const { x, s, dy } = args.inputs;
  util.assert(
    util.arraysEqual(x.shape, s.shape) && util.arraysEqual(x.shape, dy.shape),
    () => `${SILU_GRAD}: x, s and dy must have one shape, got ${x.shape}, ${s.shape}, ${dy.shape}`,
  );
  return args.backend.runWebGPUProgram(new SiluGradProgram(x.shape), [x, s, dy], 'float32');
}

export const siluGradConfig: KernelConfig = {
  kernelName: SILU_GRAD,
  backendName: 'webgpu',
  kernelFunc: siluGrad as unknown as KernelFunc,
};
