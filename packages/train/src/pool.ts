// Data parallelism over worker_threads. Node's wasm backend computes on one thread, so each
// extra core gets a worker holding a replica of the model (rebuilt from model.toJSON() by the
// package's own worker entry, worker.ts, after importing the caller's `replicaModules`, which
// register any custom layers the model uses). The
// main thread computes shard 0 itself; shards are contiguous slices of the batch and their
// gradients are added in shard order, so a run is reproducible for a given number of replicas.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { registerWasmKernels } from '@op-screen/wasm-kernels';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TrainError } from './errors.js';
import { type Msg, type Reply, WORKER_FLAG } from './messages.js';
import {
  computeShard,
  evaluateShard,
  type HeadKind,
  headKind,
  type ShardRequest,
  type ShardResult,
  type WeightPlan,
  weightPlan,
} from './replica.js';

function thisModuleUrl(): string {
  return import.meta.url;
}

/**
 * The file a worker thread loads: this package's built worker entry (dist/worker.js beside the
 * running bundle; from sources, as in this package's tests, ../dist/worker.js).
 */
export function defaultWorkerEntry(): string {
  const here = fileURLToPath(thisModuleUrl());
  const dir = dirname(here);
  const dist = /\.(c|m)?js$/.test(here) ? join(dir, 'worker.js') : join(dir, '..', 'dist', 'worker.js');
  if (!existsSync(dist)) {
    throw new TrainError(
      'WORKER_FAILED',
      `training workers load the built worker entry (${dist}), which is missing; build @op-screen/train or use workers: 1`,
    );
  }
  return dist;
}

/** How a pool starts its worker replicas. */
export interface ReplicaOptions {
  /** The worker entry file (default: this package's built `dist/worker.js`). */
  workerEntry?: string;
  /**
   * Modules (absolute paths, file URLs or package names resolvable from @op-screen/train) each
   * worker imports before it rebuilds the model: whatever registers the model's custom layers,
   * e.g. `zooLayersModule()` from @op-screen/efficientnet. Not needed with `workers: 1`.
   */
  replicaModules?: readonly string[];
}

class ReplicaWorker {
  private readonly worker: Worker;
  private pending: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  private failure: Error | undefined;

