// What one replica does with its share of a batch: forward in training mode, the weighted
// binary loss, gradients of the trainable weights, and the BatchNorm statistics it updated.
// The same code runs on the main thread and in every worker, so shards are computed alike.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TrainError } from './errors.js';
import { buildTrainingGraph, segmentedGradients, TAPE_FACTOR, type TrainingGraph } from './graph.js';
import { mix32 } from './rng.js';

/** How the model's output is read: one logit / probability unit, or two-class scores. */
export interface HeadKind {
  units: 1 | 2;
  /** true when the last layer already applies sigmoid/softmax (loss then works on probabilities). */
  probabilities: boolean;
}

const PROB_EPS = 1e-7;

export function headKind(model: tfl.LayersModel): HeadKind {
  const out = model.outputs[0];
  const units = out?.shape[out.shape.length - 1];
  if (model.outputs.length !== 1 || (units !== 1 && units !== 2)) {
    throw new TrainError(
      'UNSUPPORTED_HEAD',
      `fineTune needs a binary head (one output with 1 logit or 2 class scores); model ${model.name} outputs ${JSON.stringify(model.outputs.map((o) => o.shape))}. Build it with numClasses: 1.`,
    );
  }
  const last = model.layers[model.layers.length - 1];
  const act = last ? (last.getConfig() as { activation?: string }).activation : undefined;
  return { units, probabilities: act === 'sigmoid' || act === 'softmax' };
}

/** Per-sample binary cross-entropy [n] (numerically stable on logits). */
export function perSampleLoss(out: tf.Tensor, y: tf.Tensor1D, head: HeadKind): tf.Tensor1D {
  return tf.tidy(() => {
    if (head.units === 1) {
      const z = tf.reshape(out, [-1]);
      if (head.probabilities) {
        const p = tf.clipByValue(z, PROB_EPS, 1 - PROB_EPS);
        return tf.neg(
          tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))),
        ) as tf.Tensor1D;
      }
      // max(z, 0) - z*y + log(1 + exp(-|z|))
      return tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))) as tf.Tensor1D;
    }
    const oneHot = tf.stack([tf.sub(1, y), y], 1);
    if (head.probabilities) {
      const p = tf.clipByValue(out, PROB_EPS, 1 - PROB_EPS);
      return tf.neg(tf.sum(tf.mul(oneHot, tf.log(p)), 1)) as tf.Tensor1D;
    }
    return tf.sub(tf.logSumExp(out, 1), tf.sum(tf.mul(oneHot, out), 1)) as tf.Tensor1D;
  });
}

/** Probability of class 1 [n]. */
export function positiveProbability(out: tf.Tensor, head: HeadKind): tf.Tensor1D {
  return tf.tidy(() => {
    if (head.units === 1) {
      const z = tf.reshape(out, [-1]) as tf.Tensor1D;
      return head.probabilities ? z : tf.sigmoid(z);
    }
    const p = head.probabilities ? out : tf.softmax(out);
    return tf.reshape(tf.slice(p, [0, 1], [-1, 1]), [-1]) as tf.Tensor1D;
  });
}

export function inputShapeOf(model: tfl.LayersModel): number[] {
  const s = model.inputs[0]?.shape;
  if (!s || s.slice(1).some((d) => d == null)) {
    throw new TrainError(
      'UNSUPPORTED_HEAD',
      `model ${model.name} needs a fully defined input shape, got ${JSON.stringify(s)}`,
    );
  }
  return s.slice(1) as number[];
}

/** Weights whose values change during a step: trainable ones and BN statistics of trainable layers. */
export interface WeightPlan {
  /** model.weights indices of the trainable weights, in gradient order. */
  trainable: number[];
  /** model.weights indices of non-trainable weights that training-mode forward updates. */
  state: number[];
  /** Non-trainable weights of frozen layers: restored after every step (tfjs BatchNorm would update them). */
  frozen: number[];
}

