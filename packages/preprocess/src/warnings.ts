import { PreprocessError } from './errors.js';
import { assertImage, type Image2D } from './image.js';

/** Stable codes of what a pipeline run warns about (the image is still processed). */
export type PipelineWarningCode = 'CONSTANT_CROP';

/**
 * A typed warning of `Pipeline.runChecked`: the input was processed, but its output carries no
 * information a model could learn from. `CONSTANT_CROP`: the input is constant, or its standard
 * deviation is below `tolerance` times its largest absolute value (min-max normalisation would
 * return all zeros or amplify noise alone).
 */
export interface PipelineWarning {
  code: PipelineWarningCode;
  message: string;
  min: number;
  max: number;
  std: number;
}

/** Default relative tolerance of `CONSTANT_CROP`: a contrast below 0.1 % of the signal. */
export const CONSTANT_CROP_TOLERANCE = 1e-3;

export interface CheckOptions {
  /** Relative standard-deviation tolerance of `CONSTANT_CROP` (default {@link CONSTANT_CROP_TOLERANCE}). */
  constantTolerance?: number;
}

/**
 * The warnings `runChecked` reports for an input image, without running the steps (statistics
 * over all pixels and channels, in double).
 */
export function inputWarnings(img: Image2D, options: CheckOptions = {}): PipelineWarning[] {
  assertImage(img);
  const tol = options.constantTolerance ?? CONSTANT_CROP_TOLERANCE;
  if (!(tol >= 0)) throw new PreprocessError('INVALID_PARAMETER', 'constantTolerance must be >= 0');
  const d = img.data;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const mean = sum / d.length;
  let ss = 0;
  for (let i = 0; i < d.length; i++) ss += ((d[i] as number) - mean) ** 2;
  const std = Math.sqrt(ss / d.length);
  const scale = Math.max(Math.abs(min), Math.abs(max));
  if (max === min || std <= tol * scale)
    return [
      {
        code: 'CONSTANT_CROP',
        message:
          max === min
            ? `the ${img.width}x${img.height} input is constant (every value ${min}); there is no contrast to learn from`
            : `the ${img.width}x${img.height} input is nearly constant (values ${min}..${max}, standard deviation ${std.toPrecision(3)}, below ${tol} of the signal); there is no contrast to learn from`,
        min,
        max,
        std,
      },
    ];
  return [];
}
