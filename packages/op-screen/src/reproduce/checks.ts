import { MetricsError } from '@op-screen/metrics';
import { OpScreenError } from '../errors.js';
import type { ManifestRow, ManifestSequence } from '../manifest/index.js';
import type { RunConfig } from './config.js';
import type { VertebraSplit } from './splits.js';
import { unitKey } from './types.js';

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
 * the prior): returned as a warning for the log, not refused.
 */
export function checkSplitUsable(
  images: ReadonlyArray<{ row: ManifestRow }>,
  split: VertebraSplit,
  cfg: Pick<RunConfig, 'sequences' | 'folds' | 'holdOutFraction'>,
  file: string,
): string[] {
  const warnings: string[] = [];
  const roles = new Map<string, 'test' | number>();
  split.split.test.forEach((u) => {
    roles.set((split.units[u] as { key: string }).key, 'test');
  });
  const advice = `add patients, or change the split (holdOut is ${cfg.holdOutFraction}, folds ${cfg.folds})`;
  for (const seq of cfg.sequences as ManifestSequence[]) {
    const ims = images.filter((im) => im.row.sequence === seq);
    const test = ims.filter((im) => roles.get(unitKey(im.row)) === 'test');
    const img = count(test.map((im) => im.row.label));
    const byPatient = new Map<string, 0 | 1>();
    for (const im of test)
      byPatient.set(im.row.patientId, byPatient.get(im.row.patientId) === 1 || im.row.label === 1 ? 1 : 0);
    const pat = count(byPatient.values());
    if (img.pos === 0 || img.neg === 0 || pat.pos === 0 || pat.neg === 0)
      throw new OpScreenError(
        'NOT_ENOUGH_DATA',
        `the hold-out test set of ${seq} has ${img.pos} positive and ${img.neg} negative images (${pat.pos} and ${pat.neg} patients); an AUC needs both classes. Nothing was trained: ${advice}.`,
        file,
        'holdOut',
      );
    split.split.folds.forEach((f, k) => {
      const keys = (idx: number[]) => new Set(idx.map((u) => (split.units[u] as { key: string }).key));
      const train = keys(f.train);
      const val = keys(f.val);
      const t = count(ims.filter((im) => train.has(unitKey(im.row))).map((im) => im.row.label));
      const v = ims.filter((im) => val.has(unitKey(im.row))).length;
      if (t.pos + t.neg === 0 || v === 0)
        throw new OpScreenError(
          'NOT_ENOUGH_DATA',
          `fold ${k} of ${seq} would train on ${t.pos + t.neg} images and validate on ${v}; every fold needs images to train and to validate on. Nothing was trained: ${advice}.`,
          file,
          'folds',
        );
      if (t.pos === 0 || t.neg === 0)
        warnings.push(
          `warning: fold ${k} of ${seq} trains on one class only (${t.pos} positive, ${t.neg} negative images); its model can only learn the prior`,
        );
    });
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
