import type { KeyedScore } from '@op-screen/metrics';
import type { ManifestRow } from '@op-screen/study';
import type { RunConfig } from './config.js';
import type { CropCheck, Cropper, SliceReader } from './data.js';
import type { Engine, FitSummary, Preparer } from './engine.js';

/**
 * One image's model score. `key` is {@link imageKey} of its manifest row (patient, sequence,
 * level), the one name every stage uses for "a scored image".
 */
export type ScoredImage = KeyedScore;

/** Key of one image: patient, sequence and level. */
export const imageKey = (r: Pick<ManifestRow, 'patientId' | 'sequence' | 'level'>): string =>
  `${r.patientId}\u0000${r.sequence}\u0000${r.level}`;

/** Key of one vertebra (the split unit): patient and level, shared by its T1 and T2 images. */
export const unitKey = (r: Pick<ManifestRow, 'patientId' | 'level'>): string =>
  `${r.patientId}\u0000${r.level}`;

/** The vertebra of an image key. */
export const unitOfImageKey = (k: string): string => {
  const [pid, , level] = k.split('\u0000');
  return `${pid}\u0000${level}`;
};

/** What reproduce() needs from the outside world; defaultDeps() in ports.ts wires the libraries. */
export interface ReproduceDeps {
  engine: Engine;
  read: SliceReader;
  crop: Cropper;
  /** Rows whose crop it warns about are skipped (default: preprocess's `CONSTANT_CROP` check; none when absent). */
  checkCrop?: CropCheck;
  makePreparer(cfg: RunConfig): Preparer;
  versions(): Promise<Record<string, string>>;
}

/** Scores as persisted in a fold's marker file (column form, so older run directories resume). */
export interface ScoreColumns {
  keys: string[];
  scores: number[];
}

/** Everything a finished fold leaves behind; its presence marks the fold complete for --resume. */
export interface FoldDone {
  fold: number;
  val: ScoreColumns;
  test: ScoreColumns;
  train: ScoreColumns;
  fit: FitSummary;
}

export const toScoredImages = (c: ScoreColumns): ScoredImage[] =>
  c.keys.map((key, i) => ({ key, score: c.scores[i] as number }));

/** Per sequence: the fold ensemble's test scores and the pooled out-of-fold validation scores. */
export interface SequenceScores {
  test: ScoredImage[];
  val: ScoredImage[];
}

/** One Grad-CAM overlay for the HTML report. */
export interface GradCamImage {
  sequence: string;
  level: string;
  label: 0 | 1;
  score: number;
  size: number;
  input: Float32Array;
  heatmap: Float32Array;
}
