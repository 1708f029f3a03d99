// `op-screen locate` as a user runs it: one series to one JSON line (the shape) and a PNG,
// a label map through --from-seg, and typed errors for a missing path and an existing --png.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REAL_SPINE } from './helpers/real-spine.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const run = (args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, OP_SCREEN_BACKEND: 'wasm' },
  });

describe('op-screen locate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-locate-cli-'));

  it('prints one JSON line with boxes, mm, confidences and warnings, and writes the overlay', () => {
    const png = join(dir, 'check.png');
    const r = run(['locate', join(REAL_SPINE, 'zukic/VB1_16/image.nii.gz'), '--json', '--png', png]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.stdout);
    expect(Number.isInteger(j.slice)).toBe(true);
    for (const level of ['L1', 'L2', 'L3', 'L4']) {
      const b = j.levels[level];
      expect(b.box).toHaveLength(4);
      expect(b.centerMm).toHaveLength(3);
      expect(b.cornersMm).toHaveLength(4);
      expect(b.confidence).toBeGreaterThan(0);
    }
    expect(j.csf.box).toHaveLength(4);
    expect(Array.isArray(j.warnings)).toBe(true);
    expect([...readFileSync(png).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const again = run(['locate', join(REAL_SPINE, 'zukic/VB1_16/image.nii.gz'), '--png', png]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('OUTPUT_EXISTS');
  });

  it('derives the boxes of a label map with --from-seg', () => {
    const r = run([
      'locate',
      '--from-seg',
      join(REAL_SPINE, 'myosegmentum/VB3_07/mask.nii.gz'),
      '--labels',
      'verse',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const card = JSON.parse(readFileSync(join(REAL_SPINE, 'myosegmentum/VB3_07/case.json'), 'utf8'));
    // the slice it picks has the largest L1-L4 area: the card's slice or a neighbour
    expect(Math.abs(j.slice - card.mid_sagittal_slice_k)).toBeLessThanOrEqual(1);
    expect(Object.keys(j.levels)).toEqual(expect.arrayContaining(['L1', 'L2', 'L3', 'L4', 'L5']));
    const bad = run([
      'locate',
      '--from-seg',
      join(REAL_SPINE, 'myosegmentum/VB3_07/mask.nii.gz'),
      '--labels',
      'nnunet',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('BAD_OPTION');
  });

  it('names the file and the reason for a missing path or a non-image', () => {
    const missing = run(['locate', join(dir, 'nope.nii.gz'), '--json']);
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.stderr).error.code).toBe('NOT_FOUND');
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'patient notes, not an image\n');
    const notImage = run(['locate', text]);
    expect(notImage.status).toBe(1);
    expect(notImage.stderr).toContain('notes.txt');
  });
});

describe('op-screen locate --manifest --jobs', () => {
  it('writes the same manifest with 2 child processes as with 1 in-process', { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-locate-jobs-'));
    const cases = ['myosegmentum/VB3_14', 'myosegmentum/VB3_27', 'zukic/VB1_07', 'zukic/VB1_12'];
    const lines = ['patient_id,sequence,level,image,label'];
    cases.forEach((c, i) => {
      for (const l of ['L1', 'L2', 'L3', 'L4'])
        lines.push(`P${i},T2,${l},${join(REAL_SPINE, c, 'image.nii.gz')},${i % 2}`);
    });
    const a = join(dir, 'a.csv');
    const b = join(dir, 'b.csv');
    writeFileSync(a, `${lines.join('\n')}\n`);
    writeFileSync(b, `${lines.join('\n')}\n`);
    const one = run(['locate', '--manifest', a, '--jobs', '1', '--json']);
    expect(one.status, one.stderr).toBe(0);
    const two = run(['locate', '--manifest', b, '--jobs', '2', '--json']);
    expect(two.status, two.stderr).toBe(0);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
    expect(JSON.parse(two.stdout)).toEqual(JSON.parse(one.stdout));
    expect(JSON.parse(one.stdout).filled).toBeGreaterThanOrEqual(8); // 2 of the 4 series at least
  });
});
