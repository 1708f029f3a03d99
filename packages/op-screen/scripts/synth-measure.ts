/**
 * Cheap cohort measurements without training (README "Synthetic cohort", targets table): for each
 * seed, the oracle's image and patient AUCs and VBQ's patient AUC (median T1 marrow signal of the
 * included L1-L4 bodies over the L3 CSF signal, on the nominal mid-sagittal slice, as `reproduce`
 * measures it), plus prevalence and the fracture fraction.
 *
 * It also splits each cohort as `reproduce` does (quick preset: 50% patient-grouped hold-out) and
 * gives VBQ and the oracle on that hold-out set alone (`vbqTest`, `oracleTest`): with few test
 * patients these swing widely between seeds, which is why `reproduce` reports VBQ on all patients.
 *
 *   node scripts/synth-measure.mjs [patients=120, the quick preset's] [seeds=1,2,3,4,5]   (bundle with esbuild first)
 */
import { rocAuc } from '@op-screen/metrics';
import { PRESETS } from '../src/reproduce/config.js';
import { splitSyntheticPatients } from '../src/reproduce/splits.js';
import {
  includedPatientLabel,
  measureVbq,
  oracleAucs,
  oraclePosterior,
  samplePatient,
} from '../src/synth/index.js';

function main() {
  const n = Number(process.argv[2] ?? PRESETS.quick.synthPatients);
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
    const sp = splitSyntheticPatients(ps, { ...PRESETS.quick, seed });
    const testIds = new Set(sp.split.test.map((i) => sp.units[i]?.patientId as string));
    const inTest = keep.map((p) => testIds.has(p.id));
    const tl = lab.filter((_, i) => inTest[i]);
    const tv = vbq.filter((_, i) => inTest[i]);
    const ot = oracleAucs(post, testIds);
    const line = {
      seed,
      patients: n,
      prevalence: +prev.toFixed(3),
      fractures: +frac.toFixed(3),
      patientPrev: +(lab.reduce((s, v) => s + v, 0) / lab.length).toFixed(3),
      oracleImage: +(o.image.auc ?? Number.NaN).toFixed(3),
      oraclePatient: +(o.patient.auc ?? Number.NaN).toFixed(3),
      vbqPatient: +rocAuc(lab, vbq).toFixed(3),
      testPatients: tl.length,
      testPositives: tl.reduce((a, v) => a + v, 0),
      vbqTest: +rocAuc(tl, tv).toFixed(3),
      oracleTest: {
        image: +(ot.image.auc ?? Number.NaN).toFixed(3),
        patient: +(ot.patient.auc ?? Number.NaN).toFixed(3),
      },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
main();
