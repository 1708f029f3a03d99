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
   * Empty for both, whose image probability is the mean of its T1 and T2 probabilities.
   */
  folds: FittedMap[];
  /** Fitted on the development patients' out-of-fold mean image probabilities. */
  patient: FittedMap;
  /** The patient-level indeterminate band, or null when the development patients hold one class. */
  band: BandResult | null;
  /** Hold-out test scores as the fold ensemble gives them (`raw`) and recalibrated. */
  raw: { image: Scored; patient: Scored };
  calibrated: { image: Scored; patient: Scored };
  /** The recalibrated image probabilities, keyed: hold-out test, and out-of-fold validation. */
  test: ScoredImage[];
  val: ScoredImage[];
}

/**
 * Image-level recalibration of one sequence: each fold model gets its own map, fitted on its own
 * validation fold. Fold models of one run can differ in level and spread (a model that barely
 * learnt gives a near-constant score at its own level), so one map fitted on the pooled
 * out-of-fold scores would treat those differences as noise, and would not fit the ensemble's mean.
 * A test image's probability is the mean of the fold models' recalibrated scores (the ensemble's
 * arithmetic); a validation image's is its own fold model's.
 */
function calibrateImages(
  collect: Evaluation['collect'],
  test: ScoredImage[],
  done: FoldDone[],
): { maps: FittedMap[]; test: ScoredImage[]; val: ScoredImage[] } {
  const maps: FittedMap[] = [];
  const val: ScoredImage[] = [];
  const sum = new Float64Array(test.length);
  const index = new Map(test.map((e, i) => [e.key, i]));
  for (const d of done) {
    const v = toScoredImages(d.val);
    const m = fitMap(collect(v));
    maps.push(m);
    const pv = applyRecalibration(
      v.map((e) => e.score),
      m.map,
    );
    v.forEach((e, i) => {
      val.push({ key: e.key, score: pv[i] as number });
    });
    const tk = toScoredImages(d.test);
    const pt = applyRecalibration(
      tk.map((e) => e.score),
      m.map,
    );
    tk.forEach((e, i) => {
      const j = index.get(e.key);
      if (j !== undefined) sum[j] = (sum[j] as number) + (pt[i] as number) / done.length;
    });
  }
  return { maps, test: test.map((e, i) => ({ key: e.key, score: sum[i] as number })), val };
}

/**
 * Metric blocks (image and patient level) of one result's recalibrated test scores, thresholds
 * chosen by Youden on its recalibrated out-of-fold validation scores; the patient-level map is
 * fitted on each development patient's mean image probability (its label: any vertebra), and the
 * band on those patients recalibrated.
 */
function evaluateScores(
  collect: Evaluation['collect'],
  raw: ScoredImage[],
  calibrated: { test: ScoredImage[]; val: ScoredImage[]; maps: FittedMap[] },
  perFold: FoldDone[][],
  targets: { sensitivity: number; specificity: number },
): { blocks: { image: MetricBlock; patient: MetricBlock }; calibration: ResultCalibration } {
  const t = collect(raw);
  const folds = perFold[0]?.length ?? 0;
  const perFoldAuc = (part: 'test' | 'val', level: 'image' | 'patient') =>
    Array.from({ length: folds }, (_, k) => {
      const merged = mergeViews(
        perFold.map((d) => toScoredImages((d[k] as FoldDone)[part])),
        unitOfImageKey,
      );
      const s = collect(merged);
      if (level === 'image') return safeAuc(s.labels, s.scores);
      const p = toPatientLevel(s);
      return safeAuc(p.labels, p.scores);
    });
  const tc = collect(calibrated.test);
  const vc = collect(calibrated.val);
  const vp = toPatientLevel(vc);
  const patient = fitMap(vp);
  const tpc = recalibrated(toPatientLevel(tc), patient.map);
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
      folds: calibrated.maps,
      patient,
      band: bandResult(vpc, tpc, targets),
      raw: { image: t, patient: toPatientLevel(t) },
      calibrated: { image: tc, patient: tpc },
      test: calibrated.test,
      val: calibrated.val,
    },
  };
}

/**
 * Stage 6: per sequence, the fold models' ensemble on the hold-out test set, recalibrated (each
 * fold model by its map from its own validation fold; patients by a map on their mean), with
 * thresholds and the indeterminate band chosen on the recalibrated out-of-fold validation scores;
 * with T1 and T2, also both (per vertebra, the mean of its two raw scores before, and of its two
 * probabilities after recalibration).
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
    const e = evaluateScores(collect, test, calibrateImages(collect, test, done), [done], targets);
    results[seq] = e.blocks;
    calibration.set(seq, e.calibration);
  }
  if (cfg.sequences.length === 2) {
    const t1 = seqScores.get('T1') as SequenceScores;
    const t2 = seqScores.get('T2') as SequenceScores;
    const bothTest = mergeViews([t1.test, t2.test], unitOfImageKey);
    testByResult.set('both', bothTest);
    // both: per vertebra, the mean of its T1 and T2 probabilities (each sequence recalibrated by
    // its own fold maps), so a run's predictions.csv holds everything both is computed from
    const c1 = calibration.get('T1') as ResultCalibration;
    const c2 = calibration.get('T2') as ResultCalibration;
    const e = evaluateScores(
      collect,
      bothTest,
      {
        test: mergeViews([c1.test, c2.test], unitOfImageKey),
        val: mergeViews([c1.val, c2.val], unitOfImageKey),
        maps: [],
      },
      [foldResults.get('T1') as FoldDone[], foldResults.get('T2') as FoldDone[]],
      targets,
    );
    results.both = e.blocks;
    calibration.set('both', e.calibration);
  }
  return { results, seqScores, imageByKey, testByResult, collect, calibration };
}
