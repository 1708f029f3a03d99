import { ZooError } from './errors.js';

/** NCHW (torch) -> NHWC (tfjs) for a float32 array; pure, returns a new array. */
export function nchwToNhwc(data: Float32Array, shape: [number, number, number, number]): Float32Array {
  const [N, C, H, W] = shape;
  if (data.length !== N * C * H * W)
    throw new ZooError(
      'INPUT_INVALID',
      `NCHW shape [${shape.join(', ')}] needs ${N * C * H * W} values, got ${data.length}`,
    );
  const out = new Float32Array(data.length);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++) {
        const src = ((n * C + c) * H + h) * W;
        const dst = (n * H + h) * W * C + c;
        for (let w = 0; w < W; w++) out[dst + w * C] = data[src + w] as number;
      }
  return out;
}

/** NHWC -> NCHW; the inverse of {@link nchwToNhwc}. */
export function nhwcToNchw(data: Float32Array, shape: [number, number, number, number]): Float32Array {
  const [N, H, W, C] = shape;
  if (data.length !== N * C * H * W)
    throw new ZooError(
      'INPUT_INVALID',
      `NHWC shape [${shape.join(', ')}] needs ${N * C * H * W} values, got ${data.length}`,
    );
  const out = new Float32Array(data.length);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++)
          out[((n * C + c) * H + h) * W + w] = data[((n * H + h) * W + w) * C + c] as number;
  return out;
}
