import {
  auditLeakage,
  createRng,
  deriveSeed,
  type Fold,
  groupedHoldout,
  stratifiedGroupKFold,
  stratifiedKFold,
} from '@op-screen/metrics';
import type { ManifestRow } from '@op-screen/study';
import type { SyntheticPatient } from '@op-screen/synth';
import { OpScreenError } from '../errors.js';
import type { RunConfig, SplitMode } from './config.js';
import { unitKey } from './types.js';

/** One vertebra (patient + level): the unit that is split, so T1 and T2 of a vertebra always share a role. */
export interface SplitUnit {
  key: string;
  patientId: string;
  label: 0 | 1;
}

export interface StudySplit {
  mode: SplitMode;
  /** Unit indices of the hold-out test set. */
  test: number[];
  /** Per fold: unit indices used for training and validation (disjoint, together the development set). */
  folds: Array<{ train: number[]; val: number[] }>;
  /** Patients that appear in more than one of {test, validation fold 0..k-1}: 0 for patient-level splits. */
  groupsInMultipleSplits: number;
}

export const IMAGE_SPLIT_NOTE = 'image-level split: optimistic, patients shared between train and test';

/**
 * Hold-out test set plus stratified k-fold over the rest. Patient mode (default) groups every
 * split by patient (grouped stratified hold-out, StratifiedGroupKFold); image mode reproduces the
 * study's image-level split (stratified, ungrouped), which lets a patient's vertebrae land in
 * both training and test.
 */
export function splitStudy(
  units: SplitUnit[],
  mode: SplitMode,
  folds: number,
  holdOutFraction: number,
  seed: number,
): StudySplit {
  const rng = createRng(seed);
  const labels = Uint8Array.from(units, (u) => u.label);
  const groups = mode === 'patient' ? units.map((u) => u.patientId) : units.map((u) => u.key);
  const hold = groupedHoldout(labels, groups, { testFraction: holdOutFraction, rng });
  const test = Array.from(hold.test);
  const dev = Array.from(hold.train);
  const devLabels = Uint8Array.from(dev, (i) => labels[i] as number);
  const devFolds: Fold[] =
    mode === 'patient'
      ? stratifiedGroupKFold(
          devLabels,
          dev.map((i) => groups[i] as string),
          { nSplits: folds, shuffle: true, rng },
        )
      : stratifiedKFold(devLabels, { nSplits: folds, shuffle: true, rng });
  const out = devFolds.map((f) => ({
    train: Array.from(f.train, (j) => dev[j] as number),
    val: Array.from(f.test, (j) => dev[j] as number),
  }));
  return { mode, test, folds: out, groupsInMultipleSplits: countSharedPatients(units, test, out) };
}

/**
 * Leakage audit over patients (whatever the split unit): the hold-out split and every CV fold go
 * through the metrics library's audit; it counts patients found on both sides of any split.
 */
export function countSharedPatients(
  units: SplitUnit[],
  test: number[],
  folds: Array<{ train: number[]; val: number[] }>,
): number {
  const dev = folds.length
    ? [...(folds[0] as { train: number[]; val: number[] }).train, ...(folds[0] as { val: number[] }).val]
    : [];
  const all: Fold[] = [
    { train: Int32Array.from(dev), test: Int32Array.from(test) },
    ...folds.map((f) => ({ train: Int32Array.from(f.train), test: Int32Array.from(f.val) })),
  ];
  return auditLeakage(
    all,
    units.map((u) => u.patientId),
  ).leakedGroups;
}

/** The split of a run's images: vertebra units, each image's unit, and the study split over them. */
export interface VertebraSplit {
  units: SplitUnit[];
  /** Unit index by {@link unitKey}. */
  unitIndex: Map<string, number>;
  split: StudySplit;
  patientsTotal: number;
}

/**
 * Stage 4: group images into vertebrae (a vertebra is positive if any of its images is) and split
 * them: hold-out test set plus folds, patient-grouped unless `cfg.split` is 'image'.
 */
export function splitVertebrae(
  images: ReadonlyArray<{ row: ManifestRow }>,
  cfg: Pick<RunConfig, 'split' | 'folds' | 'holdOutFraction' | 'seed'>,
): VertebraSplit {
  const unitIndex = new Map<string, number>();
  const units: SplitUnit[] = [];
  for (const im of images) {
    const k = unitKey(im.row);
    const u = unitIndex.get(k);
    if (u === undefined) {
      unitIndex.set(k, units.length);
      units.push({ key: k, patientId: im.row.patientId, label: im.row.label });
    } else if (im.row.label === 1) (units[u] as SplitUnit).label = 1;
  }
  const patientsTotal = new Set(units.map((u) => u.patientId)).size;
  if (patientsTotal < cfg.folds + 2)
    throw new OpScreenError(
      'TOO_FEW_PATIENTS',
      `${patientsTotal} patients cannot fill a hold-out set and ${cfg.folds} folds; add patients (at least ${cfg.folds + 2}).`,
    );
  const split = splitStudy(units, cfg.split, cfg.folds, cfg.holdOutFraction, deriveSeed(cfg.seed, 'split'));
  return { units, unitIndex, split, patientsTotal };
}

/**
 * The split `reproduce` makes of a synthetic cohort without writing it: units from the included
 * (non-fractured) rows, T1 then T2 per patient as the manifest lists them. For measurements and
 * tests of a preset's split (scripts/synth-measure.ts, test/quick-preset.test.ts).
 */
export function splitSyntheticPatients(
  patients: readonly SyntheticPatient[],
  cfg: Pick<RunConfig, 'split' | 'folds' | 'holdOutFraction' | 'seed'>,
): VertebraSplit {
  const rows = patients.flatMap((p) =>
    ['T1', 'T2'].flatMap(() =>
      p.vertebrae
        .filter((v) => !v.fracture)
        .map((v) => ({ row: { patientId: p.id, level: v.level, label: v.tScore <= -2.5 ? 1 : 0 } })),
    ),
  ) as unknown as Array<{ row: ManifestRow }>;
  return splitVertebrae(rows, cfg);
}
