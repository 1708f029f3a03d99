// The training forward pass as an explicit list of layer calls, cut into segments for gradient
// checkpointing (Chen et al. 2016, "Training deep nets with sublinear memory cost").
//
// A functional tfjs-layers model is walked once into its layer calls in topological order. A
// cut is allowed after a call where exactly one tensor is still needed later (between MBConv or
// bottleneck blocks, never inside a residual branch), so a segment is a function of one tensor.
// With checkpointing, a step runs the segments forward without a tape, keeping only their input
// tensors, then walks them backwards: each segment is recomputed under a tape and differentiated
// against the gradient of its output. The tape of one segment is alive at a time, which is what
// lets EfficientNet-B4@380 train inside the 4 GiB heap of a wasm replica.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { TrainError } from './errors.js';
import { isReseedableLayer } from './reseedable.js';
import { mix32, withSeededMathRandom } from './rng.js';

type Layer = tfl.layers.Layer;

interface SymbolicLike {
  id: number;
  shape: Array<number | null>;
  sourceLayer: Layer;
  nodeIndex: number;
}

interface NodeLike {
  inputTensors: SymbolicLike[];
  outputTensors: SymbolicLike[];
}

interface Call {
  layer: Layer;
  /** Layer index in model.layers (the stable key of its step seed). */
  layerIndex: number;
  inputs: number[];
  outputs: number[];
  /** Floats per sample of each output, and their sum. */
  outputFloats: number[];
  floats: number;
  /** Frozen BatchNorm runs in inference mode (Keras' convention since TF 2). */
  training: boolean;
}

export interface Segment {
  /** Calls [start, end) of the graph. */
  start: number;
  end: number;
  /** Symbolic id of the one tensor the segment reads from before it. */
  input: number;
  /** Symbolic id of the one tensor later segments read. */
  output: number;
  /** Floats per sample of all outputs produced inside the segment. */
  floats: number;
}

export interface TrainingGraph {
  calls: Call[];
  input: number;
  output: number;
  segments: Segment[];
  /** Floats per sample of all layer outputs (what one taped pass keeps, before tfjs' own copies). */
  totalFloats: number;
  /** Floats per sample of the segment inputs kept between the forward and backward walks. */
  storedFloats: number;
  /** Floats per sample of the largest segment (what one recomputed tape keeps). */
  maxSegmentFloats: number;
}

/** How much of a layer output's size the tfjs tape keeps per float (calibrated on B0@224). */
export const TAPE_FACTOR = 6.6;

function floatsOf(shape: Array<number | null>): number {
  return shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
}

function isBatchNorm(layer: Layer): boolean {
  return layer.getClassName() === 'BatchNormalization';
}

/**
 * Walks the model into calls and plans segments. `segments: 1` (or a model without a single
 * input/output) gives one segment: the plain taped pass. Otherwise the cuts minimise stored
 * inputs + TAPE_FACTOR x largest segment over greedy budgets (or give `segments` pieces).
 */
