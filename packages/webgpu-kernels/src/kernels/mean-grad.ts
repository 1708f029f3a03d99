import { type KernelConfig, type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { flatDispatch, MAIN, type WebGpuBackendLike, type WgslProgram } from './program.js';

/** Kernel name shared with the wasm kernel of @op-screen/efficientnet (Mean's gradient). */
export const MEAN_GRAD = 'OpScreenMeanGrad';

/**
 * Mean's gradient for contiguous reduced axes: x viewed as [A, R, C] (R the reduced axes),
 * out[i, j, k] = dy[i, k] / R. tfjs builds it as dy * ones(x.shape) / R, writing a full-size
 * tensor of ones first; this writes each output element once.
 */
class MeanGradProgram implements WgslProgram {
  outputShape: number[];
  shaderKey = 'opScreenMeanGrad';
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames = ['dy'];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = 'r : i32, c : i32,';
  constructor(shape: number[]) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, i) => i) };
    this.dispatch = flatDispatch(util.sizeFromShape(shape), this.workgroupSize[0]);
  }
  getUserCode(): string {
    return `
      ${MAIN} {
        if (index < uniforms.size) {
          let i = index / (uniforms.r * uniforms.c);
          let k = index % uniforms.c;
          result[index] = dy[i * uniforms.c + k] / f32(uniforms.r);
        }
      }`;
  }
}

export interface MeanGradAttrs {
  /** Shape of Mean's input x. */
  shape: number[];
  /** The reduced axes, sorted and contiguous. */
  axes: number[];
}

function meanGrad(args: {
  inputs: { dy: TensorInfo };
  backend: WebGpuBackendLike;
  attrs: MeanGradAttrs;
}): TensorInfo {
  const { shape, axes } = args.attrs;
  const first = axes[0] as number;
  const last = axes[axes.length - 1] as number;
  util.assert(
    axes.length > 0 && axes.every((v, i) => v === first + i) && last < shape.length,
    () => `${MEAN_GRAD}: axes must be sorted and contiguous within rank ${shape.length}, got [${axes}]`,
  );
  const a = util.sizeFromShape(shape.slice(0, first));
  const r = util.sizeFromShape(shape.slice(first, last + 1));
  const c = util.sizeFromShape(shape.slice(last + 1));
  util.assert(
    util.sizeFromShape(args.inputs.dy.shape) === a * c,
    () => `${MEAN_GRAD}: dy has ${util.sizeFromShape(args.inputs.dy.shape)} elements, expected ${a * c}`,
  );
  return args.backend.runWebGPUProgram(new MeanGradProgram(shape), [args.inputs.dy], 'float32', [
    { type: 'int32', data: [r] },
    { type: 'int32', data: [c] },
  ]);
}

export const meanGradConfig: KernelConfig = {
  kernelName: MEAN_GRAD,
  backendName: 'webgpu',
  kernelFunc: meanGrad as unknown as KernelFunc,
};
