import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type CommandOutput, runEvaluate } from '../src/commands/evaluate.js';

const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface RefCase {
  name: string;
  labels: number[];
  scores: number[];
  scores2?: number[];
  groups?: string[];
  sklearn: {
    rocAuc: number;
    averagePrecision: number;
    brier?: number;
    youden: { threshold: number };
    atYouden: Record<string, number | null>;
  };
  pROC: { auc: number; ci95: [number, number]; pairedDeLong?: { z: number; p: number } };
}
const reference: { cases: RefCase[] } = JSON.parse(
  readFileSync(`${SHARED}data/metrics/reference.json`, 'utf8'),
);
const refCase = (name: string) => reference.cases.find((c) => c.name === name)!;

const dir = mkdtempSync(join(tmpdir(), 'op-screen-evaluate-'));
function writeCsv(name: string, header: string[], rows: (string | number)[][]): string {
  const file = join(dir, name);
  writeFileSync(file, `${header.join(',')}\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  return file;
}
function caseCsv(c: RefCase, name: string): string {
  const header = ['label', 'score'];
  if (c.scores2) header.push('score2');
  if (c.groups) header.push('group');
  return writeCsv(
    name,
    header,
    c.labels.map((y, i) => {
      const r: (string | number)[] = [y, c.scores[i].toPrecision(17)];
      if (c.scores2) r.push(c.scores2[i].toPrecision(17));
      if (c.groups) r.push(c.groups[i]);
      return r;
    }),
  );
}

async function run(args: { input: string; json?: boolean; html?: string; force?: boolean }) {
  let stdout = '';
  let stderr = '';
  const out: CommandOutput = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
  const code = await runEvaluate(args, out);
  return { code, stdout, stderr };
}

// 1e-9: the CSV carries 17 significant digits, so scores round-trip exactly and the only
// differences from scikit-learn / pROC are summation-order ulps.
const TOL = 1e-9;

describe('op-screen evaluate --json', () => {
  it('prints AUC, DeLong CI, AP, Brier, Youden point and paired DeLong equal to sklearn/pROC', async () => {
    const c = refCase('study_like_738');
    const { code, stdout } = await run({ input: caseCsv(c, 'study.csv'), json: true });
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(r.n).toBe(738);
    expect(r.positives).toBe(c.labels.filter((y) => y === 1).length);
    expect(Math.abs(r.auc - c.pROC.auc)).toBeLessThan(TOL);
    expect(Math.abs(r.aucCI95[0] - c.pROC.ci95[0])).toBeLessThan(TOL);
    expect(Math.abs(r.aucCI95[1] - c.pROC.ci95[1])).toBeLessThan(TOL);
    expect(Math.abs(r.averagePrecision - c.sklearn.averagePrecision)).toBeLessThan(TOL);
    expect(Math.abs(r.brier - c.sklearn.brier!)).toBeLessThan(TOL);
    expect(r.threshold).toBe(c.sklearn.youden.threshold);
    for (const k of ['sensitivity', 'specificity', 'ppv', 'npv', 'f1']) {
      expect(Math.abs(r[k] - (c.sklearn.atYouden[k] as number))).toBeLessThan(TOL);
    }
    expect(Math.abs(r.pairedDeLong.z - c.pROC.pairedDeLong!.z)).toBeLessThan(TOL);
    expect(Math.abs(r.pairedDeLong.p - c.pROC.pairedDeLong!.p)).toBeLessThan(TOL);
    expect(r.patient).toBeUndefined();
  });

  it('gives no brier (null) for unscaled scores and adds a mean-pooled patient block with a group column', async () => {
    const tiny = await run({ input: caseCsv(refCase('tiny_unscaled_10'), 'tiny.csv'), json: true });
    expect(tiny.code).toBe(0);
    expect(JSON.parse(tiny.stdout).brier).toBeNull();

    const c = refCase('vertebra_level_240');
    const { code, stdout } = await run({ input: caseCsv(c, 'vertebra.csv'), json: true });
    expect(code).toBe(0);
    const r = JSON.parse(stdout);
    expect(Math.abs(r.auc - c.pROC.auc)).toBeLessThan(TOL);
    // patient level by hand: mean score, positive if any vertebra positive
    const byPatient = new Map<string, { s: number; n: number; y: number }>();
    c.groups!.forEach((g, i) => {
      const e = byPatient.get(g) ?? { s: 0, n: 0, y: 0 };
      e.s += c.scores[i];
      e.n += 1;
      e.y = Math.max(e.y, c.labels[i]);
      byPatient.set(g, e);
    });
    const pts = [...byPatient.values()];
    let wins = 0;
    const pos = pts.filter((p) => p.y === 1);
    const neg = pts.filter((p) => p.y === 0);
    for (const a of pos)
      for (const b of neg) wins += a.s / a.n > b.s / b.n ? 1 : a.s / a.n === b.s / b.n ? 0.5 : 0;
    expect(r.patient.n).toBe(60);
    expect(r.patient.positives).toBe(pos.length);
    expect(Math.abs(r.patient.auc - wins / (pos.length * neg.length))).toBeLessThan(TOL);
    expect(r.patient.aucCI95[0]).toBeLessThan(r.patient.auc);
    expect(r.patient.sensitivity).toBeGreaterThan(0);
  });

  it('writes an HTML report with the plots as inline SVG', async () => {
    const html = join(dir, 'report.html');
    const { code } = await run({ input: caseCsv(refCase('heavy_ties_120'), 'ties.csv'), json: true, html });
    expect(code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text.match(/<svg/g)?.length).toBe(5); // ROC, PR, calibration, decision curve, confusion matrix
    expect(text).toContain('Decision curve');
  });

  it('refuses to overwrite an existing --html file without --force', async () => {
    const html = join(dir, 'keep.html');
    writeFileSync(html, 'mine');
    const input = caseCsv(refCase('heavy_ties_120'), 'ties2.csv');
    const refused = await run({ input, json: true, html });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(JSON.parse(refused.stderr).error).toMatchObject({ code: 'OUTPUT_EXISTS', file: html });
    expect(readFileSync(html, 'utf8')).toBe('mine');
    const forced = await run({ input, json: true, html, force: true });
    expect(forced.code).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('<svg');
  });

  it.each([
    ['a missing file', null, 'INPUT_UNREADABLE', 'file not found'],
    ['a missing score column', 'label,prob\n0,0.1\n1,0.9\n', 'MISSING_COLUMN', "no 'score' column"],
    ['a NaN score', 'label,score\n0,0.1\n1,NaN\n', 'NON_FINITE_SCORE', 'line 3'],
    ['an empty score', 'label,score\n0,0.1\n1,\n', 'NON_FINITE_SCORE', 'line 3'],
    ['a label of 2', 'label,score\n0,0.1\n2,0.9\n', 'INVALID_LABEL', 'must be 0 or 1'],
    ['a single class', 'label,score\n1,0.1\n1,0.9\n', 'SINGLE_CLASS', 'both positives and negatives'],
    ['a ragged row', 'label,score\n0,0.1\n1,0.9,7\n', 'CSV_PARSE', 'not a readable CSV'],
    ['a header only', 'label,score\n', 'EMPTY_INPUT', 'no rows'],
  ])('exits 1 with a JSON error naming the file on %s', async (_what, content, errCode, reason) => {
    const file = join(dir, `bad-${errCode}-${String(reason).length}.csv`);
    if (content !== null) writeFileSync(file, content);
    const { code, stdout, stderr } = await run({ input: file, json: true });
    expect(code).toBe(1);
    // the error is one JSON line on stderr; stdout stays empty
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    const e = JSON.parse(stderr).error;
    expect(e.code).toBe(errCode);
    expect(e.file).toBe(file);
    expect(e.message).toContain(reason);
    expect(stderr).toContain(file);
  });
});

describe('op-screen evaluate on inputs with too little for a statistic', () => {
  it('a two-row file: the CI is not printed as "NaN, NaN"; it says why (too few for DeLong)', async () => {
    const file = writeCsv(
      'two.csv',
      ['label', 'score'],
      [
        [0, 0.2],
        [1, 0.8],
      ],
    );
    const { code, stdout } = await run({ input: file });
    expect(code).toBe(0);
    expect(stdout).not.toContain('NaN');
    expect(stdout).toMatch(/AUC 1\.0000 \[95% CI not computed: too few positives or negatives for DeLong/);
  });

  it('a group column whose patients are all positive: row-level results print, the patient level says why it is missing', async () => {
    const file = writeCsv(
      'all-positive-patients.csv',
      ['label', 'score', 'group'],
      [
        [1, 0.2, 'a'],
        [1, 0.8, 'a'],
        [0, 0.3, 'a'],
        [1, 0.9, 'b'],
        [0, 0.1, 'b'],
      ],
    );
    const text = await run({ input: file });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^AUC 0\.8333 /m);
    expect(text.stdout).toMatch(
      /^patient level not evaluated: 2 of 2 patients are positive.*\(SINGLE_CLASS\)$/m,
    );
    const json = await run({ input: file, json: true });
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r.auc).toBeCloseTo(5 / 6, 12);
    expect(r.patient).toBeUndefined();
    expect(r.patientUnavailable.code).toBe('SINGLE_CLASS');
  });
});

describe('the built op-screen binary', () => {
  const exec = promisify(execFile);
  it('prints its version with --version and -V', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const r = await exec(process.execPath, [CLI, flag]);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('prints the evaluation JSON and exits 0, and exits 1 with a JSON error on bad input', async () => {
    const c = refCase('perfect_8');
    const ok = await exec(process.execPath, [
      CLI,
      'evaluate',
      '--input',
      caseCsv(c, 'perfect.csv'),
      '--json',
    ]);
    const r = JSON.parse(ok.stdout);
    expect(r.auc).toBe(1);
    expect(r.aucCI95).toEqual([1, 1]);
    const bad = writeCsv(
      'single.csv',
      ['label', 'score'],
      [
        [0, 0.2],
        [0, 0.4],
      ],
    );
    const err = await exec(process.execPath, [CLI, 'evaluate', '--input', bad, '--json']).catch((e) => e);
    expect(err.code).toBe(1);
    expect(JSON.parse(err.stderr).error).toMatchObject({ code: 'SINGLE_CLASS', file: bad });
  });
});
