import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '@op-screen/pipeline';
import { defaultDeps, reportSchema, reproduce } from '@op-screen/pipeline';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { linearEngine } from './helpers/linear-engine.js';

// The linear learner; as "resnet34" its scores get a fixed, rank-changing jitter so the two
// architectures score the same cases differently.
const engine: Engine = {
  ...linearEngine,
  async predict(model, batches, cfg) {
    const p = await linearEngine.predict(model, batches, cfg);
    if (cfg.arch !== 'resnet34') return p;
    return p.map((v, i) => Math.min(1, Math.max(0, v + 0.3 * Math.sin(i * 12.9898))));
  },
};
const deps = { ...defaultDeps(), engine };
const quiet = () => {};
const opts = { preset: 'tiny', epochs: 3, patients: 24, log: quiet } as const;

describe('reproduce --arch a,b (architectures compared on the same folds)', () => {
  it('refuses an unknown architecture before anything is read or written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'compare-')), 'run');
    await expect(reproduce({ ...opts, out, arch: 'resnet18,resnet_9000' }, deps)).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringContaining('resnet_9000'),
    });
    await expect(reproduce({ ...opts, out, arch: 'resnet18,resnet18' }, deps)).rejects.toMatchObject({
      code: 'BAD_OPTION',
    });
    expect(existsSync(out)).toBe(false);
  });

  it('trains every architecture on the same folds and test patients, with a comparison and paired DeLong', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'compare-')), 'run');
    const { report } = await reproduce({ ...opts, out, arch: 'resnet18,resnet34' }, deps);
    for (const arch of ['resnet18', 'resnet34'])
      for (const seq of ['T1', 'T2'])
        for (const k of [0, 1]) {
          expect(existsSync(join(out, 'checkpoints', arch, seq, `fold-${k}`, 'done.json'))).toBe(true);
          expect(existsSync(join(out, 'model', arch, seq, `fold-${k}`))).toBe(true);
        }
    expect(existsSync(join(out, 'checkpoints', 'T1'))).toBe(false);
    expect(existsSync(join(out, 'model', 'resnet18', 'meta.json'))).toBe(true);

    const rows = parse(readFileSync(join(out, 'predictions.csv'), 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(Object.keys(rows[0] as object)[0]).toBe('arch');
    const testCases = (arch: string) =>
      rows
        .filter((r) => r.arch === arch && r.split === 'test')
        .map((r) => `${r.patient_id}/${r.sequence}/${r.level}`)
        .sort();
    expect(testCases('resnet18').length).toBeGreaterThan(0);
    expect(testCases('resnet34')).toEqual(testCases('resnet18'));
    // Same folds: each fold validates the same images under both architectures.
    const valOf = (arch: string) =>
      rows
        .filter((r) => r.arch === arch && r.split === 'val')
        .map((r) => `${r.fold}/${r.patient_id}/${r.sequence}/${r.level}`)
        .sort();
    expect(valOf('resnet34')).toEqual(valOf('resnet18'));

    const parsed = reportSchema.parse(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')));
    const c = parsed.comparison;
    expect(c?.architectures).toEqual(['resnet18', 'resnet34']);
    // AUC with CI per architecture, sequence (T1, T2, both) and level.
    expect(c?.results).toHaveLength(2 * 3 * 2);
    // The run's own results are the first architecture's.
    const r18 = c?.results.find((r) => r.arch === 'resnet18' && r.sequence === 'T1' && r.level === 'image');
    expect(r18?.auc).toBe(report.results.T1?.image.auc);
    const tests = c?.pairedDeLong ?? [];
    expect(tests.map((t) => `${t.sequence}/${t.level}`).sort()).toEqual([
      'T1/image',
      'T1/patient',
      'T2/image',
      'T2/patient',
    ]);
    const t1 = tests.find((t) => t.sequence === 'T1' && t.level === 'image');
    expect(t1?.n).toBe(testCases('resnet18').filter((k) => k.includes('/T1/')).length);
    expect(t1?.aucA).toBeCloseTo(r18?.auc as number, 12);
    expect(t1?.difference).toBeCloseTo((t1?.aucA as number) - (t1?.aucB as number), 12);
    expect(t1?.p).not.toBeNull();
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Architectures compared');
  });

  it('with one architecture the run directory keeps its single-architecture layout', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'compare-')), 'run');
    const { report } = await reproduce({ ...opts, out, arch: 'resnet18', sequence: 'T1' }, deps);
    expect(report.comparison).toBeUndefined();
    expect(existsSync(join(out, 'checkpoints', 'T1', 'fold-0', 'done.json'))).toBe(true);
    expect(existsSync(join(out, 'model', 'meta.json'))).toBe(true);
    expect(readFileSync(join(out, 'predictions.csv'), 'utf8').split('\n')[0]).toBe(
      '"patient_id","sequence","level","fold","split","label","score","probability","answer"',
    );
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { config: object };
    expect(Object.keys(config.config)).not.toContain('archs');
  });
});
