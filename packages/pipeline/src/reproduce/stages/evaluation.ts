import { ensembleMean, mergeViews, poolOutOfFold } from '@op-screen/metrics';
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
  /** Fitted on the development folds' out-of-fold validation scores: image and patient level. */
  image: FittedMap;
  patient: FittedMap;
  /** The patient-level indeterminate band, or null when the development patients hold one class. */
  band: BandResult | null;
  /** Hold-out test scores as the fold ensemble gives them (`raw`) and recalibrated. */
  raw: { image: Scored; patient: Scored };
  calibrated: { image: Scored; patient: Scored };
}

/**
 * Metric blocks (image and patient level) of recalibrated test scores, thresholds chosen by Youden
 * on the recalibrated out-of-fold validation scores; the maps are fitted on those validation
 * scores (image level on images, patient level on each patient's mean image score).
 */
function evaluateScores(
  collect: Evaluation['collect'],
  test: ScoredImage[],
  val: ScoredImage[],
  perFold: FoldDone[][],
  targets: { sensitivity: number; specificity: number },
): { blocks: { image: MetricBlock; patient: MetricBlock }; calibration: ResultCalibration } {
  const t = collect(test);
  const v = collect(val);
  const perFoldAuc = (part: 'test' | 'val', level: 'image' | 'patient') =>
    perFold[0]?.map((_, k) => {
      const merged = mergeViews(
        perFold.map((d) => toScoredImages((d[k] as FoldDone)[part])),
        unitOfImageKey,
      );
      const s = collect(merged);
      if (level === 'image') return safeAuc(s.labels, s.scores);
      const p = toPatientLevel(s);
      return safeAuc(p.labels, p.scores);
    }) ?? [];
  const tp = toPatientLevel(t);
  const vp = toPatientLevel(v);
  const image = fitMap(v);
  const patient = fitMap(vp);
  const tc = recalibrated(t, image.map);
  const vc = recalibrated(v, image.map);
  const tpc = recalibrated(tp, patient.map);
  const vpc = recalibrated(vp, patient.map);
  return {
    blocks: {
      image: metricBlock(tc, chooseThreshold(vc), perFoldAuc('test', 'image'), perFoldAuc('val', 'image')),
      patient: metricBlock(
        tpc,
        chooseThreshold(vpc),
        perFoldAuc('test', 'patient'),
        perFoldAuc('val', 'patient'),
      ),
    },
    calibration: {
      image,
      patient,
      band: bandResult(vpc, tpc, targets),
      raw: { image: t, patient: tp },
      calibrated: { image: tc, patient: tpc },
    },
  };
}

/**
 * Stage 6: per sequence, the fold models' ensemble on the hold-out test set, recalibrated by maps
 * fitted on the pooled out-of-fold validation scores, with thresholds and the indeterminate band
 * chosen on the recalibrated validation scores; with T1 and T2, also both (per vertebra, the mean
 * of its two raw scores, recalibrated by its own maps).
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
    const e = evaluateScores(collect, test, val, [done], targets);
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
      bothTest,
      mergeViews([t1.val, t2.val], unitOfImageKey),
      [foldResults.get('T1') as FoldDone[], foldResults.get('T2') as FoldDone[]],
      targets,
    );
    results.both = e.blocks;
    calibration.set('both', e.calibration);
  }
  return { results, seqScores, imageByKey, testByResult, collect, calibration };
}
