// The named steps of fineTune: restore a checkpoint, run one epoch, validate, keep the best
// weights, write the per-epoch checkpoint. Each step reads and writes one TrainState; the
// schedule (ReduceLROnPlateau, EarlyStopping, user callbacks) runs between them as a callback list.
import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { Adam } from './adam.js';
import { type checkpointPaths, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { TrainError } from './errors.js';
import type { ReplicaPool } from './pool.js';
import { mix32 } from './rng.js';
import type { TrainCallback } from './schedulers.js';

/** One batch: `x` NHWC float32 for the model's input shape, `y` 0/1 labels, `n` samples. */
export interface TrainBatch {
  x: Float32Array;
  y: Float32Array;
  n: number;
}

/** One epoch of a run, as `history` and `historyFile` hold it. */
export interface EpochRecord {
  /** 1-based epoch number, as the logs print it (`epoch 1/N` is `epoch: 1`). */
  epoch: number;
  /** Mean class-weighted training loss over the epoch. */
  loss: number;
  /** Mean unweighted validation loss (inference mode). */
  valLoss: number;
  /** Learning rate used in this epoch. */
  learningRate: number;
  /** Wall time of the epoch (training and validation). */
  seconds: number;
  /** Training images per second. */
  imagesPerSecond: number;
}

/** Everything a run carries from epoch to epoch (and through a checkpoint). */
export interface TrainState {
  nextEpoch: number;
  globalStep: number;
  learningRate: number;
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  bestWeights: Float32Array[] | undefined;
  stoppedEarly: boolean;
  resumedFromEpoch: number | undefined;
}

/** The fixed parts of a run the steps share. */
export interface TrainContext {
  model: tfl.LayersModel;
  pool: ReplicaPool;
  adam: Adam;
  vars: tf.Variable[];
  callbacks: TrainCallback[];
  paths: ReturnType<typeof checkpointPaths> | undefined;
  weightNames: string[];
  seed: number;
  batchSize: number;
  perSample: number;
  classWeights: [number, number];
  microBatch: number | undefined;
  checkpointing: boolean;
  signal: AbortSignal | undefined;
  checkpointDir: string | undefined;
}

interface CheckpointMeta {
  format: 1;
  /** 1: history and bestEpoch count epochs from 1. Absent in checkpoints that counted from 0. */
  epochBase?: 1;
  nextEpoch: number;
  globalStep: number;
  lr: number;
  seed: number;
  replicas: number;
  adamStep: number;
  /** Callback states by callback name (older checkpoints: `plateau` / `stopper` fields). */
  callbacks?: Record<string, unknown>;
  plateau?: unknown;
  stopper?: unknown;
  history: Array<EpochRecord | LegacyEpochRecord>;
  bestEpoch: number;
  bestValLoss: number;
  stoppedEarly: boolean;
  weightNames: string[];
}

/** Epoch records of checkpoints written before the field names were settled. */
interface LegacyEpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  lr: number;
  seconds: number;
  imagesPerSecond: number;
}

function normaliseRecord(r: EpochRecord | LegacyEpochRecord): EpochRecord {
  if ('loss' in r) return r;
  const { trainLoss, lr, ...rest } = r;
  return { ...rest, loss: trainLoss, learningRate: lr };
}

export function newTrainState(learningRate: number): TrainState {
  return {
    nextEpoch: 0,
    globalStep: 0,
    learningRate,
    history: [],
    bestEpoch: -1,
    bestValLoss: Number.POSITIVE_INFINITY,
    bestWeights: undefined,
    stoppedEarly: false,
    resumedFromEpoch: undefined,
  };
}

export function assignWeights(model: tfl.LayersModel, indices: number[], data: Float32Array[]): void {
  tf.tidy(() => {
    indices.forEach((wi, k) => {
      const w = model.weights[wi] as tfl.LayerVariable;
      w.write(tf.tensor(data[k] as Float32Array, w.shape as number[]));
    });
  });
}

const allIndices = (model: tfl.LayersModel) => model.weights.map((_, i) => i);

function checkBatch(b: TrainBatch, perSample: number, where: string): void {
  const ok =
    Number.isInteger(b.n) &&
    b.n > 0 &&
    b.x instanceof Float32Array &&
    b.y instanceof Float32Array &&
    b.x.length === b.n * perSample &&
    b.y.length === b.n;
  if (!ok) {
    throw new TrainError(
      'BAD_BATCH',
      `${where}: a batch must hold n > 0 samples, x: Float32Array of n * ${perSample} values (NHWC for the model input) and y: Float32Array of n labels; got n=${b.n}, x=${b.x?.length}, y=${b.y?.length}`,
    );
  }
  for (const v of b.y)
    if (v !== 0 && v !== 1) throw new TrainError('BAD_BATCH', `${where}: labels must be 0 or 1, got ${v}`);
}

