import { z } from 'zod';
import { f3 } from './format.js';
import type { ReportSection } from './section.js';

const nullableNumber = z.number().nullable();
const pairedSchema = z.object({ cnnAuc: z.number(), z: nullableNumber, p: nullableNumber });

/** The report.json fields of the baselines section. */
export const baselinesShape = {
  baselines: z.object({
    /**
     * VBQ (T1, patient level). VBQ fits nothing to the data, so `n`, `auc`, `aucCI95` are over all
     * patients of the cohort (`scope`); `test` is the hold-out set with the paired DeLong test
     * against the CNN's T1 patient score (`pairedDeLong` repeats it; null when the test set is too small).
     */
    vbq: z
      .object({
        level: z.literal('patient'),
        scope: z.literal('all-patients').default('all-patients'),
        n: z.number().int(),
        positives: z.number().int().optional(),
        auc: z.number(),
        aucCI95: z.tuple([z.number(), z.number()]),
        test: z
          .object({
            n: z.number().int(),
            positives: z.number().int(),
            auc: z.number(),
            aucCI95: z.tuple([z.number(), z.number()]),
            pairedDeLong: pairedSchema,
          })
          .nullable()
          .default(null),
        pairedDeLong: pairedSchema.nullable(),
      })
      .optional(),
  }),
};

/** The VBQ baseline (T1, patient level) and its paired comparison with the CNN. */
export const baselinesSection: ReportSection = {
  name: 'baselines',
  shape: baselinesShape,
  html(report) {
    const vbq = report.baselines.vbq;
    if (!vbq) return '';
    const t = vbq.test;
    const paired = t
      ? ` On the ${t.n} hold-out test patients: VBQ AUC ${f3(t.auc)} (${f3(t.aucCI95[0])}–${f3(t.aucCI95[1])}), CNN T1 patient AUC ${f3(t.pairedDeLong.cnnAuc)}; paired DeLong z = ${f3(t.pairedDeLong.z)}, p = ${f3(t.pairedDeLong.p)}.`
      : ' Too few test patients for the paired comparison with the CNN.';
    return `<h2>VBQ baseline (T1, patient level)</h2><p>VBQ fits nothing to the data, so it is evaluated on all ${vbq.n} patients: AUC ${f3(vbq.auc)} (${f3(vbq.aucCI95[0])}–${f3(vbq.aucCI95[1])}).${paired}</p>`;
  },
};
