// The replica worker: its own build entry (`@op-screen/train/worker`), loaded only by
// ReplicaPool's worker threads, so importing the package itself starts nothing. It answers
// init / weights / step / eval messages in order for one model replica.
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initReplicaBackend } from './backend.js';
import { type Msg, type Reply, WORKER_FLAG } from './messages.js';
import {
  computeShard,
  evaluateShard,
  type HeadKind,
  headKind,
  type WeightPlan,
  weightPlan,
} from './replica.js';

function toImportable(spec: string): string {
  return isAbsolute(spec) ? pathToFileURL(spec).href : spec;
}

function transferables(arrays: Float32Array[]): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const a of arrays)
    if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) seen.add(a.buffer as ArrayBuffer);
  return [...seen];
}

function assignWeights(model: tfl.LayersModel, indices: number[], data: Float32Array[]): void {
  tf.tidy(() => {
    indices.forEach((wi, k) => {
      const w = model.weights[wi] as tfl.LayerVariable;
      w.write(tf.tensor(data[k] as Float32Array, w.shape as number[]));
    });
  });
}

/** Worker side: one replica, answering init / weights / step / eval messages in order. */
async function serveReplica(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  let model: tfl.LayersModel | undefined;
  let plan: WeightPlan | undefined;
  let head: HeadKind | undefined;
  const reply = (r: Reply, transfer: ArrayBuffer[] = []) => port.postMessage(r, transfer);
  const queue: Msg[] = [];
  let busy = false;
  const handle = async (msg: Msg): Promise<void> => {
    if (msg.type === 'init') {
      await initReplicaBackend(msg.backend);
      for (const m of msg.modules) await import(/* @vite-ignore */ toImportable(m));
      model = await tfl.models.modelFromJSON({ modelTopology: JSON.parse(msg.topology) } as never);
      plan = weightPlan(model);
      head = headKind(model);
      const names = plan.trainable.map((i) => (model as tfl.LayersModel).weights[i]?.originalName);
      if (names.join('\n') !== msg.trainableNames.join('\n'))
        throw new Error('replica trainable weights differ from the main model');
      assignWeights(
        model,
        model.weights.map((_, i) => i),
        msg.weights,
      );
      reply({ type: 'ready' });
    } else if (msg.type === 'weights') {
      assignWeights(model as tfl.LayersModel, msg.indices, msg.data);
    } else if (msg.type === 'step') {
      const result = await computeShard(
        model as tfl.LayersModel,
        plan as WeightPlan,
        head as HeadKind,
        msg.req,
      );
      reply({ type: 'step', result }, transferables([...result.grads, ...result.state]));
    } else if (msg.type === 'eval') {
      const r = await evaluateShard(model as tfl.LayersModel, head as HeadKind, msg.x, msg.y, msg.n);
      reply({ type: 'eval', probs: r.probs, lossSum: r.lossSum }, transferables([r.probs]));
    } else if (msg.type === 'close') {
      port.close();
    }
  };
  const pump = async () => {
    if (busy) return;
    busy = true;
    while (queue.length > 0) {
      const msg = queue.shift() as Msg;
      try {
        await handle(msg);
      } catch (e) {
        reply({ type: 'error', message: (e as Error).stack ?? String(e) });
      }
    }
    busy = false;
  };
  port.on('message', (m: Msg) => {
    queue.push(m);
    void pump();
  });
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG] === true)
  void serveReplica();
