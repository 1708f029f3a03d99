// The training script is seeded: the same command gives the same weights, bit for bit, and its
// record lists exactly the cases it used (a short run on three real cases).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REAL_SPINE } from './real-spine.js';

const SCRIPT = join(import.meta.dirname, '../scripts/train.mjs');

function train(out: string, seed: number) {
  execFileSync(
    process.execPath,
    [
      SCRIPT,
      '--data',
      REAL_SPINE,
      '--only',
      'VB3_03,VB3_09,VB1_12',
      '--epochs',
      '1',
      '--samples-per-epoch',
      '16',
      '--seed',
      String(seed),
      '--out',
      out,
      '--quiet',
    ],
    { stdio: 'pipe' },
  );
  return createHash('sha256').update(readFileSync(out)).digest('hex');
}

describe('scripts/train.mjs', () => {
  it('gives the same weights for the same seed, others for another, and records its cases', {
    timeout: 120_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-locate-train-'));
    const a = train(join(dir, 'a.bin'), 5);
    const b = train(join(dir, 'b.bin'), 5);
    const c = train(join(dir, 'c.bin'), 6);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const record = JSON.parse(readFileSync(join(dir, 'a.training.json'), 'utf8'));
    expect(record.sha256).toBe(a);
    expect(record.cases.map((x: { id: string }) => x.id)).toEqual(['VB3_03', 'VB3_09', 'VB1_12']);
    for (const x of record.cases) expect(x.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
