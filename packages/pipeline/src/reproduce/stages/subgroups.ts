import { subgroupAuc } from '@op-screen/metrics';
import type { SubgroupAnalysis, SubgroupResult, Subgroups } from '../../report/sections.js';
import type { VertebraImage } from '../../run/data.js';
import { type Scored, toPatientLevel } from '../../run/score.js';
import type { Evaluation } from './evaluation.js';

/** A subgroup's AUC is reported only when it has at least this many positives and as many negatives. */
export const SUBGROUP_MIN_PER_CLASS = 5;

export const AGE_BANDS = ['<50', '50-59', '60-69', '70-79', '80+'] as const;

/** The age band of an age in years ("80+" includes the manifest's capped 90). */
export function ageBand(age: number): (typeof AGE_BANDS)[number] {
  if (age < 50) return '<50';
  if (age < 60) return '50-59';
  if (age < 70) return '60-69';
  if (age < 80) return '70-79';
  return '80+';
}

/** Subgroup AUCs of one scored set; groups keep the order given in `order` (then any others). */
export function subgroupResults(
  s: Pick<Scored, 'labels' | 'scores'>,
  groups: Array<string | undefined>,
  minPerClass = SUBGROUP_MIN_PER_CLASS,
  order: readonly string[] = [],
): SubgroupResult[] {
  const res = subgroupAuc(s.labels, s.scores, groups, { minPerClass }).map(
    (g): SubgroupResult => ({
      group: g.group,
      n: g.n,
      positives: g.positives,
      negatives: g.negatives,
      reported: g.auc !== undefined,
      auc: g.auc ?? null,
      aucCI95: g.ci ?? null,
      reason: g.reason ?? null,
    }),
  );
  const rank = (g: string) => (order.indexOf(g) < 0 ? order.length : order.indexOf(g));
  return res.sort((a, b) => rank(a.group) - rank(b.group));
}

type Attr = (im: VertebraImage) => string | undefined;

const ATTRS: Record<'sex' | 'ageBand', { attr: Attr; column: string; order: readonly string[] }> = {
  sex: { attr: (im) => im.row.sex, column: 'sex', order: ['F', 'M'] },
  ageBand: {
    attr: (im) => (im.row.age === undefined ? undefined : ageBand(im.row.age)),
    column: 'age',
    order: AGE_BANDS,
  },
};

/**
 * Stage 6b: per result (T1, T2, both), AUC with DeLong CI on the hold-out test set per vertebral
 * level (image level), and per sex and age band (image and patient level) when the manifest has
 * `sex` / `age` columns. A group with fewer than 5 positives or 5 negatives is listed with the
 * reason and no AUC.
 */
export function subgroupStage(ev: Evaluation, images: VertebraImage[]): Subgroups {
  const present = {
    sex: images.some((im) => im.row.sex !== undefined),
    ageBand: images.some((im) => im.row.age !== undefined),
  };
  const results: Subgroups['results'] = {};
  for (const [name, entries] of ev.testByResult) {
    const ims = entries.map((e) => ev.imageByKey.get(e.key) as VertebraImage);
    const img = ev.collect(entries);
    const analyses: SubgroupAnalysis[] = [
      {
        by: 'level',
        unit: 'image',
        groups: subgroupResults(
          img,
          ims.map((im) => im.row.level),
          SUBGROUP_MIN_PER_CLASS,
          ['L1', 'L2', 'L3', 'L4'],
        ),
      },
    ];
    const pat = toPatientLevel(img);
    const firstImage = new Map<string, VertebraImage>();
    for (const im of ims) if (!firstImage.has(im.row.patientId)) firstImage.set(im.row.patientId, im);
    for (const by of ['sex', 'ageBand'] as const) {
      if (!present[by]) continue;
      const { attr, order } = ATTRS[by];
      analyses.push(
        { by, unit: 'image', groups: subgroupResults(img, ims.map(attr), SUBGROUP_MIN_PER_CLASS, order) },
        {
          by,
          unit: 'patient',
          groups: subgroupResults(
            pat,
            pat.patients.map((pid) => attr(firstImage.get(pid) as VertebraImage)),
            SUBGROUP_MIN_PER_CLASS,
            order,
          ),
        },
      );
    }
    results[name] = analyses;
  }
  const unavailable = (['sex', 'ageBand'] as const)
    .filter((by) => !present[by])
    .map((by) => ({
      by,
      reason: `the manifest has no ${ATTRS[by].column} column (or it is empty on every row)`,
    }));
  return { minPerClass: SUBGROUP_MIN_PER_CLASS, ageBands: [...AGE_BANDS], results, unavailable };
}
