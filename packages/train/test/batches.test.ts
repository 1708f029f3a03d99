import { describe, expect, it } from 'vitest';
import { batchesOf, TrainError } from '../src/index.js';

const img = (v: number) => Float32Array.of(v, v + 0.5);

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('batchesOf', () => {
  const inputs = [img(0), img(1), img(2), img(3), img(4)];

  it('packs the images in index order, batchSize at a time, the last batch smaller, labels alongside', async () => {
    const b = await collect(batchesOf(inputs, { indices: [4, 0, 2], labels: [1, 0, 1, 0, 0], batchSize: 2 }));
    expect(b.map((x) => x.n)).toEqual([2, 1]);
    expect(Array.from(b[0]!.x)).toEqual([4, 4.5, 0, 0.5]);
    expect(Array.from(b[0]!.y)).toEqual([0, 1]);
    expect(Array.from(b[1]!.x)).toEqual([2, 2.5]);
    expect(Array.from(b[1]!.y)).toEqual([1]);
  });

  it('takes every image in order by default, with zero labels, and applies the transform', async () => {
    const b = await collect(batchesOf(inputs, { batchSize: 4, transform: (x) => x.map((v) => -v) }));
    expect(b.map((x) => x.n)).toEqual([4, 1]);
    expect(Array.from(b[1]!.x)).toEqual([-4, -4.5]);
    expect(Array.from(b[0]!.y)).toEqual([0, 0, 0, 0]);
    expect(Array.from(inputs[4]!)).toEqual([4, 4.5]); // the inputs stay as they were
  });

  it('refuses images of different sizes and a bad batch size with BAD_BATCH', async () => {
    await expect(collect(batchesOf([img(0), Float32Array.of(1)], { batchSize: 2 }))).rejects.toThrow(
      /input 1 holds 1 values, input 0 2/,
    );
    await expect(collect(batchesOf(inputs, { batchSize: 0 }))).rejects.toBeInstanceOf(TrainError);
  });
});
