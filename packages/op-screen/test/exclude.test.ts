// The manifest's `exclude` column (written by `op-screen annotate`): reproduce leaves those rows
// out, lists them in skipped.csv as EXCLUDED and reports them counted by reason.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDeps, reportSchema, reproduce } from '@op-screen/pipeline';
import { writeSyntheticCohort } from '@op-screen/synth';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { linearEngine } from './helpers/linear-engine.js';

describe('reproduce with an exclude column', () => {
  it('leaves excluded vertebrae out and reports them by reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cohort-exclude-'));
    await writeSyntheticCohort(dir, { patients: 24, seed: 9 });
    const manifest = join(dir, 'manifest.csv');
    const lines = readFileSync(manifest, 'utf8').trimEnd().split('\n');
    const reasons: Record<number, string> = { 3: 'fracture', 11: 'fracture', 20: 'severe_degeneration' };
    const edited = lines.map((l, i) => (i === 0 ? `${l},exclude` : `${l},${reasons[i] ?? ''}`));
    writeFileSync(manifest, `${edited.join('\n')}\n`);
    const out = join(dir, 'run');
    const logs: string[] = [];
    await reproduce(
      { manifest, out, preset: 'tiny', epochs: 1, log: (m: string) => logs.push(m) },
      { ...defaultDeps(), engine: linearEngine },
    );
    const report = reportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    expect(report.excluded).toEqual({ fracture: 2, severe_degeneration: 1 });
    const skipped = parse(readFileSync(join(out, 'skipped.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(skipped.map((s) => [s.line, s.code])).toEqual([
      ['4', 'EXCLUDED'],
      ['12', 'EXCLUDED'],
      ['21', 'EXCLUDED'],
    ]);
    const preds = parse(readFileSync(join(out, 'predictions.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    const excludedRow = edited[3]?.split(',') ?? [];
    expect(
      preds.some(
        (p) => p.patient_id === excludedRow[0] && p.sequence === excludedRow[1] && p.level === excludedRow[2],
      ),
    ).toBe(false);
    expect(logs.join('\n')).toContain('excluded by the manifest: 2 fracture, 1 severe degeneration');
  });
});
