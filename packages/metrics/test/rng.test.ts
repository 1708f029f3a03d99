import { describe, expect, it } from 'vitest';
import { createRng, stratifiedKFold } from '../src/index.js';

describe('the Rng shape', () => {
  it('is an object with next() in [0, 1), reproducible per seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('still accepts the deprecated bare-function form, with the same folds', () => {
    const labels = Uint8Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const r = createRng(9);
    const legacy = () => r.next();
    const objectFolds = stratifiedKFold(labels, { nSplits: 4, shuffle: true, rng: createRng(9) });
    const functionFolds = stratifiedKFold(labels, { nSplits: 4, shuffle: true, rng: legacy });
    expect(functionFolds.map((f) => Array.from(f.test))).toEqual(objectFolds.map((f) => Array.from(f.test)));
  });
});
