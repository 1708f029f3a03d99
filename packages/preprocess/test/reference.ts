import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Image2D, imageFromData } from '../src/index.js';

/** ../shared/data/preprocess, computed by SciPy 1.10.1 / NumPy 1.24.2 / torch 1.13 (see shared/tools). */
export const REF_DIR = fileURLToPath(new URL('../../../../shared/data/preprocess/', import.meta.url));

interface RefEntry {
  file: string;
  shape: number[];
  how: string;
  sum: number;
}

export const reference = JSON.parse(readFileSync(`${REF_DIR}reference.json`, 'utf8')) as {
  arrays: Record<string, RefEntry>;
  scalars: Record<string, number | string>;
};

export function loadRef(name: string): Image2D {
  const e = reference.arrays[name];
  const buf = readFileSync(REF_DIR + e.file);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return imageFromData(data, { height: e.shape[0], width: e.shape[1], channels: e.shape[2] ?? 1 });
}

/** Largest |a - b| and the largest |b|, to express errors relative to the data's magnitude. */
export function maxAbsDiff(a: Image2D, b: Image2D): { maxDiff: number; scale: number; at: number } {
  if (a.data.length !== b.data.length) throw new Error(`length ${a.data.length} vs ${b.data.length}`);
  let maxDiff = 0;
  let scale = 0;
  let at = -1;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (!(d <= maxDiff)) {
      maxDiff = d;
      at = i;
    }
    scale = Math.max(scale, Math.abs(b.data[i]));
  }
  return { maxDiff, scale, at };
}

/**
 * Index of the first element where two float32 arrays differ bit for bit (-1: identical, -2:
 * lengths differ). Fast on large images, where a deep toEqual is slow.
 */
export function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -2;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
