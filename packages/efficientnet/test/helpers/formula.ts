import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ../shared beside the repository root (read-only reference data). */
export const SHARED = fileURLToPath(new URL('../../../../../shared/', import.meta.url));

export interface ZooReferenceModel {
  inputSize: number;
  bnEps: number[];
  stateDict: Array<[string, number[]]>;
  parameters: number;
  logits: number[][];
  argmax: number[];
  torchFloat32RelError: number;
}

export function zooReference(): { torchvision: string; models: Record<string, ZooReferenceModel> } {
  return JSON.parse(readFileSync(`${SHARED}data/zoo/torchvision-formula-reference.json`, 'utf8'));
}

/**
 * The formula weights of tools/make_zoo_refs.py, rebuilt in TypeScript: t = tensor index in
 * state_dict order (num_batches_tracked skipped), i = flat C-order index, u = sin(0.7 i + 0.3 t + 0.1)
 * in float64, then cast to float32.
 */
export function formulaStateDict(
  stateDict: Array<[string, number[]]>,
): Map<string, { shape: number[]; data: Float32Array }> {
  const bn = new Set(
    stateDict.filter(([k]) => k.endsWith('running_mean')).map(([k]) => k.slice(0, k.lastIndexOf('.'))),
  );
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  stateDict.forEach(([key, shape], t) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const prefix = key.slice(0, key.lastIndexOf('.'));
    const leaf = key.slice(key.lastIndexOf('.') + 1);
    const data = new Float32Array(n);
    const fanIn = shape.length >= 2 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    const scale = Math.sqrt(3 / fanIn);
    for (let i = 0; i < n; i++) {
      const u = Math.sin(0.7 * i + 0.3 * t + 0.1);
      let v: number;
      if (bn.has(prefix)) {
        v = leaf === 'weight' ? 1 + 0.1 * u : leaf === 'running_var' ? 0.8 + 0.4 * Math.abs(u) : 0.1 * u;
      } else if (shape.length >= 2) v = u * scale;
      else v = 0.01 * u;
      data[i] = v;
    }
    out.set(key, { shape, data });
  });
  return out;
}

/** The formula input x[j] = 1.5 sin(0.013 j) of NCHW shape [2, 3, H, W], as NCHW float32. */
export function formulaInputNCHW(size: number, batch = 2): Float32Array {
  const n = batch * 3 * size * size;
  const x = new Float32Array(n);
  for (let j = 0; j < n; j++) x[j] = 1.5 * Math.sin(0.013 * j);
  return x;
}

/** max |a - b| / max |b| */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    m = Math.max(m, Math.abs(b[i] as number));
  }
  return d / m;
}
