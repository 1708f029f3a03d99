import type { RunPaths } from '@op-screen/study';
import type { RunConfig } from '../../run/config.js';
import type { VertebraImage } from '../../run/data.js';
import { type GradCamImage, imageKey, type ReproduceDeps, type SequenceScores } from '../../run/types.js';

/** Grad-CAM of fold 0's model on a stratified sample of test images (half positives when possible). */
export async function gradCamSample(
  cfg: RunConfig,
  deps: ReproduceDeps,
  paths: RunPaths,
  images: VertebraImage[],
  inputs: Float32Array[],
  seqScores: Map<string, SequenceScores>,
  log: (l: string) => void,
): Promise<GradCamImage[]> {
  if (cfg.gradcamSamples === 0) return [];
  const out: GradCamImage[] = [];
  const index = new Map(images.map((im, i) => [imageKey(im.row), i]));
  for (const seq of cfg.sequences) {
    const test = seqScores.get(seq)?.test ?? [];
    const per = Math.max(1, Math.round(cfg.gradcamSamples / cfg.sequences.length));
    const pos = test
      .filter((e) => images[index.get(e.key) as number]?.row.label === 1)
      .slice(0, Math.ceil(per / 2));
    const neg = test
      .filter((e) => images[index.get(e.key) as number]?.row.label === 0)
      .slice(0, per - pos.length);
    const model = await deps.engine.load(paths.foldModel(seq, 0));
    try {
      for (const e of [...pos, ...neg]) {
        const i = index.get(e.key) as number;
        const im = images[i] as VertebraImage;
        const input = inputs[i] as Float32Array;
        const heatmap = await deps.engine.gradCam(model, input, cfg.inputSize, cfg.channels);
        out.push({
          sequence: seq,
          level: im.row.level,
          label: im.row.label,
          score: e.score,
          size: cfg.inputSize,
          input,
          heatmap,
        });
      }
    } catch (err) {
      log(`Grad-CAM skipped for ${seq}: ${(err as Error).message}`);
    } finally {
      deps.engine.dispose(model);
    }
  }
  return out;
}
