import { applyRecalibration, ensembleMean, mergeViews, poolOutOfFold } from '@op-screen/metrics';
import type { Report } from '../../report/schema.js';
import { bandTargets, type RunConfig } from '../../run/config.js';
import type { VertebraImage } from '../../run/data.js';
import {
  chooseThreshold,
  type MetricBlock,
  metricBlock,
  type Scored,
  safeAuc,
  toPatientLevel,
} from '../../run/score.js';
import {
  type FoldDone,
  imageKey,
  type ScoredImage,
  type SequenceScores,
  toScoredImages,
  unitOfImageKey,
} from '../../run/types.js';
import { type BandResult, bandResult, type FittedMap, fitMap, recalibrated } from './recalibration.js';

export interface Evaluation {
  results: Report['results'];
  /** Per sequence: ensemble test scores and out-of-fold validation scores. */
  seqScores: Map<string, SequenceScores>;
  imageByKey: Map<string, VertebraImage>;
  /** Per result (T1, T2, both): the scored hold-out test images its metric blocks were computed from. */
  testByResult: Map<string, ScoredImage[]>;
  /** Labels, scores and patient groups of scored images. */
  collect(entries: ScoredImage[]): Scored;
  /** Per result (T1, T2, both): its recalibration maps, band and test scores before and after. */
  calibration: Map<string, ResultCalibration>;
}

/** One result's recalibration: its maps, its band and its test scores before and after. */
export interface ResultCalibration {
  /**
   * Per fold model (fold order): the image-level map fitted on that model's own validation fold.
   * An image's probability is the mean over the fold models of each model's score through its map.
   */
  folds: FittedMap[];
  /** Fitted on the development patients' out-of-fold mean image probabilities. */
  patient: FittedMap;
  /** The patient-level indeterminate band, or null when the development patients hold one class. */
  band: BandResult | null;
  /** Hold-out test scores recalibrated, at image and patient level. */
  calibrated: { image: Scored; patient: Scored };
}

/** `entries` with each score through `map`. */
function mapped(entries: ScoredImage[], map: FittedMap['map']): ScoredImage[] {
  const p = applyRecalibration(
    entries.map((e) => e.score),
    map,
  );
  return entries.map((e, i) => ({ key: e.key, score: p[i] as number }));
}

/**
 * Metric blocks (image and patient level) of recalibrated test scores, thresholds chosen by Youden
 * on the recalibrated out-of-fold validation scores.
 *
 * Each fold model gets its own image-level map, fitted on its own validation fold: fold models of
 * one run can differ in level and spread (a model that barely learnt gives a near-constant score at
 * its own level), so one map fitted on the pooled out-of-fold scores would treat those differences
 * as noise, and would not fit the ensemble's mean. A test image's probability is the mean of the
 * fold models' recalibrated scores; a validation image's is its own fold model's. The patient-level
 * map is fitted on each development patient's mean image probability (its label: any vertebra).
 */
function evaluateScores(
  collect: Evaluation['collect'],
  perFold: FoldDone[][],
  targets: { sensitivity: number; specificity: number },
): { blocks: { image: MetricBlock; patient: MetricBlock }; calibration: ResultCalibration } {
  const folds = perFold[0]?.length ?? 0;
  // fold k's images of this result (both: each vertebra's T1 and T2 scores merged, as the ensemble)
  const foldEntries = (part: 'test' | 'val') =>
    Array.from({ length: folds }, (_, k) =>
      mergeViews(
        perFold.map((d) => toScoredImages((d[k] as FoldDone)[part])),
        unitOfImageKey,
      ),
    );
  const val = foldEntries('val');
  const tests = foldEntries('test');
  const perFoldAuc = (part: ScoredImage[][], level: 'image' | 'patient') =>
    part.map((entries) => {
      const s = collect(entries);
      if (level === 'image') return safeAuc(s.labels, s.scores);
      const p = toPatientLevel(s);
      return safeAuc(p.labels, p.scores);
    });
  const maps = val.map((entries) => fitMap(collect(entries)));
  // a validation image: its own fold model's probability (the out-of-fold pool); a test image: the
  // mean of the fold models' probabilities (the ensemble's arithmetic)
  const vc = collect(poolOutOfFold(val.map((entries, k) => mapped(entries, (maps[k] as FittedMap).map))));
  const tc = collect(ensembleMean(tests.map((entries, k) => mapped(entries, (maps[k] as FittedMap).map))));
  const vp = toPatientLevel(vc);
  const patient = fitMap(vp);
  const tpc = recalibrated(toPatientLevel(tc), patient.map);
  const vpc = recalibrated(vp, patient.map);
  return {
    blocks: {
      image: metricBlock(tc, chooseThreshold(vc), perFoldAuc(tests, 'image'), perFoldAuc(val, 'image')),
      patient: metricBlock(
        tpc,
        chooseThreshold(vpc),
        perFoldAuc(tests, 'patient'),
        perFoldAuc(val, 'patient'),
      ),
    },
    calibration: {
      folds: maps,
      patient,
      band: bandResult(vpc, tpc, targets),
      calibrated: { image: tc, patient: tpc },
    },
  };
}

/**
 * Stage 6: per sequence, the fold models' ensemble on the hold-out test set, recalibrated (each
 * fold model by its map from its own validation fold; patients by a map on their mean), with
 * thresholds and the indeterminate band chosen on the recalibrated out-of-fold validation scores;
 * with T1 and T2, also both (per vertebra, the mean of its two scores per fold model).
 */
export function evaluateRun(
  cfg: RunConfig,
  images: VertebraImage[],
  foldResults: Map<string, FoldDone[]>,
): Evaluation {
  const imageByKey = new Map(images.map((im) => [imageKey(im.row), im]));
  const collect = (entries: ScoredImage[]): Scored => {
    const ims = entries.map((e) => imageByKey.get(e.key) as VertebraImage);
    return {
      labels: Uint8Array.from(ims, (im) => im.row.label),
      scores: Float64Array.from(entries, (e) => e.score),
      cases: entries.map((e) => e.key),
      patients: ims.map((im) => im.row.patientId),
    };
  };
  const results: Report['results'] = {};
  const seqScores = new Map<string, SequenceScores>();
  const testByResult = new Map<string, ScoredImage[]>();
  const calibration = new Map<string, ResultCalibration>();
  const targets = bandTargets(cfg);
  for (const seq of cfg.sequences) {
    const done = foldResults.get(seq) as FoldDone[];
    const test = ensembleMean(done.map((d) => toScoredImages(d.test)));
    const val = poolOutOfFold(done.map((d) => toScoredImages(d.val)));
    seqScores.set(seq, { test, val });
    testByResult.set(seq, test);
    const e = evaluateScores(collect, [done], targets);
    results[seq] = e.blocks;
    calibration.set(seq, e.calibration);
  }
  if (cfg.sequences.length === 2) {
    const t1 = seqScores.get('T1') as SequenceScores;
    const t2 = seqScores.get('T2') as SequenceScores;
    const bothTest = mergeViews([t1.test, t2.test], unitOfImageKey);
    testByResult.set('both', bothTest);
    const e = evaluateScores(
      collect,
      [foldResults.get('T1') as FoldDone[], foldResults.get('T2') as FoldDone[]],
      targets,
    );
    results.both = e.blocks;
    calibration.set('both', e.calibration);
  }
  return { results, seqScores, imageByKey, testByResult, collect, calibration };
}
