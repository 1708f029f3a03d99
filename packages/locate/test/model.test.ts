import { createRng } from '@op-screen/metrics';
import { describe, expect, it } from 'vitest';
import { LocateError } from '../src/errors.js';
import { locatorFromBytes } from '../src/locator.js';
import {
  DEFAULT_SPEC,
  decodeWeights,
  encodeWeights,
  initParams,
  paramCount,
  paramDefs,
} from '../src/model.js';

describe('weights file', () => {
  const params = initParams(DEFAULT_SPEC, createRng(3));
  const bytes = encodeWeights(DEFAULT_SPEC, 2, params);

  it('round-trips every parameter bit for bit', () => {
    const { header, params: back } = decodeWeights(bytes);
    expect(header.spec).toEqual(DEFAULT_SPEC);
    expect(header.spacing).toBe(2);
    expect(back.length).toBe(paramDefs(DEFAULT_SPEC).length);
    for (const [i, p] of back.entries())
      expect(Buffer.from(p.buffer).equals(Buffer.from(params[i].buffer))).toBe(true);
    expect(paramCount(DEFAULT_SPEC)).toBe(params.reduce((s, p) => s + p.length, 0));
  });

  it('refuses a bad magic, a truncated file, trailing bytes and a wrong hash with BAD_WEIGHTS', async () => {
    const bad = bytes.slice();
    bad[0] = 0x41;
    expect(() => decodeWeights(bad, 'w.bin')).toThrow(LocateError);
    expect(() => decodeWeights(bytes.subarray(0, bytes.length - 8))).toThrow(/truncated/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => decodeWeights(longer)).toThrow(/after the last weight/);
    await expect(locatorFromBytes(bytes, '0'.repeat(64))).rejects.toMatchObject({ code: 'BAD_WEIGHTS' });
  });
});
