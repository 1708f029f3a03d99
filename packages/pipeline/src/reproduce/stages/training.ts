import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, deriveSeed, shuffleInPlace } from '@op-screen/metrics';
import { type RunPaths, readJson, writeJsonAtomic } from '@op-screen/study';
import { batchesOf } from '@op-screen/train';
import { OpScreenError } from '../../errors.js';
import type { Report } from '../../report/schema.js';
import type { RunConfig } from '../../run/config.js';
import type { VertebraImage } from '../../run/data.js';
import type { EpochRecord, FineTuneData } from '../../run/engine.js';
import type { VertebraSplit } from '../../run/splits.js';
import { type FoldDone, imageKey, type ReproduceDeps, unitKey } from '../../run/types.js';
import type { PreparedInputs } from './preprocessing.js';

/** What every fold of a run trains on. */
export interface TrainingInputs {
  cfg: RunConfig;
  deps: ReproduceDeps;
  paths: RunPaths;
  resumed: boolean;
  images: VertebraImage[];
  prepared: PreparedInputs;
  split: VertebraSplit;
  log: (line: string) => void;
  /** Called after each epoch and fold (the run's wall-time bookkeeping). */
  onProgress: () => void;
  /** Called after each epoch of a fold, after its checkpoint is written; may throw to stop there. */
  onEpoch?: (seq: string, fold: number, e: EpochRecord) => void;
  /** Trains the given folds elsewhere (queue workers) and resolves when their markers are written. */
  remote?: (pending: PendingFold[]) => Promise<void>;
}

export interface TrainingOutcome {
  /** Per sequence, the finished folds in fold order. */
  foldResults: Map<string, FoldDone[]>;
  training: Report['training'];
}

/** Image indices of one sequence, by split role. */
interface FoldImages {
  train: number[];
  val: number[];
  test: number[];
}

function foldData(t: TrainingInputs, idx: FoldImages, foldSeed: number): FineTuneData {
  const { cfg, prepared } = t;
  const { inputs, labels, prep } = prepared;
  return {
    train: (epoch: number) => {
      const rng = createRng(deriveSeed(foldSeed, `epoch-${epoch}`));
      const order = idx.train.slice();
      shuffleInPlace(order, rng);
      return batchesOf(inputs, {
        indices: order,
        labels,
        batchSize: cfg.batchSize,
        ...(cfg.augmentation ? { transform: prep.augmenter(deriveSeed(foldSeed, `augment-${epoch}`)) } : {}),
      });
    },
    validation: () => batchesOf(inputs, { indices: idx.val, labels, batchSize: cfg.batchSize }),
  };
}

/** Trains, scores, saves and marks one fold of one sequence. */
async function trainFold(t: TrainingInputs, seq: string, k: number, idx: FoldImages): Promise<FoldDone> {
  const { cfg, deps, paths, prepared, images } = t;
  const foldSeed = deriveSeed(cfg.seed, `${seq}-fold-${k}`);
  const model = await deps.engine.createModel(cfg, foldSeed);
  t.log(
    `${seq} fold ${k} (of ${cfg.folds}): training on ${idx.train.length} images, validating on ${idx.val.length}`,
  );
  const fit = await deps.engine.fineTune(model, foldData(t, idx, foldSeed), cfg, {
    checkpointDir: paths.foldDir(seq, k),
    resume: t.resumed,
    historyFile: `${paths.foldDir(seq, k)}/history.jsonl`,
    seed: foldSeed,
    progressLabel: `${seq} fold ${k} (of ${cfg.folds})`,
    onEpoch: (e) => {
      t.onProgress();
      t.onEpoch?.(seq, k, e);
    },
  });
  const score = async (list: number[]) =>
    Array.from(
      await deps.engine.predict(
        model,
        batchesOf(prepared.inputs, {
          indices: list,
          labels: prepared.labels,
          batchSize: Math.max(cfg.batchSize, 32),
        }),
        cfg,
      ),
    );
  const keys = (list: number[]) => list.map((i) => imageKey((images[i] as VertebraImage).row));
  const result: FoldDone = {
    fold: k,
    val: { keys: keys(idx.val), scores: await score(idx.val) },
    test: { keys: keys(idx.test), scores: await score(idx.test) },
    train: cfg.predictTrain
      ? { keys: keys(idx.train), scores: await score(idx.train) }
      : { keys: [], scores: [] },
    fit,
  };
  await deps.engine.save(model, paths.foldModel(seq, k));
  deps.engine.dispose(model);
  await writeJsonAtomic(paths.foldDone(seq, k), result);
  t.onProgress();
  // The fold is complete and its model saved: the trainer's per-epoch checkpoints (weights +
  // optimizer state, ~4x the model) are no longer needed for --resume.
  for (const f of await readdir(paths.foldDir(seq, k)))
    if (f.endsWith('.ckpt')) await rm(join(paths.foldDir(seq, k), f), { force: true });
  return result;
}

