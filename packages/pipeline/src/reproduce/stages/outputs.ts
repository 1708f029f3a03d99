import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { applyRecalibration, type BandAnswer, bandAnswer } from '@op-screen/metrics';
import type { SkippedRow } from '@op-screen/study';
import {
  type PredictionRecord,
  predictionsCsv,
  type RunPaths,
  writeFileAtomic,
  writeJsonAtomic,
  writeModelCard,
} from '@op-screen/study';
import { type SynthSidecar, sidecarOracle } from '@op-screen/synth';
import type { Comparison } from '../../report/comparison.js';
import { renderHtmlReport } from '../../report/html.js';
import { type MetricBlock, type Report, reportSchema } from '../../report/schema.js';
import { buildTripod } from '../../report/tripod.js';
import type { RunConfig } from '../../run/config.js';
import type { VertebraImage } from '../../run/data.js';
import type { Scored } from '../../run/score.js';
import { IMAGE_SPLIT_NOTE, type SplitUnit, type VertebraSplit } from '../../run/splits.js';
import type { FoldDone, GradCamImage, ReproduceDeps, ScoredImage, SequenceScores } from '../../run/types.js';
import type { Evaluation } from './evaluation.js';
import type { PreparedInputs } from './preprocessing.js';
import { scienceSections } from './science.js';

/**
 * Rows of predictions.csv: every fold's train/val scores, then the ensemble's test scores, per
 * sequence; each with its probability (a fold's row: its model's score through that model's map; a
 * test row: the mean of the fold models' recalibrated scores), and the test
 * rows with their patient's three-way answer for the sequence.
 */
export function predictionRows(
  cfg: RunConfig,
  foldResults: Map<string, FoldDone[]>,
  ev: Evaluation,
): PredictionRecord[] {
  const rows: PredictionRecord[] = [];
  const image = (key: string) => ev.imageByKey.get(key) as VertebraImage;
  for (const seq of cfg.sequences) {
    const cal = ev.calibration.get(seq);
    // a fold's row: its model's score through that model's map; a test row: the ensemble's probability
    const foldProbability = (k: number, score: number) => {
      const m = cal?.folds[k]?.map;
      return m ? (applyRecalibration([score], m)[0] as number) : score;
    };
    const testProbability = new Map<string, number>();
    if (cal)
      cal.calibrated.image.cases.forEach((key, i) => {
        testProbability.set(key, cal.calibrated.image.scores[i] as number);
      });
    const answers = new Map<string, BandAnswer>();
    if (cal?.band) {
      const { band } = cal.band;
      const p = cal.calibrated.patient;
      p.cases.forEach((patient, i) => {
        answers.set(patient, bandAnswer(p.scores[i] as number, band));
      });
    }
    const row = (
      key: string,
      fold: PredictionRecord['fold'],
      split: PredictionRecord['split'],
      score: number,
    ): PredictionRecord => {
      const { patientId, sequence, level, label } = image(key).row;
      const answer = split === 'test' ? (answers.get(patientId) ?? null) : null;
      const probability = fold === 'all' ? (testProbability.get(key) ?? score) : foldProbability(fold, score);
      return { patientId, sequence, level, fold, split, label, score, probability, answer };
    };
    for (const d of foldResults.get(seq) as FoldDone[])
      for (const [split, part] of [
        ['train', d.train],
        ['val', d.val],
      ] as const)
        part.keys.forEach((key, i) => {
          rows.push(row(key, d.fold, split, part.scores[i] as number));
        });
    for (const e of ev.seqScores.get(seq)?.test ?? []) rows.push(row(e.key, 'all', 'test', e.score));
  }
  return rows;
}

/** predictions.csv of a run with one architecture. */
export async function writePredictions(
  paths: RunPaths,
  cfg: RunConfig,
  foldResults: Map<string, FoldDone[]>,
  ev: Evaluation,
): Promise<void> {
  await writeFileAtomic(paths.predictions, predictionsCsv(predictionRows(cfg, foldResults, ev)));
}

export interface ReportInputs {
  cfg: RunConfig;
  deps: ReproduceDeps;
  synthetic: boolean;
  /** The synthetic cohort's sidecar, for the oracle on this run's test patients. */
  sidecar: SynthSidecar | null;
  split: VertebraSplit;
  skipped: SkippedRow[];
  /** Manifest rows excluded by the `exclude` column, by reason. */
  excluded: Partial<Record<string, number>>;
  imageCount: number;
  /** The usable images (subgroup attributes, participant characteristics). */
  images: VertebraImage[];
  evaluation: Evaluation;
  baselines: Report['baselines'];
  training: Report['training'];
  prepared: PreparedInputs;
  wallTimeSeconds: number;
  /** Only when the run compared several architectures: the comparison section. */
  comparison?: Comparison;
}

