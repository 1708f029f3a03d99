// Adam (Kingma & Ba 2015) in the Keras/tfjs form: lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t),
// w -= lr_t * m / (sqrt(v) + eps). Written out rather than tf.train.adam because a resumed run
// must continue bit for bit: tfjs's optimizer rebuilds its running beta powers with pow() on
// restore while a live run multiplies them step by step, and the two differ in the last bit.
// Here the bias correction comes from the integer step count alone.
import * as tf from '@tensorflow/tfjs-core';

export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Number of updates applied so far. */
  step = 0;
  private m: tf.Variable[] = [];
  private v: tf.Variable[] = [];

  constructor(options: AdamOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
  }

  private ensure(vars: tf.Variable[]): void {
    if (this.m.length === vars.length) return;
    this.dispose();
    // a variable shares its initial tensor's data; tidy() disposes the initial tensor itself
    this.m = tf.tidy(() => vars.map((v) => tf.variable(tf.zerosLike(v), false)));
    this.v = tf.tidy(() => vars.map((v) => tf.variable(tf.zerosLike(v), false)));
  }

  /** Applies one update to `vars` with gradients `grads` (same order). */
  apply(vars: tf.Variable[], grads: Float32Array[], lr: number): void {
    this.ensure(vars);
    this.step++;
    const lrT = (lr * Math.sqrt(1 - this.beta2 ** this.step)) / (1 - this.beta1 ** this.step);
    tf.tidy(() => {
      const b1 = tf.scalar(this.beta1);
      const b2 = tf.scalar(this.beta2);
      const c1 = tf.scalar(1 - this.beta1);
      const c2 = tf.scalar(1 - this.beta2);
      const eps = tf.scalar(this.epsilon);
      const lrS = tf.scalar(lrT);
      vars.forEach((w, i) => {
        const g = tf.tensor(grads[i] as Float32Array, w.shape);
        const m = this.m[i] as tf.Variable;
        const v = this.v[i] as tf.Variable;
        const m1 = tf.add(tf.mul(m, b1), tf.mul(g, c1));
        const v1 = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), c2));
        m.assign(m1);
        v.assign(v1);
        w.assign(tf.sub(w, tf.div(tf.mul(m1, lrS), tf.add(tf.sqrt(v1), eps))));
      });
    });
  }

  /** First and second moments as arrays (for checkpoints). */
  async moments(): Promise<{ m: Float32Array[]; v: Float32Array[] }> {
    const read = async (ts: tf.Variable[]) => {
      const out: Float32Array[] = [];
      for (const t of ts) out.push(((await t.data()) as Float32Array).slice());
      return out;
    };
    return { m: await read(this.m), v: await read(this.v) };
  }

  restore(vars: tf.Variable[], step: number, m: Float32Array[], v: Float32Array[]): void {
    this.dispose();
    this.step = step;
    this.m = tf.tidy(() => vars.map((w, i) => tf.variable(tf.tensor(m[i] as Float32Array, w.shape), false)));
    this.v = tf.tidy(() => vars.map((w, i) => tf.variable(tf.tensor(v[i] as Float32Array, w.shape), false)));
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
    this.m = [];
    this.v = [];
  }
}
