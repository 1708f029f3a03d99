import { z } from 'zod';
import { esc, f3 } from './format.js';
import type { ReportSection } from './section.js';

const ci = z.tuple([z.number(), z.number()]).nullable();
const rate = z.number().nullable();

/** The patient-level indeterminate band of one result and what it gives on the hold-out test patients. */
export const bandResultSchema = z.object({
  /** Calibrated patient probability below which the answer is `low` (rule-out). */
  ruleOut: z.number(),
  /** Calibrated patient probability at or above which the answer is `high` (rule-in). */
  ruleIn: z.number(),
  /** The targets they were chosen for on the development folds' out-of-fold patients. */
  sensitivity: z.number(),
  specificity: z.number(),
  /** True when one threshold meets both targets: no patient is indeterminate. */
  collapsed: z.boolean(),
  /** Hold-out test patients: coverage (share decided), and among decided patients the usual rates with Wilson 95% CIs. */
  test: z.object({
    n: z.number().int(),
    decided: z.number().int(),
    indeterminate: z.number().int(),
    coverage: z.number(),
    coverageCI: ci,
    tp: z.number().int(),
    fp: z.number().int(),
    tn: z.number().int(),
    fn: z.number().int(),
    sensitivity: rate,
    specificity: rate,
    ppv: rate,
    npv: rate,
    ci: z.object({ level: z.number(), sensitivity: ci, specificity: ci, ppv: ci, npv: ci }),
  }),
});
export type BandResultBlock = z.infer<typeof bandResultSchema>;

/** Per result (T1, T2, both); null when the development patients hold one class. */
export const bandSchema = z.record(z.string(), bandResultSchema.nullable());
export type BandSection = z.infer<typeof bandSchema>;

const withCi = (v: number | null, c: [number, number] | null) =>
  v === null ? 'n/a' : `${f3(v)} (${c ? `${f3(c[0])}–${f3(c[1])}` : 'CI n/a'})`;

function bandHtml(band: BandSection): string {
  const entries = Object.entries(band);
  if (!entries.length) return '';
  const rows = entries.map(([name, b]) => {
    if (!b)
      return `<tr><td>${esc(name)}</td><td colspan="8">no band: the development patients hold one class</td></tr>`;
    const t = b.test;
    return `<tr><td>${esc(name)}</td><td>${f3(b.ruleOut)}</td><td>${f3(b.ruleIn)}${b.collapsed ? ' (collapsed)' : ''}</td><td>${t.n}</td><td>${t.decided} (${withCi(t.coverage, t.coverageCI)})</td><td>${withCi(t.sensitivity, t.ci.sensitivity)}</td><td>${withCi(t.specificity, t.ci.specificity)}</td><td>${withCi(t.ppv, t.ci.ppv)}</td><td>${withCi(t.npv, t.ci.npv)}</td></tr>`;
  });
  const first = entries.find(([, b]) => b)?.[1];
  const targets = first
    ? `rule-out where sensitivity >= ${first.sensitivity}, rule-in where specificity >= ${first.specificity}`
    : '';
  return `<h2>Three-way answer: low, indeterminate (refer to DXA), high</h2><p class="note">Patient level, on calibrated probabilities. The two thresholds are chosen on the development folds' out-of-fold patients (${esc(targets)}); a patient below the rule-out threshold is low, at or above the rule-in threshold high, and in between indeterminate. On the hold-out test patients: coverage is the share decided; sensitivity, specificity, PPV and NPV are among decided patients, with Wilson 95% CIs.</p><table><tr><th>result</th><th>rule-out</th><th>rule-in</th><th>patients</th><th>decided (coverage)</th><th>sensitivity</th><th>specificity</th><th>PPV</th><th>NPV</th></tr>${rows.join('')}</table>`;
}

/** The report.json fields of the band section. */
export const bandShape = {
  /** The patient-level indeterminate band per result, and its coverage and decided-case rates on the test set. */
  band: bandSchema.default({}),
};

/** The three-way answer (low / indeterminate / high) per result: thresholds and test-set coverage. */
export const bandSection: ReportSection = {
  name: 'band',
  shape: bandShape,
  html: (report) => bandHtml(report.band),
};
