import type { Report } from '../../report/schema.js';
import { vbqScore } from '../../vbq.js';
import type { RunConfig } from '../config.js';
import type { VertebraImage } from '../data.js';
import { compareAucs, metricBlock } from '../score.js';
import type { SequenceScores } from '../types.js';

/**
 * Stage 7: the VBQ baseline (Ehresman 2020: median L1-L4 marrow signal / L3 CSF signal on T1) on
 * the same test patients, compared with the CNN's patient-level T1 score by paired DeLong.
 */
export function vbqBaseline(
  cfg: RunConfig,
  seqScores: Map<string, SequenceScores>,
  imageByKey: Map<string, VertebraImage>,
  log: (line: string) => void,
): Report['baselines'] {
  const baselines: Report['baselines'] = {};
  if (!cfg.sequences.includes('T1')) return baselines;
  const t1 = seqScores.get('T1')?.test ?? [];
  const testPatients = new Map<
    string,
    { marrow: number[]; csf: number | undefined; label: 0 | 1; cnn: number[] }
  >();
  for (const e of t1) {
    const im = imageByKey.get(e.key) as VertebraImage;
    let p = testPatients.get(im.row.patientId);
    if (!p) {
      p = { marrow: [], csf: undefined, label: 0, cnn: [] };
      testPatients.set(im.row.patientId, p);
    }
    p.marrow.push(im.marrowSignal);
    p.cnn.push(e.score);
    if (im.row.label === 1) p.label = 1;
    if (im.row.level === 'L3' && im.csfSignal !== undefined) p.csf = im.csfSignal;
  }
  const usable = [...testPatients.values()].filter((p) =>
    Number.isFinite(vbqScore(p.marrow, p.csf ?? Number.NaN)),
  );
  const lab = Uint8Array.from(usable, (p) => p.label);
  const pos = lab.reduce((s, v) => s + v, 0);
  if (usable.length >= 4 && pos >= 2 && usable.length - pos >= 2) {
    const vbq = Float64Array.from(usable, (p) => vbqScore(p.marrow, p.csf as number));
    const cnn = Float64Array.from(usable, (p) => p.cnn.reduce((s, v) => s + v, 0) / p.cnn.length);
    const b = metricBlock({ labels: lab, scores: vbq, groups: [] }, Number.POSITIVE_INFINITY, [], []);
    baselines.vbq = {
      level: 'patient',
      n: usable.length,
      auc: b.auc,
      aucCI95: b.aucCI95,
      pairedDeLong: compareAucs(lab, cnn, vbq),
    };
  } else log('VBQ baseline: not enough test patients with a T1 L3 csf_roi (needs 2 of each class)');
  return baselines;
}
