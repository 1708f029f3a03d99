import { describe, expect, it } from 'vitest';
import { createRng, restoreRng } from '../src/index.js';
import { fixtures } from './fixtures.js';

describe('seeded RNG (xoshiro128**)', () => {
  it('matches the published algorithm from state (1, 2, 3, 4) (Python reference in make_fixtures.py)', () => {
    const rng = restoreRng({ algorithm: 'xoshiro128**', state: [1, 2, 3, 4] });
    const got = fixtures.xoshiro128ss_state_1_2_3_4.map(() => rng.nextUint32());
    expect(got).toEqual(fixtures.xoshiro128ss_state_1_2_3_4);
  });

  it('same seed, same stream; different seeds, different streams', () => {
    const a = createRng(123);
    const b = createRng(123);
    const c = createRng(124);
    const sa = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 100 }, () => c.next())).not.toEqual(sa);
  });

  it('resumes exactly from a JSON-serialised state (training checkpoints)', () => {
    const a = createRng(2024);
    for (let i = 0; i < 37; i++) a.next();
    const saved = JSON.stringify(a.getState());
    const tail = Array.from({ length: 50 }, () => a.nextUint32());
    const b = restoreRng(JSON.parse(saved));
    expect(Array.from({ length: 50 }, () => b.nextUint32())).toEqual(tail);
  });

  it('draws are in range and roughly uniform; int(n) is unbiased over small n', () => {
    const rng = createRng(1);
    const counts = new Array(6).fill(0);
    let sum = 0;
    const n = 60000;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      counts[rng.int(6)]++;
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
    for (const c of counts) expect(Math.abs(c - n / 6)).toBeLessThan(5 * Math.sqrt(n / 6));
    let s2 = 0;
    for (let i = 0; i < 20000; i++) s2 += rng.normal() ** 2;
    expect(Math.abs(s2 / 20000 - 1)).toBeLessThan(0.05);
  });

  it('refuses bad seeds and states with typed errors', () => {
    expect(() => createRng(-1)).toThrowError(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => createRng(1.5)).toThrowError(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
    expect(() => restoreRng({ algorithm: 'xoshiro128**', state: [0, 0, 0, 0] })).toThrowError(
      expect.objectContaining({ code: 'INVALID_RNG_STATE' }),
    );
    expect(() => restoreRng({ algorithm: 'mt19937', state: [1, 2, 3, 4] } as never)).toThrowError(
      expect.objectContaining({ code: 'INVALID_RNG_STATE' }),
    );
  });
});
