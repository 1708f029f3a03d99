import { MetricsError } from '@op-screen/metrics';
import type { ManifestRow } from '@op-screen/study';
import { OpScreenError } from '../errors.js';
import type { RunConfig } from '../run/config.js';
import type { VertebraImage } from '../run/data.js';
import type { VertebraSplit } from '../run/splits.js';
import { foldImages } from './stages/training.js';

// What `reproduce` checks before it trains anything, so that a run that cannot produce a result
// fails in seconds, not after every fold has trained. Messages name no CLI flag: `option` names
// the API option (the CLI turns it into its flag); the advice test keeps both honest.

/**
 * Every sequence the run asks for must have manifest rows: a T2-only manifest under the default
 * `both` is refused (naming the sequences it has), before the run directory is created.
 */
export function checkSequencesPresent(
  rows: readonly Pick<ManifestRow, 'sequence'>[],
  cfg: Pick<RunConfig, 'sequences'>,
  file: string,
  stage: 'manifest' | 'images' = 'manifest',
): void {
  const present = [...new Set(rows.map((r) => r.sequence))].sort();
  const missing = cfg.sequences.filter((s) => !present.includes(s));
  if (missing.length === 0 || present.length === 0) return;
  const what = stage === 'manifest' ? 'has no rows' : 'has no usable images (see skipped.csv)';
  throw new OpScreenError(
    stage === 'manifest' ? 'BAD_OPTION' : 'NOT_ENOUGH_DATA',
    `the manifest ${what} of ${missing.join(' or ')}, which the run would train; run the sequence it has: ${present.join(' or ')}.`,
    file,
    'sequence',
  );
}

function count(labels: Iterable<0 | 1>): { pos: number; neg: number } {
  let pos = 0;
  let neg = 0;
  for (const l of labels) l === 1 ? pos++ : neg++;
  return { pos, neg };
}

/**
 * The split can give every result: for each sequence, the hold-out test set has positive and
 * negative images and patients (else its AUC cannot be computed), and every fold has images to
 * train and to validate on. A fold that trains on one class only still gives a model (it learns
 * the prior): returned as a warning for the log, not refused. The images of each part are those
 * training will take (`foldImages`).
 */
export function checkSplitUsable(
  images: VertebraImage[],
  split: VertebraSplit,
  cfg: Pick<RunConfig, 'sequences' | 'folds' | 'holdOutFraction'>,
  file: string,
): string[] {
  const warnings: string[] = [];
  const labels = (idx: number[]) => count(idx.map((i) => (images[i] as VertebraImage).row.label));
  const advice = `add patients, or change the split (holdOut is ${cfg.holdOutFraction}, folds ${cfg.folds})`;
  for (const seq of cfg.sequences) {
    const test = foldImages({ images, split }, seq, 0).test;
    const img = labels(test);
    const byPatient = new Map<string, 0 | 1>();
    for (const i of test) {
      const row = (images[i] as VertebraImage).row;
      byPatient.set(row.patientId, byPatient.get(row.patientId) === 1 || row.label === 1 ? 1 : 0);
    }
    const pat = count(byPatient.values());
    if (img.pos === 0 || img.neg === 0 || pat.pos === 0 || pat.neg === 0)
      throw new OpScreenError(
        'NOT_ENOUGH_DATA',
        `the hold-out test set of ${seq} has ${img.pos} positive and ${img.neg} negative images (${pat.pos} and ${pat.neg} patients); an AUC needs both classes. Nothing was trained: ${advice}.`,
        file,
        'holdOut',
      );
    for (let k = 0; k < split.split.folds.length; k++) {
      const f = foldImages({ images, split }, seq, k);
      const t = labels(f.train);
      if (f.train.length === 0 || f.val.length === 0)
        throw new OpScreenError(
          'NOT_ENOUGH_DATA',
          `fold ${k} of ${seq} would train on ${f.train.length} images and validate on ${f.val.length}; every fold needs images to train and to validate on. Nothing was trained: ${advice}.`,
          file,
          'folds',
        );
      if (t.pos === 0 || t.neg === 0)
        warnings.push(
          `warning: fold ${k} of ${seq} trains on one class only (${t.pos} positive, ${t.neg} negative images); its model can only learn the prior`,
        );
    }
  }
  return warnings;
}

/** The split, with a too-small development set reported as `NOT_ENOUGH_DATA` naming `folds`. */
export function splitOrExplain<T>(make: () => T, file: string): T {
  try {
    return make();
  } catch (err) {
    if (err instanceof MetricsError && err.code === 'TOO_FEW_GROUPS')
      throw new OpScreenError(
        'NOT_ENOUGH_DATA',
        `${err.message.replace(/^[^:]*: /, '')}; nothing was trained.`,
        file,
        'folds',
      );
    throw err;
  }
}
