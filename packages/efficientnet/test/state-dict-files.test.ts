import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  readSafetensors,
  readStateDict,
  readTorchCheckpoint,
  writeSafetensors,
  ZooError,
} from '../src/index.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

describe('torch .pth (zip) checkpoints', () => {
  // tiny-state-dict.pth and .json were written by torch 1.13 (fixtures/make_pth.py)
  const expected = JSON.parse(new TextDecoder().decode(fixture('tiny-state-dict.json'))) as Record<
    string,
    { shape: number[]; values: number[] }
  >;
  const got = readTorchCheckpoint(fixture('tiny-state-dict.pth'), 'tiny-state-dict.pth');

  it('reads every floating tensor with torch shapes and values (f32 exact, f16/bf16 widened exactly)', () => {
    expect([...got.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected)) {
      expect(got.get(k)?.shape, k).toEqual(e.shape);
      expect(Array.from(got.get(k)?.data ?? []), k).toEqual(e.values.map((v) => Math.fround(v)));
    }
  });

  it('gathers strided views and tensors sharing one storage at offsets', () => {
    expect(got.get('transposed')?.shape).toEqual([4, 3]);
    expect(got.get('shared.b')?.data.length).toBe(4);
  });

  it('leaves integer buffers (num_batches_tracked) out', () => {
    expect(got.has('bn.num_batches_tracked')).toBe(false);
  });

  it('is picked by readStateDict from the zip magic', () => {
    expect(readStateDict(fixture('tiny-state-dict.pth')).get('bn.running_var')?.data).toEqual(
      new Float32Array([0.5, 1.25]),
    );
  });

  it('refuses a truncated checkpoint with a typed error', () => {
    const bytes = fixture('tiny-state-dict.pth');
    expect(() => readTorchCheckpoint(bytes.subarray(0, 600), 'cut.pth')).toThrow(ZooError);
  });
});

describe('safetensors', () => {
  it('round-trips float32 tensors and metadata through write -> read', () => {
    const t = new Map([
      ['a', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -0]) }],
      ['b', { shape: [1], data: Float32Array.from([Math.PI]) }],
    ]);
    const back = readSafetensors(writeSafetensors(t, { format: 'pt' }));
    expect(back.get('a')?.shape).toEqual([2, 3]);
    expect(Array.from(back.get('a')?.data ?? [])).toEqual(Array.from(t.get('a')?.data ?? []));
    expect(back.get('b')?.data[0]).toBe(Math.fround(Math.PI));
  });

  function rawFile(header: object, data: Uint8Array): Uint8Array {
    const h = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(8 + h.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(data, 8 + h.length);
    return out;
  }

  it('widens F16 and BF16 exactly', () => {
    // f16: 1.5 = 0x3e00, -0.25 = 0xb400, 65504 = 0x7bff, 2^-24 = 0x0001; bf16: 3.140625 = 0x4049, -2 = 0xc000
    const f16 = new Uint8Array(new Uint16Array([0x3e00, 0xb400, 0x7bff, 0x0001]).buffer);
    const bf16 = new Uint8Array(new Uint16Array([0x4049, 0xc000]).buffer);
    const data = new Uint8Array(12);
    data.set(f16, 0);
    data.set(bf16, 8);
    const r = readSafetensors(
      rawFile(
        {
          h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
          b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
        },
        data,
      ),
    );
    expect(Array.from(r.get('h')?.data ?? [])).toEqual([1.5, -0.25, 65504, 2 ** -24]);
    expect(Array.from(r.get('b')?.data ?? [])).toEqual([3.140625, -2]);
  });

  it('refuses offsets inconsistent with the shape, a lying header length and integer dtypes', () => {
    const data = new Uint8Array(8);
    expect(() =>
      readSafetensors(rawFile({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data)),
    ).toThrow(expect.objectContaining({ code: 'SAFETENSORS_INVALID' }));
    const lying = rawFile({}, data);
    new DataView(lying.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => readSafetensors(lying)).toThrow(expect.objectContaining({ code: 'SAFETENSORS_INVALID' }));
    expect(() =>
      readSafetensors(rawFile({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, data)),
    ).toThrow(expect.objectContaining({ code: 'SAFETENSORS_DTYPE' }));
  });
});