  constructor(entry: string) {
    this.worker = new Worker(entry, { workerData: { [WORKER_FLAG]: true } });
    this.worker.on('message', (r: Reply) => {
      const p = this.pending.shift();
      if (!p) return;
      if (r.type === 'error')
        p.reject(new TrainError('WORKER_FAILED', `training worker failed: ${r.message}`));
      else p.resolve(r);
    });
    const fail = (e: Error) => {
      this.failure = new TrainError('WORKER_FAILED', `training worker stopped: ${e.message}`);
      for (const p of this.pending.splice(0)) p.reject(this.failure);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`exit code ${code}`));
    });
  }

  request(msg: Msg, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage(msg, transfer);
    });
  }

  send(msg: Msg): void {
    this.worker.postMessage(msg);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Splits n samples into `parts` contiguous shards as evenly as possible (earlier shards larger). */
export function shardSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  const extra = n % parts;
  return Array.from({ length: parts }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * A model plus `replicas - 1` worker replicas. `step` computes summed gradients of a batch,
 * `evaluate` runs inference; both split the batch into contiguous shards.
 */
export class ReplicaPool {
  readonly model: tfl.LayersModel;
  readonly plan: WeightPlan;
  readonly head: HeadKind;
  readonly replicas: number;
  private workers: ReplicaWorker[] = [];

  private constructor(model: tfl.LayersModel, replicas: number) {
    this.model = model;
    this.plan = weightPlan(model);
    this.head = headKind(model);
    this.replicas = replicas;
  }

  static async create(
    model: tfl.LayersModel,
    replicas: number,
    options: ReplicaOptions = {},
  ): Promise<ReplicaPool> {
    if (tf.getBackend() === 'wasm') registerWasmKernels();
    const pool = new ReplicaPool(model, Math.max(1, Math.floor(replicas)));
    if (pool.replicas > 1) {
      const backend = tf.getBackend();
      if (backend !== 'wasm' && backend !== 'cpu') {
        throw new TrainError(
          'INVALID_OPTION',
          `workers > 1 needs the wasm or cpu backend (in use: ${backend}, which already uses every core); set workers: 1`,
        );
      }
      const entry = options.workerEntry ?? defaultWorkerEntry();
      const modules = [...(options.replicaModules ?? [])];
      const topology = JSON.stringify(model.toJSON(null, false));
      const weights = await pool.readWeights(model.weights.map((_, i) => i));
      const trainableNames = pool.plan.trainable.map((i) => model.weights[i]?.originalName as string);
      pool.workers = Array.from({ length: pool.replicas - 1 }, () => new ReplicaWorker(entry));
      try {
        await Promise.all(
          pool.workers.map((w) =>
            w.request({ type: 'init', backend, modules, topology, weights, trainableNames }),
          ),
        );
      } catch (e) {
        await pool.close();
        throw e;
      }
    }
    return pool;
  }

  /** Copies of these weights' values, read with `await data()` (webgpu has no sync read in Node). */
  async readWeights(indices: number[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const i of indices)
      out.push(((await (this.model.weights[i] as tfl.LayerVariable).read().data()) as Float32Array).slice());
    return out;
  }

  /** Sends the main model's current values of these weights to every worker. */
  async broadcast(indices: number[]): Promise<void> {
    if (this.workers.length === 0 || indices.length === 0) return;
    const data = await this.readWeights(indices);
    for (const w of this.workers) w.send({ type: 'weights', indices, data });
  }

  /** Gradients of the mean weighted loss over the batch, summed over shards in shard order. */
  async step(
    x: Float32Array,
    y: Float32Array,
    n: number,
    classWeights: [number, number],
    seedOf: (shard: number) => number,
    microBatch?: number,
    gradientCheckpointing = false,
  ): Promise<{ lossSum: number; grads: Float32Array[]; state: Float32Array[] }> {
    const sizes = shardSizes(n, Math.min(this.replicas, n));
    const per = x.length / n;
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const req = (k: number): ShardRequest => ({
      x: x.subarray((starts[k] as number) * per, ((starts[k] as number) + (sizes[k] as number)) * per),
      y: y.subarray(starts[k] as number, (starts[k] as number) + (sizes[k] as number)),
      n: sizes[k] as number,
      nTotal: n,
      classWeights,
      seed: seedOf(k),
      ...(microBatch !== undefined ? { microBatch } : {}),
      gradientCheckpointing,
    });
    const remote = sizes.slice(1).map((_, j) => {
      const r = req(j + 1);
      return (this.workers[j] as ReplicaWorker).request({
        type: 'step',
        req: { ...r, x: r.x.slice(), y: r.y.slice() },
      });
    });
    const local = await computeShard(this.model, this.plan, this.head, req(0));
    const results: ShardResult[] = [local];
    for (const r of await Promise.all(remote)) results.push((r as { result: ShardResult }).result);
    if (results.length === 1) return local;
    const grads = local.grads.map((g) => Float32Array.from(g));
    let lossSum = local.lossSum;
    for (const r of results.slice(1)) {
      lossSum += r.lossSum;
      r.grads.forEach((g, i) => {
        const acc = grads[i] as Float32Array;
        for (let t = 0; t < acc.length; t++) acc[t] = (acc[t] as number) + (g[t] as number);
      });
    }
    // BatchNorm running statistics: the mean of the replicas' updates, in shard order.
    const state = local.state.map((s, i) => {
      const acc = new Float64Array(s);
      for (const r of results.slice(1)) {
        const o = r.state[i] as Float32Array;
        for (let t = 0; t < acc.length; t++) acc[t] = (acc[t] as number) + (o[t] as number);
      }
      return Float32Array.from(acc, (v) => v / results.length);
    });
    return { lossSum, grads, state };
  }

  /** Inference over one batch: probabilities of class 1 and (with labels) the loss sum. */
  async evaluate(
    x: Float32Array,
    y: Float32Array | undefined,
    n: number,
  ): Promise<{ probs: Float32Array; lossSum: number }> {
    const sizes = shardSizes(n, Math.min(this.replicas, n));
    const per = x.length / n;
    const starts = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const part = (k: number) => ({
      x: x.subarray((starts[k] as number) * per, ((starts[k] as number) + (sizes[k] as number)) * per),
      y: y?.subarray(starts[k] as number, (starts[k] as number) + (sizes[k] as number)),
      n: sizes[k] as number,
    });
    const remote = sizes.slice(1).map((_, j) => {
      const p = part(j + 1);
      return (this.workers[j] as ReplicaWorker).request({
        type: 'eval',
        x: p.x.slice(),
        y: p.y?.slice(),
        n: p.n,
      });
    });
    const p0 = part(0);
    const local = await evaluateShard(this.model, this.head, p0.x, p0.y, p0.n);
    const probs = new Float32Array(n);
    probs.set(local.probs, 0);
    let lossSum = local.lossSum;
    const rs = await Promise.all(remote);
    rs.forEach((r, j) => {
      const e = r as { probs: Float32Array; lossSum: number };
      probs.set(e.probs, starts[j + 1] as number);
      lossSum += e.lossSum;
    });
    return { probs, lossSum };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    this.workers = [];
  }
}