export function weightPlan(model: tfl.LayersModel): WeightPlan {
  const index = new Map(model.weights.map((w, i) => [w, i] as const));
  const trainable = model.trainableWeights.map((w) => index.get(w) as number);
  const state: number[] = [];
  const frozen: number[] = [];
  for (const layer of model.layers) {
    for (const w of layer.nonTrainableWeights) {
      const i = index.get(w);
      if (i !== undefined) (layer.trainable ? state : frozen).push(i);
    }
  }
  const sorted = (a: number[]) => [...new Set(a)].sort((x, y) => x - y);
  const st = sorted(state);
  return {
    trainable,
    state: st,
    frozen: sorted(frozen).filter((i) => !st.includes(i) && !trainable.includes(i)),
  };
}

export interface ShardRequest {
  x: Float32Array;
  y: Float32Array;
  n: number;
  /** Size of the whole batch: each shard's loss is a sum divided by this, so shards add up. */
  nTotal: number;
  classWeights: [number, number];
  /** Seed of the shard's random stream (dropout, stochastic depth). */
  seed: number;
  /**
   * Most samples per forward/backward pass; a larger shard is processed in chunks whose
   * gradients are added (BatchNorm then normalises each chunk). Bounds the memory of the tape.
   */
  microBatch?: number;
  /** Keep only segment inputs and recompute each segment in the backward pass (see graph.ts). */
  gradientCheckpointing?: boolean;
}

export interface ShardResult {
  /** Sum over the shard of weighted per-sample losses (not divided). */
  lossSum: number;
  grads: Float32Array[];
  state: Float32Array[];
}

const graphs = new WeakMap<tfl.LayersModel, Map<string, TrainingGraph>>();

/**
 * The model's training graph, planned once per model, checkpointing choice and set of frozen
 * layers (frozen BatchNorm runs in inference mode, so freezing changes the calls).
 */
export function trainingGraphOf(model: tfl.LayersModel, gradientCheckpointing: boolean): TrainingGraph {
  const key = `${gradientCheckpointing ? 'ckpt' : 'plain'}:${model.layers.map((l) => (l.trainable ? 1 : 0)).join('')}`;
  let byKey = graphs.get(model);
  if (!byKey) {
    byKey = new Map();
    graphs.set(model, byKey);
  }
  let g = byKey.get(key);
  if (!g) {
    g = buildTrainingGraph(model, gradientCheckpointing ? 'auto' : 1);
    byKey.set(key, g);
  }
  return g;
}

/**
 * One replica's shard: loss sum, gradients and updated BatchNorm statistics. Reads tensors back
 * with `await data()` (tfjs-backend-webgpu cannot read synchronously in Node); on wasm and cpu
 * the values are the same bytes `dataSync()` gave.
 */