/** A fold no marker file marks complete yet (the unit of work of a queue job). */
export interface PendingFold {
  sequence: string;
  fold: number;
  /** Architecture, when the run compares several (else the run's `arch`). */
  arch?: string;
}

/** Image indices of one fold of one sequence (training, validation, the shared hold-out test set). */
export function foldImages(t: Pick<TrainingInputs, 'images' | 'split'>, seq: string, k: number): FoldImages {
  const { images, split } = t;
  const seqIdx = images.map((im, i) => (im.row.sequence === seq ? i : -1)).filter((i) => i >= 0);
  const byUnit = (unitList: number[]) => {
    const set = new Set(unitList);
    return seqIdx.filter((i) =>
      set.has(split.unitIndex.get(unitKey((images[i] as VertebraImage).row)) as number),
    );
  };
  const fold = split.split.folds[k] as { train: number[]; val: number[] };
  return { train: byUnit(fold.train), val: byUnit(fold.val), test: byUnit(split.split.test) };
}

/** Trains one fold (a queue worker's job); resumes from the fold's last per-epoch checkpoint when `t.resumed`. */
export async function trainOneFold(t: TrainingInputs, seq: string, k: number): Promise<FoldDone> {
  return trainFold(t, seq, k, foldImages(t, seq, k));
}

/**
 * Stage 5: every fold of every sequence; finished folds (marker file present) are not trained
 * again. With `t.remote` (a queue coordinator) the missing folds are handed to it and their
 * markers read when it returns.
 */
export async function trainSequences(t: TrainingInputs): Promise<TrainingOutcome> {
  const { cfg, split } = t;
  const training: Report['training'] = {};
  const foldResults = new Map<string, FoldDone[]>();
  if (t.remote) {
    const pending: PendingFold[] = [];
    for (const sequence of cfg.sequences)
      for (let fold = 0; fold < split.split.folds.length; fold++)
        if (!existsSync(t.paths.foldDone(sequence, fold))) pending.push({ sequence, fold });
    if (pending.length > 0) await t.remote(pending);
  }
  for (const seq of cfg.sequences) {
    const done: FoldDone[] = [];
    for (let k = 0; k < split.split.folds.length; k++) {
      const markerPath = t.paths.foldDone(seq, k);
      const previous = await readJson<FoldDone>(markerPath);
      if (previous) {
        t.log(`${seq} fold ${k} (of ${cfg.folds}): complete (resumed from ${markerPath})`);
        done.push(previous);
        continue;
      }
      if (t.remote)
        throw new OpScreenError(
          'QUEUE_JOB_FAILED',
          `the queue reported ${seq} fold ${k} finished but ${markerPath} is missing; is the run directory on a file system the workers share?`,
          markerPath,
        );
      done.push(await trainFold(t, seq, k, foldImages(t, seq, k)));
    }
    foldResults.set(seq, done);
    training[seq] = done.map((d) => ({
      fold: d.fold,
      epochs: d.fit.history.length,
      bestEpoch: d.fit.bestEpoch,
      stoppedEarly: d.fit.stoppedEarly,
      history: d.fit.history,
    }));
  }
  return { foldResults, training };
}
