import { getKernel, type KernelConfig, type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { MAIN, type WebGpuBackendLike, type WgslProgram } from './program.js';

/** Kernel name shared with the wasm kernel of @op-screen/efficientnet (BatchNorm's gradient). */
export const BATCH_NORM_GRAD_SUMS = 'OpScreenBatchNormGradSums';

const WG = 128;

/**
 * Per channel k of x viewed as [rows, C]: out[k] = sum(dy[:, k]) and out[C + k] =
 * sum((x[:, k] - mean[k]) * dy[:, k]), the two reductions of BatchNorm's gradient in one pass
 * over x and dy. One workgroup per channel; each invocation sums a strided share of the rows,
 * then a tree reduction in workgroup memory (pairwise, so rounding grows with log(rows)).
 */
class BatchNormGradSumsProgram implements WgslProgram {
  outputShape: number[];
  shaderKey = `opScreenBatchNormGradSums_${WG}`;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  variableNames = ['x', 'mean', 'dy'];
  workgroupSize: [number, number, number] = [WG, 1, 1];
  uniforms = 'rows : i32, c : i32,';
  constructor(c: number) {
    this.outputShape = [2 * c];
    this.dispatch = [c, 1, 1];
  }
  getUserCode(): string {
    return `
      var<workgroup> partDy : array<f32, ${WG}>;
      var<workgroup> partXDy : array<f32, ${WG}>;
      ${MAIN} {
        let k = i32(workgroupId.x);
        let t = i32(localId.x);
        let c = uniforms.c;
        let m = mean[k];
        var sDy = 0.0;
        var sXDy = 0.0;
        for (var row = t; row < uniforms.rows; row = row + ${WG}) {
          let d = dy[row * c + k];
          sDy = sDy + d;
          sXDy = sXDy + (x[row * c + k] - m) * d;
        }
        partDy[t] = sDy;
        partXDy[t] = sXDy;
        workgroupBarrier();
        for (var half = ${WG / 2}; half > 0; half = half / 2) {
          if (t < half) {
            partDy[t] = partDy[t] + partDy[t + half];
            partXDy[t] = partXDy[t] + partXDy[t + half];
          }
          workgroupBarrier();
        }
        if (t == 0) {
          result[k] = partDy[0];
          result[c + k] = partXDy[0];
        }
      }`;
  }
}

function batchNormGradSums(args: {
  inputs: { x: TensorInfo; mean: TensorInfo; dy: TensorInfo };
  backend: WebGpuBackendLike;
}): TensorInfo[] {
  const { x, mean, dy } = args.inputs;
  const c = x.shape[x.shape.length - 1] as number;
  util.assert(
    x.shape.length >= 2 && util.arraysEqual(x.shape, dy.shape) && util.sizeFromShape(mean.shape) === c,
    () =>
      `${BATCH_NORM_GRAD_SUMS}: need x and dy of one shape [..., C] and mean [C], got ${x.shape}, ${dy.shape}, ${mean.shape}`,
  );
  util.assert(c <= 65535, () => `${BATCH_NORM_GRAD_SUMS}: at most 65535 channels, got ${c}`);
  const rows = util.sizeFromShape(x.shape) / c;
  const both = args.backend.runWebGPUProgram(new BatchNormGradSumsProgram(c), [x, mean, dy], 'float32', [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [c] },
  ]);
  return splitHalves(both, c, args.backend);
}

/** [2C] -> two [C] tensors through the backend's registered Slice kernel (stays on the GPU). */
function splitHalves(both: TensorInfo, c: number, backend: unknown): TensorInfo[] {
  const slice = getSlice();
  const a = slice({
    inputs: { x: both },
    backend: backend as never,
    attrs: { begin: [0], size: [c] },
  }) as TensorInfo;
  const b = slice({
    inputs: { x: both },
    backend: backend as never,
    attrs: { begin: [c], size: [c] },
  }) as TensorInfo;
  (backend as { disposeData(id: object): void }).disposeData(both.dataId);
  return [a, b];
}

let sliceFunc: KernelFunc | undefined;
function getSlice(): KernelFunc {
  if (!sliceFunc) {
    const k = getKernel('Slice', 'webgpu');
    if (!k) throw new Error(`${BATCH_NORM_GRAD_SUMS}: tfjs-backend-webgpu's Slice kernel is not registered`);
    sliceFunc = k.kernelFunc;
  }
  return sliceFunc;
}

export const batchNormGradSumsConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD_SUMS,
  backendName: 'webgpu',
  kernelFunc: batchNormGradSums as unknown as KernelFunc,
};
