import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createRng, type Rng } from '@op-screen/metrics';
import type { Report } from '../../report/schema.js';
import { type RunPaths, readJson, writeJsonAtomic } from '../../run/rundir.js';
import { deriveSeed } from '../../synth/rng.js';
import type { RunConfig } from '../config.js';
import type { VertebraImage } from '../data.js';
import type { FineTuneData, TrainBatch } from '../engine.js';
import type { VertebraSplit } from '../splits.js';
import { type FoldDone, imageKey, type ReproduceDeps, unitKey } from '../types.js';
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
}

export interface TrainingOutcome {
  /** Per sequence, the finished folds in fold order. */
  foldResults: Map<string, FoldDone[]>;
  training: Report['training'];
}

/** Batches of `indices` in order (inputs optionally transformed, e.g. augmented). */
export async function* batchesOf(
  indices: number[],
  inputs: Float32Array[],
  labels: Float32Array,
  batchSize: number,
  perImage: number,
  transform?: (x: Float32Array) => Float32Array,
): AsyncGenerator<TrainBatch> {
  for (let s = 0; s < indices.length; s += batchSize) {
    const idx = indices.slice(s, s + batchSize);
    const x = new Float32Array(idx.length * perImage);
    const y = new Float32Array(idx.length);
    idx.forEach((i, j) => {
      const xi = inputs[i] as Float32Array;
      x.set(transform ? transform(xi) : xi, j * perImage);
      y[j] = labels[i] as number;
    });
    yield { x, y, n: idx.length };
  }
}

/** Fisher-Yates with the given uniform [0, 1) stream. */
export function shuffled(indices: number[], rng: Rng): number[] {
  const a = indices.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}

/** Image indices of one sequence, by split role. */
interface FoldImages {
  train: number[];
  val: number[];
  test: number[];
}

function foldData(t: TrainingInputs, idx: FoldImages, foldSeed: number): FineTuneData {
  const { cfg, prepared } = t;
  const { inputs, labels, perImage, prep } = prepared;
  return {
    train: (epoch: number) => {
      const rng = createRng(deriveSeed(foldSeed, `epoch-${epoch}`));
      const order = shuffled(idx.train, rng);
      return batchesOf(
        order,
        inputs,
        labels,
        cfg.batchSize,
        perImage,
        cfg.augmentation ? prep.augmenter(deriveSeed(foldSeed, `augment-${epoch}`)) : undefined,
      );
    },
    validation: () => batchesOf(idx.val, inputs, labels, cfg.batchSize, perImage),
  };
}

/** Trains, scores, saves and marks one fold of one sequence. */
async function trainFold(t: TrainingInputs, seq: string, k: number, idx: FoldImages): Promise<FoldDone> {
  const { cfg, deps, paths, prepared, images } = t;
  const foldSeed = deriveSeed(cfg.seed, `${seq}-fold-${k}`);
  const model = await deps.engine.createModel(cfg, foldSeed);
  t.log(
    `${seq} fold ${k + 1}/${cfg.folds}: training on ${idx.train.length} images, validating on ${idx.val.length}`,
  );
  const fit = await deps.engine.fineTune(model, foldData(t, idx, foldSeed), cfg, {
    checkpointDir: paths.foldDir(seq, k),
    resume: t.resumed,
    historyFile: `${paths.foldDir(seq, k)}/history.jsonl`,
    seed: foldSeed,
    progressLabel: `${seq} fold ${k + 1}/${cfg.folds}`,
    onEpoch: () => t.onProgress(),
  });
  const score = async (list: number[]) =>
    Array.from(
      await deps.engine.predict(
        model,
        batchesOf(list, prepared.inputs, prepared.labels, Math.max(cfg.batchSize, 32), prepared.perImage),
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

/** Stage 5: every fold of every sequence; finished folds (marker file present) are not trained again. */
export async function trainSequences(t: TrainingInputs): Promise<TrainingOutcome> {
  const { cfg, images, split } = t;
  const training: Report['training'] = {};
  const foldResults = new Map<string, FoldDone[]>();
  for (const seq of cfg.sequences) {
    const seqIdx = images.map((im, i) => (im.row.sequence === seq ? i : -1)).filter((i) => i >= 0);
    const byUnit = (unitList: number[]) => {
      const set = new Set(unitList);
      return seqIdx.filter((i) =>
        set.has(split.unitIndex.get(unitKey((images[i] as VertebraImage).row)) as number),
      );
    };
    const test = byUnit(split.split.test);
    const done: FoldDone[] = [];
    for (let k = 0; k < split.split.folds.length; k++) {
      const fold = split.split.folds[k] as { train: number[]; val: number[] };
      const markerPath = t.paths.foldDone(seq, k);
      const previous = await readJson<FoldDone>(markerPath);
      if (previous) {
        t.log(`${seq} fold ${k + 1}/${cfg.folds}: complete (resumed from ${markerPath})`);
        done.push(previous);
        continue;
      }
      done.push(await trainFold(t, seq, k, { train: byUnit(fold.train), val: byUnit(fold.val), test }));
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
