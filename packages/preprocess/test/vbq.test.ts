import { describe, expect, it } from 'vitest';
import { centralMedian, regionMedian, vbqScore } from '../src/index.js';

describe('VBQ (Ehresman et al. 2020)', () => {
  it('takes the median of the centred half-box, so cortex and ROI margins do not count', () => {
    // 4x4: a bright rim (100) around a 2x2 core of 10, 20, 30, 40
    const data = Float32Array.from([
      100, 100, 100, 100, 100, 10, 20, 100, 100, 30, 40, 100, 100, 100, 100, 100,
    ]);
    const region = { data, width: 4, height: 4 };
    expect(centralMedian(region)).toBe(25);
    expect(regionMedian(region)).toBe(100);
    expect(centralMedian(region, 1)).toBe(100);
  });

  it('is the median marrow signal over the CSF signal, NaN without a usable CSF value', () => {
    expect(vbqScore([300, 100, 200, 400], 100)).toBe(2.5);
    expect(vbqScore([300, 100, 200], 50)).toBe(4);
    expect(vbqScore([300], 0)).toBeNaN();
    expect(vbqScore([], 10)).toBeNaN();
  });
});