export async function computeShard(
  model: tfl.LayersModel,
  plan: WeightPlan,
  head: HeadKind,
  req: ShardRequest,
): Promise<ShardResult> {
  const shape = inputShapeOf(model);
  const vars = plan.trainable.map((i) => (model.weights[i] as unknown as { read(): tf.Variable }).read());
  const graph = trainingGraphOf(model, req.gradientCheckpointing === true);
  const frozenVars = plan.frozen.map((i) => (model.weights[i] as unknown as { read(): tf.Variable }).read());
  const frozenValues = frozenVars.map((v) => tf.clone(v));
  try {
    const mb = Math.max(1, Math.min(req.n, Math.floor(req.microBatch ?? req.n)));
    if (mb >= req.n) return await step(req);
    const per = req.x.length / req.n;
    let total: ShardResult | undefined;
    for (let s0 = 0, k = 0; s0 < req.n; s0 += mb, k++) {
      const n = Math.min(mb, req.n - s0);
      const part = await step({
        ...req,
        x: req.x.subarray(s0 * per, (s0 + n) * per),
        y: req.y.subarray(s0, s0 + n),
        n,
        seed: mix32(req.seed, k),
      });
      if (!total)
        total = {
          lossSum: part.lossSum,
          grads: part.grads.map((g) => Float32Array.from(g)),
          state: part.state,
        };
      else {
        total.lossSum += part.lossSum;
        total.state = part.state;
        part.grads.forEach((g, i) => {
          const acc = (total as ShardResult).grads[i] as Float32Array;
          for (let t = 0; t < acc.length; t++) acc[t] = (acc[t] as number) + (g[t] as number);
        });
      }
    }
    return total as ShardResult;
  } finally {
    frozenVars.forEach((v, k) => {
      v.assign(frozenValues[k] as tf.Tensor);
    });
    tf.dispose(frozenValues);
  }
  async function step(req: ShardRequest): Promise<ShardResult> {
    const { value, grads } = tf.tidy(() => {
      const xs = tf.tensor(req.x, [req.n, ...shape]);
      const ys = tf.tensor1d(req.y);
      const w = tf.add(tf.mul(ys, req.classWeights[1] - req.classWeights[0]), req.classWeights[0]);
      const r = segmentedGradients(
        graph,
        vars,
        xs,
        (out) => tf.div(tf.sum(tf.mul(perSampleLoss(out, ys, head), w)), req.nTotal) as tf.Scalar,
        req.seed,
      );
      return { value: r.loss, grads: r.grads };
    });
    let lossSum: number;
    const out: Float32Array[] = [];
    try {
      lossSum = (((await value.data()) as Float32Array)[0] as number) * req.nTotal;
      for (let k = 0; k < vars.length; k++) {
        const g = grads[k];
        if (!g) {
          out.push(new Float32Array((vars[k] as tf.Variable).size));
          continue;
        }
        const d = (await g.data()) as Float32Array;
        out.push(d.buffer.byteLength === d.byteLength ? d : d.slice());
      }
    } finally {
      value.dispose();
      for (const g of grads) g?.dispose();
    }
    const state: Float32Array[] = [];
    for (const i of plan.state)
      state.push(((await (model.weights[i] as tfl.LayerVariable).read().data()) as Float32Array).slice());
    return { lossSum, grads: out, state };
  }
}

/** Forward in inference mode: probabilities of class 1 and the unweighted per-sample loss sum. */
export async function evaluateShard(
  model: tfl.LayersModel,
  head: HeadKind,
  x: Float32Array,
  y: Float32Array | undefined,
  n: number,
): Promise<{ probs: Float32Array; lossSum: number }> {
  const shape = inputShapeOf(model);
  const [p, l] = tf.tidy(() => {
    const out = model.predict(tf.tensor(x, [n, ...shape])) as tf.Tensor;
    const probs = positiveProbability(out, head);
    return [probs, y ? tf.sum(perSampleLoss(out, tf.tensor1d(y), head)) : undefined] as const;
  });
  try {
    const probs = ((await p.data()) as Float32Array).slice();
    const lossSum = l ? (((await l.data()) as Float32Array)[0] as number) : 0;
    return { probs, lossSum };
  } finally {
    p.dispose();
    l?.dispose();
  }
}

/** Sum over layers of the per-sample output sizes (floats): the scale of what the tape keeps. */
export function activationFloatsPerSample(model: tfl.LayersModel): number {
  let total = 0;
  for (const l of model.layers) {
    const s = l.outputShape as unknown;
    const shapes = (Array.isArray(s) && Array.isArray(s[0]) ? s : [s]) as Array<Array<number | null>>;
    for (const sh of shapes) total += sh.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
  }
  return total;
}

/**
 * Estimated high-water mark of one replica's wasm heap when training on `samples` at once.
 * Calibrated on EfficientNet-B0@224: about 0.25 GB plus 6.6 x the summed layer outputs per sample
 * for a plain taped pass; with gradient checkpointing, the kept segment inputs plus 6.6 x the
 * largest segment.
 */
export function estimateWasmTrainingBytes(
  model: tfl.LayersModel,
  samples: number,
  gradientCheckpointing = false,
): number {
  return 0.25e9 + 4 * perSampleTapeFloats(model, gradientCheckpointing) * samples;
}

