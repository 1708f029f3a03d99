/**
 * A finished synthetic run's CNN and VBQ AUCs beside the oracle on the same test patients:
 *   node run-oracle.mjs RUN_DIR   (bundle with esbuild first; RUN_DIR/cohort holds the sidecar)
 * Prints one JSON line: report.json's image/patient AUCs per sequence and VBQ, the oracle on the
 * run's test patients and on the whole cohort, and the CNN's image AUC with fractured
 * (exclude = fracture) vertebrae left out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rocAuc } from '@op-screen/metrics';
import { parse } from 'csv-parse/sync';
import { readSynthSidecar, sidecarOracle } from '../src/synth/index.js';

async function main() {
  const run = process.argv[2] as string;
  const report = JSON.parse(readFileSync(join(run, 'report.json'), 'utf8'));
  const manifest = join(run, 'cohort', 'manifest.csv');
  const side = await readSynthSidecar(manifest);
  if (!side) throw new Error(`${manifest} has no synth sidecar`);
  const m: Record<string, string>[] = parse(readFileSync(manifest, 'utf8'), { columns: true });
  const excluded = new Set(m.filter((r) => r.exclude).map((r) => `${r.patient_id}/${r.level}`));
  const pred: Record<string, string>[] = parse(readFileSync(join(run, 'predictions.csv'), 'utf8'), {
    columns: true,
  });
  const test = pred.filter((r) => r.split === 'test');
  const ids = new Set(test.map((r) => r.patient_id as string));
  const cnnExcl: Record<string, number> = {};
  for (const seq of ['T1', 'T2']) {
    const rows = test.filter((r) => r.sequence === seq && !excluded.has(`${r.patient_id}/${r.level}`));
    if (rows.length)
      cnnExcl[seq] = rocAuc(
        rows.map((r) => Number(r.label)),
        rows.map((r) => Number(r.score)),
      );
  }
  const f = (x: number | null | undefined) => (x == null ? null : +x.toFixed(3));
  const res = report.results as Record<string, { image: { auc: number }; patient: { auc: number } }>;
  const out = {
    seed: side.seed,
    cnn: Object.fromEntries(
      Object.entries(res).map(([k, v]) => [k, { image: f(v.image.auc), patient: f(v.patient.auc) }]),
    ),
    cnnImageFracturesExcluded: Object.fromEntries(Object.entries(cnnExcl).map(([k, v]) => [k, f(v)])),
    vbqTest: f(report.baselines?.vbq?.auc),
    oracleTest: {
      image: f(sidecarOracle(side, ids).image.auc),
      patient: f(sidecarOracle(side, ids).patient.auc),
    },
    oracleCohort: { image: f(side.oracle.image.auc), patient: f(side.oracle.patient.auc) },
    testPatients: ids.size,
    wallTimeSeconds: report.wallTimeSeconds,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
void main();
