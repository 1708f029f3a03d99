import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SIMD_FUNCTIONS, simdKernels, simdModuleBytes } from '../src/simd.js';
import { moduleBytes as legacyModuleBytes } from './fixtures/legacy-simd-assembler.js';

// src/wasm/simd.wat replaced a hand-written opcode assembler (kept only here, as
// test/fixtures/legacy-simd-assembler.ts). The module wabt assembles from the .wat must compute
// bitwise what the old byte arrays computed: same function bodies, same outputs on random inputs.
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Section id -> contents of a wasm binary. */
function sections(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  let p = 8;
  while (p < bytes.length) {
    const id = bytes[p++] as number;
    let n = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++] as number;
      n |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    out.set(id, bytes.subarray(p, p + n));
    p += n;
  }
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Argument roles: p pointer (bytes), s stride (bytes), n count, c groups of 4 channels.
const ROLES: Record<(typeof SIMD_FUNCTIONS)[number], string> = {
  dwrow: 'psppnc',
  colsum: 'ppnc',
  bnsums: 'pppppnc',
  silugrad: 'ppppn',
  bnapply: 'pppppnc',
  gemmtile8: 'pspspsn',
  gemmtile4: 'pspspsn',
  gemmpack8: 'pppsn',
  gemmpack4: 'pppsn',
  fold64: 'ppn',
  dwaxpy: 'pppsnc',
  dwgather: 'psppnc',
};

type Memory = { buffer: ArrayBuffer };
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number }) => Memory;
      Module: new (b: Uint8Array) => object;
      Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => void> };
    };
  }
).WebAssembly;

describe('the SIMD module from src/wasm/simd.wat', () => {
  it('is up to date: src/wasm/simd-wasm.ts is what scripts/build-wasm.mjs makes of the .wat', () => {
    expect(() =>
      execFileSync(process.execPath, [join(pkg, 'scripts', 'build-wasm.mjs'), '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('has byte for byte the function bodies, imports and exports of the old assembled module', () => {
    const now = sections(simdModuleBytes());
    const old = sections(legacyModuleBytes());
    // code (10), import (2), export (7); the type section differs only in that wabt merges
    // identical signatures, so the signatures are compared through the instances instead
    for (const id of [2, 7, 10])
      expect(Buffer.from(now.get(id) ?? [])).toEqual(Buffer.from(old.get(id) ?? []));
    const memory = new WA.Memory({ initial: 1 });
    const fresh = new WA.Instance(new WA.Module(simdModuleBytes()), { env: { memory } }).exports;
    const legacy = new WA.Instance(new WA.Module(legacyModuleBytes()), { env: { memory } }).exports;
    for (const name of SIMD_FUNCTIONS) {
      expect(fresh[name]?.length, name).toBe(legacy[name]?.length);
      expect(fresh[name]?.length, name).toBe(ROLES[name].length);
    }
  });

  it('gives bitwise the outputs of the old module for every function on random inputs', () => {
    const r = rng(12);
    const oldModule = new WA.Module(legacyModuleBytes());
    for (let trial = 0; trial < 40; trial++) {
      for (const name of SIMD_FUNCTIONS) {
        const memories = [new WA.Memory({ initial: 4 }), new WA.Memory({ initial: 4 })] as const;
        const init = new Float32Array(memories[0].buffer);
        for (let i = 0; i < init.length; i++) init[i] = Math.fround(r() * 4 - 2);
        new Uint8Array(memories[1].buffer).set(new Uint8Array(memories[0].buffer));
        const args = Array.from(ROLES[name], (role) => {
          if (role === 'p') return 16 * Math.floor(r() * 8192) + (trial % 3 === 0 ? 4 : 0);
          if (role === 's') return 16 * (1 + Math.floor(r() * 12));
          if (role === 'n') return Math.floor(r() * 10);
          return 1 + Math.floor(r() * 4);
        });
        const now = (simdKernels(memories[0]) as unknown as Record<string, (...a: number[]) => void>)[name];
        const old = new WA.Instance(oldModule, { env: { memory: memories[1] } }).exports[name];
        (now as (...a: number[]) => void)(...args);
        (old as (...a: number[]) => void)(...args);
        const a = new Uint8Array(memories[0].buffer);
        const b = new Uint8Array(memories[1].buffer);
        expect(Buffer.compare(a, b), `${name}(${args.join(', ')})`).toBe(0);
      }
    }
  });
});
