/**
 * Cheap cohort measurements without training (README "Synthetic cohort", targets table): for each
 * seed, the oracle's image and patient AUCs and VBQ's patient AUC (median T1 marrow signal of the
 * included L1-L4 bodies over the L3 CSF signal, on the nominal mid-sagittal slice, as `reproduce`
 * measures it), plus prevalence and the fracture fraction.
 *
 *   node scripts/synth-measure.mjs [patients=72] [seeds=1,2,3,4,5]   (bundle with esbuild first)
 */
import { rocAuc } from '@op-screen/metrics';
import {
  includedPatientLabel,
  measureVbq,
  oracleAucs,
  oraclePosterior,
  samplePatient,
} from '../src/synth/index.js';

function main() {
  const n = Number(process.argv[2] ?? 72);
  const seeds = (process.argv[3] ?? '1,2,3,4,5').split(',').map(Number);
  for (const seed of seeds) {
    const ps = Array.from({ length: n }, (_, i) => samplePatient(seed, i));
    const post = ps.map(oraclePosterior);
    const o = oracleAucs(post);
    const keep = ps.filter((p) => p.vertebrae.some((v) => !v.fracture));
    const lab = keep.map(includedPatientLabel);
    const vbq = keep.map((p) => measureVbq(p, seed));
    const vs = ps.flatMap((p) => p.vertebrae);
    const prev = vs.filter((v) => v.tScore <= -2.5).length / vs.length;
    const frac = vs.filter((v) => v.fracture).length / vs.length;
    const line = {
      seed,
      patients: n,
      prevalence: +prev.toFixed(3),
      fractures: +frac.toFixed(3),
      patientPrev: +(lab.reduce((s, v) => s + v, 0) / lab.length).toFixed(3),
      oracleImage: +(o.image.auc ?? Number.NaN).toFixed(3),
      oraclePatient: +(o.patient.auc ?? Number.NaN).toFixed(3),
      vbqPatient: +rocAuc(lab, vbq).toFixed(3),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
main();
