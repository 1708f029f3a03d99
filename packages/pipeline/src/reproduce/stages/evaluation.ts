import { ensembleMean, mergeViews, poolOutOfFold } from '@op-screen/metrics';
import type { Report } from '../../report/schema.js';
import type { RunConfig } from '../../run/config.js';
import type { VertebraImage } from '../../run/data.js';
import { chooseThreshold, metricBlock, type Scored, safeAuc, toPatientLevel } from '../../run/score.js';
import {
  type FoldDone,
  imageKey,
  type ScoredImage,
  type SequenceScores,
  toScoredImages,
  unitOfImageKey,
} from '../../run/types.js';

export interface Evaluation {
  results: Report['results'];
  /** Per sequence: ensemble test scores and out-of-fold validation scores. */
  seqScores: Map<string, SequenceScores>;
  imageByKey: Map<string, VertebraImage>;
  /** Per result (T1, T2, both): the scored hold-out test images its metric blocks were computed from. */
  testByResult: Map<string, ScoredImage[]>;
  /** Labels, scores and patient groups of scored images. */
  collect(entries: ScoredImage[]): Scored;
}

/** Metric blocks (image and patient level) of test scores, thresholds from out-of-fold validation. */
function evaluateScores(
  collect: Evaluation['collect'],
  test: ScoredImage[],
  val: ScoredImage[],
  perFold: FoldDone[][],
): { image: ReturnType<typeof metricBlock>; patient: ReturnType<typeof metricBlock> } {
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
  return {
    image: metricBlock(t, chooseThreshold(v), perFoldAuc('test', 'image'), perFoldAuc('val', 'image')),
    patient: metricBlock(
      tp,
      chooseThreshold(vp),
      perFoldAuc('test', 'patient'),
      perFoldAuc('val', 'patient'),
    ),
  };
}

/**
 * Stage 6: per sequence, the fold models' ensemble on the hold-out test set with the threshold from
 * pooled out-of-fold validation; with T1 and T2, also both (per vertebra, the mean of its two scores).
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
  for (const seq of cfg.sequences) {
    const done = foldResults.get(seq) as FoldDone[];
    const test = ensembleMean(done.map((d) => toScoredImages(d.test)));
    const val = poolOutOfFold(done.map((d) => toScoredImages(d.val)));
    seqScores.set(seq, { test, val });
    testByResult.set(seq, test);
    results[seq] = evaluateScores(collect, test, val, [done]);
  }
  if (cfg.sequences.length === 2) {
    const t1 = seqScores.get('T1') as SequenceScores;
    const t2 = seqScores.get('T2') as SequenceScores;
    const bothTest = mergeViews([t1.test, t2.test], unitOfImageKey);
    testByResult.set('both', bothTest);
    results.both = evaluateScores(collect, bothTest, mergeViews([t1.val, t2.val], unitOfImageKey), [
      foldResults.get('T1') as FoldDone[],
      foldResults.get('T2') as FoldDone[],
    ]);
  }
  return { results, seqScores, imageByKey, testByResult, collect };
}
