import {
  aggregateByGroup,
  applyRecalibration,
  type BandAnswer,
  bandAnswer,
  meanOfMembers,
} from '@op-screen/metrics';
import {
  DEFAULT_THRESHOLD,
  foldModelDir,
  type ManifestSequence,
  type RecalibrationMap,
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
  /** Mean probability over the run's fold models (the raw fold-ensemble score). */
  score: number;
  /** The mean over the fold models of each one's probability through its own recalibration map (= score for runs made before recalibration). */
  probability: number;
  /** probability >= the run's image-level threshold for this sequence. */
  positive: boolean;
  /** From the manifest when it has t_score or label. */
  label: 0 | 1 | undefined;
}

/** One patient's answer for one sequence: from the mean of its images' scores, as the run's patient level. */
export interface PredictedPatient {
  patientId: string;
  sequence: ManifestSequence;
  /** Images (vertebrae) scored. */
  images: number;
  /** Mean of the images' probabilities (their raw scores for runs made before recalibration). */
  score: number;
  /** `score` through the run's patient-level recalibration map. */
  probability: number;
  /** probability >= the run's patient-level threshold. */
  positive: boolean;
  /** The three-way answer on the run's band; null for runs made before the band. */
  answer: BandAnswer | null;
}

export interface PredictResult {
  predictions: PredictedImage[];
  patients: PredictedPatient[];
  skipped: SkippedRow[];
  /** Image-level thresholds per sequence (on the probability scale). */
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
  const patients: PredictedPatient[] = [];
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
    // the run's fold-ensemble arithmetic (metrics' ensembleMean): sum of p / folds, fold 0 first;
    // recalibrated, each fold model's score through its own map, then the same mean
    const sum = meanOfMembers(perFold);
    const threshold = raw.thresholds[seq]?.image ?? DEFAULT_THRESHOLD;
    const maps = raw.calibration?.[seq];
    const probs = maps
      ? meanOfMembers(perFold.map((p, k) => applyRecalibration(p, maps.folds[k] as RecalibrationMap)))
      : sum;
    ims.forEach((im: VertebraImage, i) => {
      const score = sum[i] as number;
      const probability = probs[i] as number;
      predictions.push({
        patientId: im.row.patientId,
        sequence: seq,
        level: im.row.level,
        score,
        probability,
        positive: probability >= threshold,
        label: im.row.labelled ? im.row.label : undefined,
      });
    });
    // patient level: the mean of the patient's image probabilities (aggregateByGroup's mean, as the
    // run), through the patient-level map
    const agg = aggregateByGroup(
      ims.map(() => 0),
      probs,
      ims.map((im) => im.row.patientId),
      { pooling: 'mean', labelPolicy: 'any' },
    );
    const pProbs = maps ? applyRecalibration(agg.scores, maps.patient) : Float64Array.from(agg.scores);
    const pThreshold = raw.thresholds[seq]?.patient ?? DEFAULT_THRESHOLD;
    const band = raw.band?.[seq];
    agg.groups.forEach((g, j) => {
      const probability = pProbs[j] as number;
      patients.push({
        patientId: String(g),
        sequence: seq,
        images: agg.sizes[j] as number,
        score: agg.scores[j] as number,
        probability,
        positive: probability >= pThreshold,
        answer: band ? bandAnswer(probability, band) : null,
      });
    });
  }
  skipped.sort((a, b) => a.line - b.line);
  return {
    predictions,
    patients,
    skipped,
    thresholds: Object.fromEntries(
      raw.sequences.map((s) => [s, raw.thresholds[s]?.image ?? DEFAULT_THRESHOLD]),
    ),
  };
}
