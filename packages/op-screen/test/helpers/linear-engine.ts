import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine, EpochRecord, FitSummary, TrainBatch } from '@op-screen/pipeline';

/**
 * A fast, real (if weak) learner for orchestration tests: logistic regression on two image
 * features (mean and standard deviation of the network input), trained by full-batch gradient
 * descent, one step per epoch. It exercises every stage of `reproduce` in milliseconds so the
 * tests can focus on splits, skipping, reports and identifiers; the tfjs engine has its own test.
 */
interface LinearModel {
  w: [number, number];
  b: number;
}

function features(x: Float32Array, offset: number, len: number): [number, number] {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < len; i++) {
    const v = x[offset + i] as number;
    s += v;
    s2 += v * v;
  }
  const m = s / len;
  return [m * 4, Math.sqrt(Math.max(0, s2 / len - m * m)) * 4];
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

async function collect(it: AsyncIterable<TrainBatch> | Iterable<TrainBatch>) {
  const xs: Array<[number, number]> = [];
  const ys: number[] = [];
  for await (const b of it) {
    const per = b.x.length / b.n;
    for (let i = 0; i < b.n; i++) {
      xs.push(features(b.x, i * per, per));
      ys.push(b.y[i] as number);
    }
  }
  return { xs, ys };
}

function loss(m: LinearModel, xs: Array<[number, number]>, ys: number[]): number {
  let l = 0;
  xs.forEach((x, i) => {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, sigmoid(m.w[0] * x[0] + m.w[1] * x[1] + m.b)));
    l -= (ys[i] as number) * Math.log(p) + (1 - (ys[i] as number)) * Math.log(1 - p);
  });
  return l / Math.max(1, xs.length);
}

export const linearEngine: Engine = {
  async createModel() {
    return { w: [0, 0], b: 0 } satisfies LinearModel;
  },
  async fineTune(model, data, cfg, opts): Promise<FitSummary> {
    const m = model as LinearModel;
    const history: EpochRecord[] = [];
    let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, m: { ...m } };
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const { xs, ys } = await collect(data.train(epoch));
      const g = [0, 0, 0];
      xs.forEach((x, i) => {
        const e = sigmoid(m.w[0] * x[0] + m.w[1] * x[1] + m.b) - (ys[i] as number);
        g[0] += e * x[0];
        g[1] += e * x[1];
        g[2] += e;
      });
      const lr = 2;
      m.w = [m.w[0] - (lr * (g[0] as number)) / xs.length, m.w[1] - (lr * (g[1] as number)) / xs.length];
      m.b -= (lr * (g[2] as number)) / xs.length;
      const v = await collect(data.validation());
      const rec = { epoch, loss: loss(m, xs, ys), valLoss: loss(m, v.xs, v.ys), learningRate: lr };
      history.push(rec);
      opts.onEpoch?.(rec);
      if (rec.valLoss < best.loss)
        best = { loss: rec.valLoss, epoch, m: { w: [...m.w] as [number, number], b: m.b } };
    }
    Object.assign(m, best.m);
    return { history, bestEpoch: best.epoch, stoppedEarly: false };
  },
  async predict(model, batches) {
    const m = model as LinearModel;
    const { xs } = await collect(batches);
    return Float32Array.from(xs, (x) => sigmoid(m.w[0] * x[0] + m.w[1] * x[1] + m.b));
  },
  async save(model, dir) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'linear.json'), JSON.stringify(model));
  },
  async load(dir) {
    return JSON.parse(await readFile(join(dir, 'linear.json'), 'utf8'));
  },
  async gradCam(_model, x, size) {
    const out = new Float32Array(size * size);
    let max = 0;
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.abs(x[i] as number);
      max = Math.max(max, out[i] as number);
    }
    return out.map((v) => v / (max || 1));
  },
  async describe() {
    return { backend: 'linear-test-engine' };
  },
  dispose() {},
};
