import { vbqScore } from '@op-screen/preprocess';
import type { Report } from '../../report/schema.js';
import type { RunConfig } from '../../run/config.js';
import type { VertebraImage } from '../../run/data.js';
import { compareAucs, metricBlock } from '../../run/score.js';
import type { SequenceScores } from '../../run/types.js';

interface PatientVbq {
  marrow: number[];
  /** CSF median of the L3 row, when that row has a csf_roi. */
  csfL3: number | undefined;
  /** CSF medians of the other rows (fallback when L3 has none, e.g. an excluded fractured L3). */
  csfOther: number[];
  label: 0 | 1;
}

/** Per patient: the T1 marrow signals of its usable vertebrae, its CSF signal and its label. */
function vbqInputs(images: VertebraImage[]): Map<string, PatientVbq> {
  const out = new Map<string, PatientVbq>();
  for (const im of images) {
    if (im.row.sequence !== 'T1') continue;
    let p = out.get(im.row.patientId);
    if (!p) {
      p = { marrow: [], csfL3: undefined, csfOther: [], label: 0 };
      out.set(im.row.patientId, p);
    }
    p.marrow.push(im.marrowSignal);
    if (im.row.label === 1) p.label = 1;
    if (im.csfSignal !== undefined) {
      if (im.row.level === 'L3') p.csfL3 = im.csfSignal;
      else p.csfOther.push(im.csfSignal);
    }
  }
  return out;
}

/** The patient's VBQ: CSF at L3, else the median CSF of its other rows (Ehresman used L2/L4 when L3 was unusable). */
export function patientVbq(p: PatientVbq): number {
  let csf = p.csfL3;
  if (csf === undefined && p.csfOther.length) {
    const s = [...p.csfOther].sort((a, b) => a - b);
    const n = s.length;
    csf = n % 2 ? (s[(n - 1) / 2] as number) : 0.5 * ((s[n / 2 - 1] as number) + (s[n / 2] as number));
  }
  return vbqScore(p.marrow, csf ?? Number.NaN);
}

const enoughOfEach = (lab: Uint8Array, min: number) => {
  const pos = lab.reduce((s, v) => s + v, 0);
  return pos >= min && lab.length - pos >= min;
};

/**
 * Stage 7: the VBQ baseline (Ehresman 2020: median L1-L4 marrow signal / L3 CSF signal on T1).
 * VBQ is a fixed formula with nothing fitted to the data, so every patient is an unseen patient
 * for it: its AUC is reported on all patients of the cohort (`auc`, `n`), where its CI is about
 * half as wide as on the hold-out set alone, and on the hold-out test patients (`test`), where it
 * is compared with the CNN's patient-level T1 score (mean of the vertebra scores) by paired DeLong.
 */
export function vbqBaseline(
  cfg: RunConfig,
  seqScores: Map<string, SequenceScores>,
  imageByKey: Map<string, VertebraImage>,
  log: (line: string) => void,
): Report['baselines'] {
  const baselines: Report['baselines'] = {};
  if (!cfg.sequences.includes('T1')) return baselines;
  const byPatient = vbqInputs([...imageByKey.values()]);
  const usable = [...byPatient.entries()].filter(([, p]) => Number.isFinite(patientVbq(p)));
  const lab = Uint8Array.from(usable, ([, p]) => p.label);
  if (usable.length < 4 || !enoughOfEach(lab, 2)) {
    log('VBQ baseline: not enough patients with a T1 csf_roi (needs 2 of each class)');
    return baselines;
  }
  const vbq = Float64Array.from(usable, ([, p]) => patientVbq(p));
  const all = metricBlock(
    { labels: lab, scores: vbq, cases: [], patients: [] },
    Number.POSITIVE_INFINITY,
    [],
    [],
  );
  const cnnByPatient = new Map<string, number[]>();
  for (const e of seqScores.get('T1')?.test ?? []) {
    const pid = (imageByKey.get(e.key) as VertebraImage).row.patientId;
    const list = cnnByPatient.get(pid) ?? [];
    list.push(e.score);
    cnnByPatient.set(pid, list);
  }
  const test = usable.filter(([pid]) => cnnByPatient.has(pid));
  const tLab = Uint8Array.from(test, ([, p]) => p.label);
  let testBlock: NonNullable<Report['baselines']['vbq']>['test'] = null;
  if (test.length >= 4 && enoughOfEach(tLab, 2)) {
    const tVbq = Float64Array.from(test, ([, p]) => patientVbq(p));
    const cnn = Float64Array.from(test, ([pid]) => {
      const s = cnnByPatient.get(pid) as number[];
      return s.reduce((a, v) => a + v, 0) / s.length;
    });
    const b = metricBlock(
      { labels: tLab, scores: tVbq, cases: [], patients: [] },
      Number.POSITIVE_INFINITY,
      [],
      [],
    );
    testBlock = {
      n: test.length,
      positives: b.positives,
      auc: b.auc,
      aucCI95: b.aucCI95,
      pairedDeLong: compareAucs(tLab, cnn, tVbq),
    };
  } else log('VBQ baseline: too few test patients with a T1 csf_roi for the paired comparison');
  baselines.vbq = {
    level: 'patient',
    scope: 'all-patients',
    n: usable.length,
    positives: all.positives,
    auc: all.auc,
    aucCI95: all.aucCI95,
    test: testBlock,
    pairedDeLong: testBlock?.pairedDeLong ?? null,
  };
  return baselines;
}