export function buildTrainingGraph(
  model: tfl.LayersModel,
  segments: number | 'auto' = 'auto',
): TrainingGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new TrainError(
      'UNSUPPORTED_HEAD',
      `fineTune needs a model with one input and one output; ${model.name} has ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const inputSym = model.inputs[0] as unknown as SymbolicLike;
  const outputSym = model.outputs[0] as unknown as SymbolicLike;
  const layerIndex = new Map(model.layers.map((l, i) => [l, i] as const));
  const calls: Call[] = [];
  const seen = new Set<NodeLike>();
  // Iterative post-order DFS over nodes from the output (deep models overflow recursion less).
  const stack: Array<{ sym: SymbolicLike; expanded: boolean }> = [{ sym: outputSym, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop() as { sym: SymbolicLike; expanded: boolean };
    const layer = top.sym.sourceLayer;
    const node = (layer as unknown as { inboundNodes: NodeLike[] }).inboundNodes[
      top.sym.nodeIndex
    ] as NodeLike;
    if (seen.has(node) || layer.getClassName() === 'InputLayer') continue;
    if (!top.expanded) {
      stack.push({ sym: top.sym, expanded: true });
      for (let i = node.inputTensors.length - 1; i >= 0; i--)
        stack.push({ sym: node.inputTensors[i] as SymbolicLike, expanded: false });
      continue;
    }
    seen.add(node);
    const outputFloats = node.outputTensors.map((t) => floatsOf(t.shape));
    const index = layerIndex.get(layer);
    if (index === undefined)
      throw new TrainError('UNSUPPORTED_HEAD', `layer ${layer.name} is not a layer of ${model.name}`);
    calls.push({
      layer,
      layerIndex: index,
      inputs: node.inputTensors.map((t) => t.id),
      outputs: node.outputTensors.map((t) => t.id),
      outputFloats,
      floats: outputFloats.reduce((a, f) => a + f, 0),
      training: !(isBatchNorm(layer) && !layer.trainable),
    });
  }
  const totalFloats = calls.reduce((a, c) => a + c.floats, 0);

  // Liveness: after call i, which produced tensors are still read later?
  const lastUse = new Map<number, number>();
  calls.forEach((c, i) => {
    for (const id of c.inputs) lastUse.set(id, i);
  });
  lastUse.set(outputSym.id, Number.POSITIVE_INFINITY);
  const cutAfter: Array<{ at: number; tensor: number; floats: number }> = [];
  const live = new Set<number>([inputSym.id]);
  calls.forEach((c, i) => {
    for (const id of c.outputs) if ((lastUse.get(id) ?? -1) > i) live.add(id);
    for (const id of c.inputs) if ((lastUse.get(id) ?? -1) <= i) live.delete(id);
    if (i < calls.length - 1 && live.size === 1) {
      const [id] = live;
      const producer = c.outputs.indexOf(id as number);
      if (producer >= 0)
        cutAfter.push({ at: i, tensor: id as number, floats: c.outputFloats[producer] as number });
    }
  });

  const plan = (budget: number) => {
    const cuts: typeof cutAfter = [];
    let acc = 0;
    let k = 0;
    for (let i = 0; i < calls.length; i++) {
      acc += (calls[i] as Call).floats;
      if (k < cutAfter.length && (cutAfter[k] as { at: number }).at === i) {
        if (acc >= budget) {
          cuts.push(cutAfter[k] as (typeof cutAfter)[number]);
          acc = 0;
        }
        k++;
      }
    }
    return cuts;
  };
  let cuts: typeof cutAfter = [];
  if (segments === 'auto') {
    let best = Number.POSITIVE_INFINITY;
    for (let n = 1; n <= cutAfter.length + 1; n++) {
      const c = plan(totalFloats / n);
      const s = toSegments(c);
      const cost = s.stored + TAPE_FACTOR * s.max;
      if (cost < best - 1e-9) {
        best = cost;
        cuts = c;
      }
    }
  } else if (segments > 1) {
    cuts = plan(totalFloats / segments);
  }
  const s = toSegments(cuts);
  return {
    calls,
    input: inputSym.id,
    output: outputSym.id,
    segments: s.list,
    totalFloats,
    storedFloats: s.stored,
    maxSegmentFloats: s.max,
  };

  function toSegments(c: typeof cutAfter) {
    const list: Segment[] = [];
    let start = 0;
    let input = inputSym.id;
    let stored = 0;
    for (const cut of [...c, { at: calls.length - 1, tensor: outputSym.id, floats: 0 }]) {
      const floats = calls.slice(start, cut.at + 1).reduce((a, x) => a + x.floats, 0);
      list.push({ start, end: cut.at + 1, input, output: cut.tensor, floats });
      stored += cut.floats;
      start = cut.at + 1;
      input = cut.tensor;
    }
    return { list, stored, max: Math.max(...list.map((x) => x.floats)) };
  }
}

/**
 * Runs one segment on concrete tensors in training mode. Random draws are pinned to (seed,
 * segment, layer) so running a segment again reproduces its masks exactly.
 */
function runSegment(g: TrainingGraph, index: number, x: tf.Tensor, seed: number): tf.Tensor {
  const seg = g.segments[index] as Segment;
  return withSeededMathRandom(mix32(seed, index), () => {
    const values = new Map<number, tf.Tensor>([[seg.input, x]]);
    for (let i = seg.start; i < seg.end; i++) {
      const c = g.calls[i] as Call;
      if (isReseedableLayer(c.layer)) c.layer.setStepSeed(mix32(seed, c.layerIndex));
      const args = c.inputs.map((id) => {
        const v = values.get(id);
        if (!v)
          throw new TrainError(
            'UNSUPPORTED_HEAD',
            `layer ${c.layer.name} reads a tensor from outside its segment`,
          );
        return v;
      });
      const out = c.layer.apply(args.length === 1 ? (args[0] as tf.Tensor) : args, { training: c.training });
      const outs = Array.isArray(out) ? out : [out];
      c.outputs.forEach((id, k) => {
        values.set(id, outs[k] as unknown as tf.Tensor);
      });
    }
    const y = values.get(seg.output);
    if (!y) throw new TrainError('UNSUPPORTED_HEAD', `segment ${index} did not produce its output`);
    return y;
  });
}

function clearStepSeeds(g: TrainingGraph): void {
  for (const c of g.calls) if (isReseedableLayer(c.layer)) c.layer.setStepSeed(undefined);
}

/** Layer -> indices (into `vars`) of the trainable variables it owns. */
function varsBySegment(g: TrainingGraph, vars: tf.Variable[]): number[][] {
  const where = new Map<tf.Variable, number>(vars.map((v, i) => [v, i] as const));
  return g.segments.map((seg) => {
    const out = new Set<number>();
    for (let i = seg.start; i < seg.end; i++) {
      for (const w of (g.calls[i] as Call).layer.trainableWeights) {
        const k = where.get((w as unknown as { read(): tf.Variable }).read());
        if (k !== undefined) out.add(k);
      }
    }
    return [...out].sort((a, b) => a - b);
  });
}

/**
 * Loss and gradients of `vars` for one pass of `x` through the graph. With one segment it is an
 * ordinary taped pass; with more, only segment inputs are kept and segments are recomputed.
 * Non-trainable state the recomputation writes again (BatchNorm moving statistics) is restored to
 * what the single forward pass left. Gradients are undefined for variables the loss does not reach.
 */
export function segmentedGradients(
  g: TrainingGraph,
  vars: tf.Variable[],
  x: tf.Tensor,
  lossOf: (out: tf.Tensor) => tf.Scalar,
  seed: number,
): { loss: tf.Scalar; grads: Array<tf.Tensor | undefined> } {
  const engine = tf.engine();
  const S = g.segments.length;
  const grads: Array<tf.Tensor | undefined> = vars.map(() => undefined);
  const addGrad = (k: number, t: tf.Tensor | undefined) => {
    if (!t) return;
    const prev = grads[k];
    if (!prev) grads[k] = t;
    else {
      grads[k] = tf.add(prev, t);
      prev.dispose();
      t.dispose();
    }
  };
  try {
    if (S === 1) {
      const r = engine.gradients(() => lossOf(runSegment(g, 0, x, seed)), vars, undefined, true);
      r.grads.forEach((t, k) => {
        addGrad(k, t);
      });
      return { loss: r.value as tf.Scalar, grads };
    }
    const segVars = varsBySegment(g, vars);
    // Forward without a tape: keep the input of every segment.
    const inputs: tf.Tensor[] = [x];
    for (let s = 0; s < S - 1; s++) {
      const xin = inputs[s] as tf.Tensor;
      inputs.push(tf.tidy(() => runSegment(g, s, xin, seed)));
    }
    // Segments before the first with trainable weights are not recomputed.
    let firstNeeded = 0;
    while (firstNeeded < S && (segVars[firstNeeded] as number[]).length === 0) firstNeeded++;
    // State (BatchNorm moving statistics) that recomputing segments firstNeeded..S-2 would update
    // a second time; calls in inference mode (frozen BatchNorm) update none.
    const state: Array<{ v: tfl.LayerVariable; value: tf.Tensor }> = [];
    for (const seg of g.segments.slice(firstNeeded, S - 1)) {
      for (let i = seg.start; i < seg.end; i++) {
        const c = g.calls[i] as Call;
        if (!c.training) continue;
        for (const w of c.layer.nonTrainableWeights) {
          const v = w as tfl.LayerVariable;
          state.push({ v, value: tf.keep(tf.clone(v.read())) });
        }
      }
    }
    try {
      // Last segment: its only forward runs under the tape.
      const last = S - 1;
      const lastIn = inputs[last] as tf.Tensor;
      const lastVars = segVars[last] as number[];
      const r = engine.gradients(
        () => lossOf(runSegment(g, last, lastIn, seed)),
        [lastIn, ...lastVars.map((k) => vars[k] as tf.Variable)],
        undefined,
        true,
      );
      let dy: tf.Tensor | undefined = r.grads[0];
      lastVars.forEach((k, j) => {
        addGrad(k, r.grads[j + 1]);
      });
      for (let s = S - 2; s >= firstNeeded && dy; s--) {
        (inputs[s + 1] as tf.Tensor).dispose();
        const xin = inputs[s] as tf.Tensor;
        const sv = segVars[s] as number[];
        // the first recomputed segment needs no input gradient
        const withInput = s > firstNeeded;
        const xs = [...(withInput ? [xin] : []), ...sv.map((k) => vars[k] as tf.Variable)];
        const dOut: tf.Tensor = dy;
        const rs = engine.gradients(() => runSegment(g, s, xin, seed), xs, dOut, true);
        rs.value.dispose();
        dOut.dispose();
        dy = withInput ? rs.grads[0] : undefined;
        sv.forEach((k, j) => {
          addGrad(k, rs.grads[j + (withInput ? 1 : 0)]);
        });
      }
      dy?.dispose();
      return { loss: r.value as tf.Scalar, grads };
    } finally {
      for (let s = 1; s < inputs.length; s++)
        if (!(inputs[s] as tf.Tensor).isDisposed) (inputs[s] as tf.Tensor).dispose();
      for (const { v, value } of state) {
        v.write(value);
        value.dispose();
      }
    }
  } catch (e) {
    for (const t of grads) t?.dispose();
    throw e;
  } finally {
    clearStepSeeds(g);
  }
}
