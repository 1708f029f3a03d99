/** Stable error codes of @op-screen/webgpu-kernels (the `code` property of {@link WebGpuError}). */
export type WebGpuErrorCode =
  /** `webgpu` (Dawn's Node binding) or `@tensorflow/tfjs-backend-webgpu` is not installed or fails to load. */
  | 'MODULE_MISSING'
  /** No WebGPU adapter could be created; the message says why for each backend tried. */
  | 'NO_ADAPTER'
  /** The adapter was found but `requestDevice` or the tfjs backend failed. */
  | 'DEVICE_FAILED'
  | 'INVALID_OPTION';

/** The one error type this package throws on purpose; `code` is stable, the message is one line. */
export class WebGpuError extends Error {
  readonly code: WebGpuErrorCode;
  constructor(code: WebGpuErrorCode, message: string) {
    super(message);
    this.name = 'WebGpuError';
    this.code = code;
  }
}

export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n')[0] ?? '').slice(0, 200);
}
