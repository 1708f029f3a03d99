import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The shape of a tfjs-backend-webgpu program (`WebGPUProgram` there). tfjs prepends bindings for
 * `result` (the output) and one `array<f32>` per name in `variableNames`, and a `uniforms` struct
 * holding `size` (with `size: true`) followed by the fields in `uniforms`.
 */
export interface WgslProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  variableNames: string[];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode(): string;
}

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` a kernel here uses. */
export interface WebGpuBackendLike {
  runWebGPUProgram(
    program: WgslProgram,
    inputs: TensorInfo[],
    outputDtype: DataType,
    uniforms?: Array<{ type: 'int32' | 'float32'; data: number[] }>,
  ): TensorInfo;
}

/** A flat dispatch: one invocation per output element (tfjs reshapes it past 65535 workgroups). */
export function flatDispatch(size: number, workgroup: number): [number, number, number] {
  return [Math.max(1, Math.ceil(size / workgroup)), 1, 1];
}

/** WGSL entry that tfjs's `_start` calls with the flat global index (`main(getGlobalIndex())`). */
export const MAIN = 'fn main(index : i32)';
