// A constant or nearly constant crop (preprocess's CONSTANT_CROP pipeline warning) is listed in
// skipped.csv with its reason and never trained on or scored.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultDeps, reproduce } from '@op-screen/pipeline';
import { writeSyntheticCohort } from '@op-screen/synth';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { linearEngine } from './helpers/linear-engine.js';

describe('constant crops (CONSTANT_CROP)', () => {
  it('are skipped with a reason in skipped.csv and left out of training and predictions', async () => {
    const cohort = mkdtempSync(join(tmpdir(), 'constant-crop-'));
    await writeSyntheticCohort(cohort, { patients: 12, seed: 3 });
    const base = defaultDeps();
    // one series reads as a flat slice (a detector gone dark, a blank export), one nearly flat
    const deps = {
      ...base,
      engine: linearEngine,
      read: async (image: string, slice: number | undefined) => {
        const s = await base.read(image, slice);
        if (image.includes('SYN0003')) return { ...s, data: new Float32Array(s.data.length).fill(417) };
        if (image.includes('SYN0005')) {
          // contrast of 0.025 % of the signal: noise, nothing to learn from
          const data = Float32Array.from(s.data, (_, i) => (i % 7 === 0 ? 2000.5 : 2000));
          return { ...s, data };
        }
        return s;
      },
    };
    const out = join(mkdtempSync(join(tmpdir(), 'run-')), 'r');
    const { report } = await reproduce(
      {
        manifest: join(cohort, 'manifest.csv'),
        out,
        preset: 'tiny',
        sequence: 'T1',
        epochs: 1,
        log: () => {},
      },
      deps,
    );
    const manifest = parse(readFileSync(join(cohort, 'manifest.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    const expected = manifest
      .map((r, i) => ({ r, line: i + 2 }))
      .filter(({ r }) => r.sequence === 'T1' && !r.exclude && /SYN000[35]/.test(r.patient_id as string))
      .map(({ line }) => line);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    const skipped = parse(readFileSync(join(out, 'skipped.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    const constant = skipped.filter((s) => s.code === 'CONSTANT_CROP');
    expect(constant.map((s) => Number(s.line)).sort((a, b) => a - b)).toEqual(expected);
    expect(constant.every((s) => /constant .*no contrast to learn from/.test(s.reason as string))).toBe(true);
    expect(constant.some((s) => /nearly constant/.test(s.reason as string))).toBe(true);
    const preds = parse(readFileSync(join(out, 'predictions.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(preds.length).toBeGreaterThan(0);
    expect(preds.filter((p) => /SYN000[35]/.test(p.patient_id as string))).toEqual([]);
    expect(report.skipped).toBe(skipped.length);
  });
});