function perSampleTapeFloats(model: tfl.LayersModel, gradientCheckpointing: boolean): number {
  if (!gradientCheckpointing) return TAPE_FACTOR * activationFloatsPerSample(model);
  const g = trainingGraphOf(model, true);
  return g.storedFloats + TAPE_FACTOR * g.maxSegmentFloats;
}

/** The wasm backend's heap limit (wasm32: 4 GiB per instance, i.e. per replica). */
export const WASM_HEAP_LIMIT_BYTES = 4 * 2 ** 30;

/**
 * Micro-batch that keeps one replica's training tape inside the wasm backend's 4 GiB heap: we
 * budget 3 GB at 7 floats kept per float of layer output (0 when not even one sample fits). With
 * gradient checkpointing the budget is 2 GB: segments are allocated and freed again in every step
 * and the heap, which never shrinks, keeps growing for a few steps before it settles (B4@380 at 6
 * per pass: 3.04 GB after 2 steps, 3.42 GB after 3), so we leave more room below 4 GiB.
 */
export function autoMicroBatch(model: tfl.LayersModel, gradientCheckpointing = false): number {
  const perSample = (7 / TAPE_FACTOR) * 4 * perSampleTapeFloats(model, gradientCheckpointing);
  return Math.floor((gradientCheckpointing ? 2e9 : 3e9) / perSample);
}

export interface ReplicaMemoryRequest {
  backend: string;
  batchSize: number;
  replicas: number;
  microBatch: number | 'auto';
  gradientCheckpointing: boolean | 'auto';
}

/**
 * fineTune's memory plan for one replica. On wasm, gradient checkpointing ('auto') goes on when a
 * replica's shard (batchSize / replicas, rounded up) does not fit the heap in one plain pass:
 * recomputing costs a forward pass, but whole-shard passes were as fast as plain micro-batches
 * (bench: B0 and ResNet-50 at batch 16) and BatchNorm then sees the whole shard. An 'auto'
 * micro-batch fills the heap budget; a plan whose pass cannot fit is refused with
 * WASM_HEAP_TOO_SMALL. Other backends: no limit and no checkpointing unless asked for.
 */
export function planReplicaMemory(
  model: tfl.LayersModel,
  req: ReplicaMemoryRequest,
): { microBatch: number | undefined; gradientCheckpointing: boolean } {
  const ck = req.gradientCheckpointing;
  if (ck !== 'auto' && typeof ck !== 'boolean')
    throw new TrainError('INVALID_OPTION', `gradientCheckpointing must be true, false or 'auto', got ${ck}`);
  const wasm = req.backend === 'wasm';
  const shard = Math.ceil(req.batchSize / req.replicas);
  const checkpointing = ck === 'auto' ? wasm && autoMicroBatch(model, false) < shard : ck;
  let microBatch: number | undefined;
  if (req.microBatch === 'auto') microBatch = wasm ? autoMicroBatch(model, checkpointing) : undefined;
  else if (Number.isInteger(req.microBatch) && req.microBatch > 0) microBatch = req.microBatch;
  else
    throw new TrainError(
      'INVALID_OPTION',
      `microBatch must be a positive integer or 'auto', got ${req.microBatch}`,
    );
  if (wasm) {
    const samples = Math.max(1, Math.min(microBatch ?? shard, shard));
    const need = estimateWasmTrainingBytes(model, samples, checkpointing);
    if (microBatch === 0 || need > WASM_HEAP_LIMIT_BYTES) {
      throw new TrainError(
        'WASM_HEAP_TOO_SMALL',
        `training ${model.name} on the wasm backend needs about ${(need / 1e9).toFixed(1)} GB per replica for ${samples} sample(s) at once${checkpointing ? ' with gradient checkpointing' : ''}, more than the 4 GiB a wasm32 instance can address; use a smaller input size or microBatch${checkpointing ? '' : ', gradientCheckpointing: true'}, or install @tensorflow/tfjs-node`,
      );
    }
  }
  return { microBatch, gradientCheckpointing: checkpointing };
}