/** Step "restore": continue from `last.ckpt` (weights, Adam, callbacks, counters, history). */
export async function restoreCheckpoint(ctx: TrainContext, state: TrainState): Promise<void> {
  const paths = ctx.paths;
  if (!paths || !existsSync(paths.last)) return;
  const { model } = ctx;
  const ck = await readCheckpoint<CheckpointMeta>(paths.last);
  const m = ck.meta;
  const mismatch = (why: string) =>
    new TrainError(
      'CHECKPOINT_MISMATCH',
      `checkpoint ${paths.last} does not belong to this model/run (${why}); use another checkpointDir`,
      paths.last,
    );
  if (m.weightNames.join('\n') !== ctx.weightNames.join('\n')) throw mismatch('weight names differ');
  const w = ck.arrays.get('weights') ?? [];
  w.forEach((a, i) => {
    if (
      a.length !==
      (model.weights[i] as tfl.LayerVariable).shape.reduce((x, y) => (x as number) * (y as number), 1)
    )
      throw mismatch(`weight ${ctx.weightNames[i]} has another size`);
  });
  assignWeights(model, allIndices(model), w);
  ctx.adam.restore(ctx.vars, m.adamStep, ck.arrays.get('adam.m') ?? [], ck.arrays.get('adam.v') ?? []);
  const saved = m.callbacks ?? { plateau: m.plateau, stopper: m.stopper };
  for (const cb of ctx.callbacks) {
    const s = saved[cb.name];
    if (cb.restore && s !== undefined && s !== null) cb.restore(s);
  }
  state.nextEpoch = m.nextEpoch;
  state.globalStep = m.globalStep;
  state.learningRate = m.lr;
  // checkpoints written before epochs counted from 1 are renumbered as they are read
  const shift = m.epochBase === 1 ? 0 : 1;
  state.history = m.history.map(normaliseRecord).map((r) => ({ ...r, epoch: r.epoch + shift }));
  state.bestEpoch = m.bestEpoch >= 0 ? m.bestEpoch + shift : m.bestEpoch;
  state.bestValLoss = m.bestValLoss;
  state.stoppedEarly = m.stoppedEarly;
  state.resumedFromEpoch = m.nextEpoch;
  if (state.bestEpoch >= 0) {
    if (!existsSync(paths.best))
      throw new TrainError('CHECKPOINT_CORRUPT', `best weights ${paths.best} are missing`, paths.best);
    state.bestWeights = (await readCheckpoint<unknown>(paths.best)).arrays.get('weights');
  }
  ctx.pool.broadcast(allIndices(model));
}

/**
 * Stops the run (before the next checkpoint, so the last good one stays) when a summed gradient
 * or an updated weight holds NaN or Inf.
 */
function checkFinite(
  ctx: TrainContext,
  arrays: Float32Array[],
  what: 'gradient' | 'weight',
  epoch: number,
  step: number,
): void {
  const trainable = ctx.pool.plan.trainable;
  for (let k = 0; k < arrays.length; k++) {
    const a = arrays[k] as Float32Array;
    let bad = 0;
    for (let t = 0; t < a.length; t++) if (!Number.isFinite(a[t] as number)) bad++;
    if (bad > 0) {
      const name = ctx.weightNames[trainable[k] as number] ?? `#${k}`;
      throw new TrainError(
        'NON_FINITE_GRADIENT',
        `${bad} non-finite ${what} values in ${name} at epoch ${epoch}, step ${step}; the run stopped before applying ${what === 'gradient' ? 'them' : 'another update'} and the last checkpoint was kept; check the inputs (constant or NaN crops) or lower learningRate`,
        ctx.checkpointDir,
      );
    }
  }
}

