import type { RunConfig } from '../../run/config.js';
import type { VertebraImage } from '../../run/data.js';
import type { Preparer } from '../../run/engine.js';
import type { ReproduceDeps } from '../../run/types.js';

/** Network inputs of every usable image, in image order. */
export interface PreparedInputs {
  prep: Preparer;
  inputs: Float32Array[];
  labels: Float32Array;
  /** Floats per input (size x size x channels). */
  perImage: number;
}

/** Stage 3: the study preprocessing of every crop (augmentation stays with training). */
export function prepareInputs(
  images: VertebraImage[],
  cfg: RunConfig,
  deps: Pick<ReproduceDeps, 'makePreparer'>,
): PreparedInputs {
  const prep = deps.makePreparer(cfg);
  return {
    prep,
    inputs: images.map((im) => prep.prepare(im.crop)),
    labels: Float32Array.from(images, (im) => im.row.label),
    perImage: cfg.inputSize * cfg.inputSize * cfg.channels,
  };
}
