import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '@op-screen/pipeline';
import { defaultDeps, reproduce } from '@op-screen/pipeline';
import { writeSyntheticCohort } from '@op-screen/synth';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { linearEngine } from './helpers/linear-engine.js';

const base = mkdtempSync(join(tmpdir(), 'upfront-'));
const cli = join(__dirname, '..', 'dist', 'cli.js');
const quiet = () => {};
let created = 0;
/** The linear engine, counting the models it is asked to create: 0 means nothing trained. */
const counting: Engine = {
  ...linearEngine,
  createModel: (...a) => {
    created++;
    return linearEngine.createModel(...a);
  },
};
const deps = { ...defaultDeps(), engine: counting };

let rows: Array<Record<string, string>>;
let columns: string[];

/** A copy of the synthetic cohort's manifest with `edit` applied to its rows. */
function manifestWith(
  name: string,
  edit: (r: Array<Record<string, string>>) => Array<Record<string, string>>,
): string {
  const path = join(base, 'cohort', `${name}.csv`);
  writeFileSync(
    path,
    stringify([columns, ...edit(rows.map((r) => ({ ...r }))).map((r) => columns.map((c) => r[c] ?? ''))]),
  );
  return path;
}

beforeAll(async () => {
  await writeSyntheticCohort(join(base, 'cohort'), { patients: 24, seed: 4 });
  const text = readFileSync(join(base, 'cohort', 'manifest.csv'), 'utf8');
  rows = parse(text, { columns: true }) as Array<Record<string, string>>;
  columns = Object.keys(rows[0] as object);
}, 60_000);

describe('reproduce refuses, before any training, what cannot give a result', () => {
  it('a T2-only manifest under the default --sequence both: a usage error naming --sequence, no run directory', () => {
    const m = manifestWith('t2-only', (r) => r.filter((x) => x.sequence === 'T2'));
    const out = join(base, 't2-only-run');
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [cli, 'reproduce', '--manifest', m, '--out', out], { stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(
      /--sequence: the manifest has no rows of T1, which the run would train; run the sequence it has: T2/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a 6-patient cohort either runs to its report or is refused before training, never after', async () => {
    const six = new Set([...new Set(rows.map((r) => r.patient_id))].slice(0, 6));
    const m = manifestWith('six', (r) => r.filter((x) => six.has(x.patient_id as string)));
    for (const seed of [1, 2, 3, 4, 5]) {
      created = 0;
      const out = join(base, `six-run-${seed}`);
      const r = await reproduce(
        { manifest: m, out, preset: 'tiny', epochs: 1, seed, log: quiet },
        deps,
      ).catch((e: unknown) => e);
      if (r instanceof Error) {
        expect(r).toMatchObject({ code: 'NOT_ENOUGH_DATA' });
        expect(created).toBe(0);
      } else expect(existsSync(join(out, 'report.json'))).toBe(true);
    }
    // no positive at all: the hold-out set cannot have both classes
    const negative = manifestWith('six-negative', (r) =>
      r.filter((x) => six.has(x.patient_id as string)).map((x) => ({ ...x, t_score: '0' })),
    );
    created = 0;
    const err = await reproduce(
      { manifest: negative, out: join(base, 'six-negative-run'), preset: 'tiny', log: quiet },
      deps,
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'NOT_ENOUGH_DATA',
      option: 'holdOut',
      message: expect.stringMatching(
        /0 positive and \d+ negative images .*Nothing was trained: add patients, or change the split/,
      ),
    });
    expect(created).toBe(0);
  }, 60_000);

  it('rows without roi on a multi-slice series are NO_ROI with advice; --whole-image allows them', async () => {
    const m = manifestWith('no-roi', (r) => r.map((x) => ({ ...x, roi: '', csf_roi: '' })));
    created = 0;
    const out = join(base, 'no-roi-run');
    const err = await reproduce({ manifest: m, out, preset: 'tiny', log: quiet }, deps).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'NO_ROI',
      option: 'wholeImage',
      message: expect.stringContaining('op-screen annotate'),
    });
    expect(created).toBe(0);
    const skipped = parse(readFileSync(join(out, 'skipped.csv'), 'utf8'), { columns: true }) as Array<{
      code: string;
      reason: string;
    }>;
    expect(skipped.filter((s) => s.code === 'NO_ROI').length).toBeGreaterThan(0);
    expect(skipped.find((s) => s.code === 'NO_ROI')?.reason).toMatch(/5-slice series/);
    const ok = await reproduce(
      { manifest: m, out: join(base, 'whole-run'), preset: 'tiny', epochs: 1, wholeImage: true, log: quiet },
      deps,
    );
    expect(ok.report.config.wholeImage).toBe(true);
  }, 60_000);

  it('--folds and --hold-out change the split and are recorded', async () => {
    const r = await reproduce(
      {
        manifest: join(base, 'cohort', 'manifest.csv'),
        out: join(base, 'folds-run'),
        preset: 'tiny',
        epochs: 1,
        folds: 3,
        holdOut: 0.3,
        log: quiet,
      },
      deps,
    );
    expect(r.report.config.folds).toBe(3);
    expect(r.report.config.holdOutFraction).toBe(0.3);
    expect(r.report.results.T1?.image.folds).toHaveLength(3);
  }, 60_000);
});
