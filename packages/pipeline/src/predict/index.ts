import { meanOfMembers } from '@op-screen/metrics';
import {
  DEFAULT_THRESHOLD,
  foldModelDir,
  type ManifestSequence,
  readManifest,
  readModelCard,
  type SkippedRow,
} from '@op-screen/study';
import { batchesOf } from '@op-screen/train';
import { defaultDeps } from '../reproduce/ports.js';
import { runConfigSchema } from '../run/config.js';
import { loadVertebrae, type VertebraImage } from '../run/data.js';
import type { ReproduceDeps } from '../run/types.js';

export interface PredictOptions {
  /** A finished `reproduce` run: RUN_DIR, or RUN_DIR/model. */
  model: string;
  manifest: string;
  /** Progress: images read (`reading`) and fold-model passes done (`scoring`), each of `total`. */
  onProgress?: (stage: 'reading' | 'scoring', done: number, total: number) => void;
}

export interface PredictedImage {
  patientId: string;
  sequence: ManifestSequence;
  level: string;
  /** Mean probability over the run's fold models. */
  score: number;
  /** score >= the run's image-level Youden threshold for this sequence. */
  positive: boolean;
  /** From the manifest when it has t_score or label. */
  label: 0 | 1 | undefined;
}

export interface PredictResult {
  predictions: PredictedImage[];
  skipped: SkippedRow[];
  thresholds: Record<string, number>;
}

/**
 * Scores new cases with the fold models of a finished run (their mean probability), using the
 * run's own preprocessing; manifest rows of sequences the run did not train are skipped.
 */
export async function predictManifest(
  opts: PredictOptions,
  deps: ReproduceDeps = defaultDeps(),
): Promise<PredictResult> {
  const { dir: modelDir, card: raw } = await readModelCard(opts.model);
  const cfg = runConfigSchema.parse(raw.config);
  const manifest = await readManifest(opts.manifest, {
    tScoreThreshold: cfg.tScoreThreshold,
    requireLabel: false,
  });
  const skipped: SkippedRow[] = [...manifest.skipped];
  const rows = manifest.rows;
  const usable = rows.filter((r) => {
    if (raw.sequences.includes(r.sequence)) return true;
    skipped.push({ line: r.line, code: 'INVALID_ROW', reason: `the model was not trained on ${r.sequence}` });
    return false;
  });
  const progress = opts.onProgress;
  const loaded = await loadVertebrae(
    usable,
    deps.read,
    deps.crop,
    (d, t) => progress?.('reading', d, t),
    deps.checkCrop,
    {
      wholeImage: cfg.wholeImage === true,
    },
  );
  skipped.push(...loaded.skipped);
  const prep = deps.makePreparer(cfg);
  const predictions: PredictedImage[] = [];
  const passes =
    raw.sequences.filter((q) => loaded.images.some((im) => im.row.sequence === q)).length * raw.folds;
  let passesDone = 0;
  for (const seq of raw.sequences) {
    const ims = loaded.images.filter((im) => im.row.sequence === seq);
    if (ims.length === 0) continue;
    const inputs = ims.map((im) => prep.prepare(im.crop));
    const perFold: Float32Array[] = [];
    for (let k = 0; k < raw.folds; k++) {
      const model = await deps.engine.load(foldModelDir(modelDir, seq, k));
      try {
        perFold.push(await deps.engine.predict(model, batchesOf(inputs, { batchSize: 32 }), cfg));
      } finally {
        deps.engine.dispose(model);
      }
      progress?.('scoring', ++passesDone, passes);
    }
    // the run's fold-ensemble arithmetic (metrics' ensembleMean): sum of p / folds, fold 0 first
    const sum = meanOfMembers(perFold);
    const threshold = raw.thresholds[seq]?.image ?? DEFAULT_THRESHOLD;
    ims.forEach((im: VertebraImage, i) => {
      const score = sum[i] as number;
      predictions.push({
        patientId: im.row.patientId,
        sequence: seq,
        level: im.row.level,
        score,
        positive: score >= threshold,
        label: im.row.labelled ? im.row.label : undefined,
      });
    });
  }
  skipped.sort((a, b) => a.line - b.line);
  return {
    predictions,
    skipped,
    thresholds: Object.fromEntries(
      raw.sequences.map((s) => [s, raw.thresholds[s]?.image ?? DEFAULT_THRESHOLD]),
    ),
  };
}
