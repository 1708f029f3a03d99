import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Image2D, imageFromData } from '../src/index.js';

/** test/fixtures/kernels.json, written by test/fixtures/make_fixtures.py (SciPy 1.10 / NumPy / torch 1.13). */
export const fixtures = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/kernels.json', import.meta.url)), 'utf8'),
) as {
  arrays: Record<string, { shape: number[]; how: string; data: number[] }>;
  percentiles: Record<string, Record<string, number>>;
  ssim: Record<string, number>;
  xoshiro128ss_state_1_2_3_4: number[];
};

export function fixture(name: string): Image2D {
  const e = fixtures.arrays[name];
  if (!e) throw new Error(`no fixture ${name}`);
  return imageFromData(Float32Array.from(e.data), {
    height: e.shape[0],
    width: e.shape[1],
    channels: e.shape[2] ?? 1,
  });
}