/**
 * report.json's content: every section's value, then the TRIPOD+AI section filled from them, then
 * one validation of the whole report by its schema.
 */
export async function buildReport(r: ReportInputs): Promise<Report> {
  const { cfg, split } = r;
  const testPatientSet = new Set(split.split.test.map((i) => (split.units[i] as SplitUnit).patientId));
  const oracle = r.sidecar ? sidecarOracle(r.sidecar, testPatientSet) : null;
  const science = scienceSections(r.evaluation, r.images, split, r.sidecar);
  const core: Omit<Report, 'tripod'> = {
    title: `op-screen ${cfg.preset} run${r.synthetic ? ' on synthetic data' : ''}${cfg.includeExcluded ? ' (sensitivity analysis: excluded rows included)' : ''}`,
    synthetic: r.synthetic,
    split: cfg.split,
    splitNote: cfg.split === 'image' ? IMAGE_SPLIT_NOTE : null,
    config: cfg,
    versions: {
      node: process.version,
      packages: await r.deps.versions(),
      backend: await r.deps.engine.describe(),
    },
    leakage: { groupsInMultipleSplits: split.split.groupsInMultipleSplits, unit: cfg.split },
    skipped: r.skipped.length,
    skippedRows: r.skipped,
    excluded: r.excluded as Record<string, number>,
    oracle: oracle
      ? cfg.includeExcluded
        ? oracle.includeExcluded
        : { image: oracle.image, patient: oracle.patient }
      : null,
    counts: {
      patients: split.patientsTotal,
      images: r.imageCount,
      testPatients: testPatientSet.size,
      testImages: [...r.evaluation.seqScores.values()].reduce((s, v) => s + v.test.length, 0),
    },
    results: r.evaluation.results,
    baselines: r.baselines,
    subgroups: science.subgroups,
    calibration: science.calibration,
    band: science.band,
    training: r.training,
    preprocessing: r.prepared.prep.describe(),
    wallTimeSeconds: r.wallTimeSeconds,
    ...(r.comparison ? { comparison: r.comparison } : {}),
    createdAt: new Date().toISOString(),
  };
  return reportSchema.parse({ ...core, tripod: buildTripod(core, science.tripodContext) });
}

function testScoresBySequence(
  seqScores: Map<string, SequenceScores>,
  collect: (e: ScoredImage[]) => Scored,
): Record<string, Scored> {
  const out: Record<string, Scored> = {};
  for (const [seq, s] of seqScores) out[seq] = collect(s.test);
  return out;
}

/**
 * SHA-256 of a weight file; for a TensorFlow.js `model.json`, of it and then every weight shard it
 * lists, in order (the shards are the weights).
 */
export async function weightsSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  const bytes = await readFile(file);
  h.update(bytes);
  if (file.endsWith('.json')) {
    const manifest = (JSON.parse(bytes.toString('utf8')) as { weightsManifest?: Array<{ paths: string[] }> })
      .weightsManifest;
    for (const group of manifest ?? [])
      for (const p of group.paths) h.update(await readFile(join(dirname(file), p)));
  }
  return h.digest('hex');
}

/** report.json, report.html and the model directory's meta.json (thresholds and preprocessing). */
export async function writeReports(
  paths: RunPaths,
  cfg: RunConfig,
  report: Report,
  ev: Evaluation,
  prepared: PreparedInputs,
  gradcams: GradCamImage[],
): Promise<void> {
  await writeJsonAtomic(paths.report, report);
  await writeFileAtomic(
    paths.html,
    await renderHtmlReport(report, { seqScores: testScoresBySequence(ev.seqScores, ev.collect), gradcams }),
  );
  await writeModelCard(paths.model, {
    config: cfg,
    // the model card of the initial weights: which file, its bytes' hash, how inputs were prepared
    weights: cfg.weights
      ? {
          file: cfg.weights,
          sha256: await weightsSha256(cfg.weights),
          tag: cfg.inputNormalisation?.weightsTag ?? null,
          normalisation: cfg.inputNormalisation ?? null,
        }
      : null,
    sequences: cfg.sequences,
    folds: cfg.folds,
    preprocessing: prepared.prep.describe(),
    calibration: Object.fromEntries(
      [...ev.calibration].map(([name, c]) => [
        name,
        { folds: c.folds.map((f) => f.map), patient: c.patient.map },
      ]),
    ),
    band: Object.fromEntries(
      [...ev.calibration].flatMap(([name, c]) => (c.band ? [[name, c.band.band]] : [])),
    ),
    thresholds: Object.fromEntries(
      Object.entries(report.results).map(([s, r]) => [
        s,
        {
          image: (r as { image: MetricBlock }).image.threshold,
          patient: (r as { patient: MetricBlock }).patient.threshold,
        },
      ]),
    ),
  });
}