/** Step "run one epoch" (`epoch`: the 0-based index; messages print it 1-based): every training batch through the replicas and Adam. */
export async function runEpoch(
  ctx: TrainContext,
  state: TrainState,
  batches: AsyncIterable<TrainBatch> | Iterable<TrainBatch>,
  epoch: number,
  epochLr: number,
  onBatch: (images: number, lossSum: number) => void,
): Promise<{ lossSum: number; images: number }> {
  const { pool } = ctx;
  const plan = pool.plan;
  let lossSum = 0;
  let images = 0;
  for await (const b of batches) {
    checkBatch(b, ctx.perSample, `train batch of epoch ${epoch + 1}`);
    if (b.n > ctx.batchSize)
      throw new TrainError(
        'BAD_BATCH',
        `a training batch holds ${b.n} samples, more than batchSize ${ctx.batchSize}`,
      );
    const step = state.globalStep;
    const r = await pool.step(
      b.x,
      b.y,
      b.n,
      ctx.classWeights,
      (k) => mix32(ctx.seed, step, k),
      ctx.microBatch,
      ctx.checkpointing,
    );
    if (!Number.isFinite(r.lossSum))
      throw new TrainError(
        'NON_FINITE_LOSS',
        `training loss became ${r.lossSum} at epoch ${epoch + 1}, step ${step}; lower learningRate or check the inputs for NaN`,
      );
    checkFinite(ctx, r.grads, 'gradient', epoch + 1, step);
    ctx.adam.apply(ctx.vars, r.grads, epochLr);
    checkFinite(
      ctx,
      ctx.vars.map((v) => v.dataSync() as Float32Array),
      'weight',
      epoch + 1,
      step,
    );
    if (pool.replicas > 1) assignWeights(ctx.model, plan.state, r.state);
    pool.broadcast([...plan.trainable, ...plan.state]);
    state.globalStep++;
    lossSum += r.lossSum;
    images += b.n;
    onBatch(images, lossSum);
    if (ctx.signal?.aborted)
      throw new TrainError(
        'ABORTED',
        `training aborted in epoch ${epoch + 1}; resume from ${ctx.checkpointDir ?? 'a checkpointDir next time'}`,
      );
  }
  if (images === 0) throw new TrainError('EMPTY_DATA', `data.train(${epoch}) yielded no batches`);
  return { lossSum, images };
}

/** Step "validate": mean unweighted loss over the validation batches, in inference mode. */
export async function validate(
  ctx: TrainContext,
  batches: AsyncIterable<TrainBatch> | Iterable<TrainBatch>,
): Promise<number> {
  let valSum = 0;
  let valN = 0;
  for await (const b of batches) {
    checkBatch(b, ctx.perSample, 'validation batch');
    valSum += (await ctx.pool.evaluate(b.x, b.y, b.n)).lossSum;
    valN += b.n;
  }
  if (valN === 0) throw new TrainError('EMPTY_DATA', 'data.validation() yielded no batches');
  return valSum / valN;
}

/** Keeps (and writes `best.ckpt` for) the weights of the lowest validation loss so far. */
export async function keepBest(ctx: TrainContext, state: TrainState, record: EpochRecord): Promise<void> {
  if (!(record.valLoss < state.bestValLoss)) return;
  state.bestValLoss = record.valLoss;
  state.bestEpoch = record.epoch;
  state.bestWeights = ctx.pool.readWeights(allIndices(ctx.model));
  if (ctx.paths) {
    await writeCheckpoint(ctx.paths.best, { epoch: record.epoch, valLoss: record.valLoss }, [
      {
        section: 'weights',
        names: ctx.weightNames,
        shapes: ctx.model.weights.map((w) => w.shape as number[]),
        data: state.bestWeights,
      },
    ]);
  }
}

/** Runs the callback list in order; returns whether one asked to stop. */
export function runCallbacks(ctx: TrainContext, state: TrainState, record: EpochRecord): boolean {
  let stop = false;
  for (const cb of ctx.callbacks) {
    const action = cb.onEpochEnd({
      epoch: record.epoch,
      loss: record.loss,
      valLoss: record.valLoss,
      learningRate: state.learningRate,
    });
    if (action?.learningRate !== undefined) state.learningRate = action.learningRate;
    if (action?.stop) stop = true;
  }
  return stop;
}

/** Step "checkpoint": `last.ckpt` with everything a resumed run needs to continue bit for bit. */
export async function writeLastCheckpoint(ctx: TrainContext, state: TrainState): Promise<void> {
  if (!ctx.paths) return;
  const { model, pool, adam, weightNames } = ctx;
  const plan = pool.plan;
  const moments = adam.moments();
  const callbacks: Record<string, unknown> = {};
  for (const cb of ctx.callbacks) if (cb.state) callbacks[cb.name] = cb.state();
  const meta: CheckpointMeta = {
    format: 1,
    epochBase: 1,
    nextEpoch: state.nextEpoch,
    globalStep: state.globalStep,
    lr: state.learningRate,
    seed: ctx.seed,
    replicas: pool.replicas,
    adamStep: adam.step,
    callbacks,
    history: state.history,
    bestEpoch: state.bestEpoch,
    bestValLoss: state.bestValLoss,
    stoppedEarly: state.stoppedEarly,
    weightNames,
  };
  const tShapes = plan.trainable.map((i) => model.weights[i]?.shape as number[]);
  const tNames = plan.trainable.map((i) => weightNames[i] as string);
  await writeCheckpoint(ctx.paths.last, meta, [
    {
      section: 'weights',
      names: weightNames,
      shapes: model.weights.map((w) => w.shape as number[]),
      data: pool.readWeights(allIndices(model)),
    },
    { section: 'adam.m', names: tNames, shapes: tShapes, data: moments.m },
    { section: 'adam.v', names: tNames, shapes: tShapes, data: moments.v },
  ]);
}
