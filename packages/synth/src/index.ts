import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatRoi, type ManifestRecord, manifestCsv, writeFileAtomic } from '@op-screen/study';
import { encodeSagittalSeries, seededUid } from './dicom.js';
import { SynthError } from './errors.js';
import {
  DEFAULT_GEOMETRY,
  SEQUENCES,
  type SyntheticPatient,
  type SynthGeometry,
  samplePatient,
} from './model.js';
import { oraclePosterior } from './oracle.js';
import { renderSeries } from './render.js';
import { createRng, deriveSeed } from './rng.js';
import { buildSidecar, type SynthSidecar, writeSidecar } from './sidecar.js';

export { encodeSagittalSeries, readDicomIdentity, type SeriesToWrite } from './dicom.js';
export { SynthError, type SynthErrorCode } from './errors.js';
export { cropSlice, includedPatientLabel, measureVbq } from './measure.js';
export type {
  Box,
  EndplateChange,
  Haemangioma,
  Level,
  Sequence,
  SyntheticPatient,
  SyntheticVertebra,
  SynthGeometry,
  T1Protocol,
} from './model.js';
export { DEFAULT_GEOMETRY, fractureProbability, LEVELS, SEQUENCES, samplePatient } from './model.js';
export {
  type OracleAuc,
  type OracleSummary,
  oracleAucs,
  oraclePosterior,
  type PatientPosterior,
} from './oracle.js';
export { SYNTH_GENERATOR_VERSION, SYNTH_PARAMS, type SynthParams } from './params.js';
export { renderSeries, renderSlices, tissueSignals } from './render.js';
export {
  readSynthSidecar,
  type SynthSidecar,
  sidecarOracle,
  synthSidecarPath,
  synthSidecarSchema,
} from './sidecar.js';

/** The default cohort's size: what `op-screen synth` writes and the quick preset trains on. */
export const DEFAULT_PATIENTS = 120;

export interface SynthOptions {
  patients: number;
  seed: number;
  geometry?: Partial<SynthGeometry>;
  /** Called after each patient is written (progress bars). */
  onPatient?: (done: number, total: number) => void;
}

export interface SynthResult {
  manifest: string;
  patients: SyntheticPatient[];
  rows: number;
  /** Path of `manifest.synth.json` (synthetic marker, generator version, seed, oracle). */
  sidecar: string;
  oracle: SynthSidecar['oracle'];
}

const SEQ_PARAMS = { T1: { tr: 600, te: 10, number: 1 }, T2: { tr: 3500, te: 100, number: 2 } } as const;

/** Ages are written in whole years and capped at 90 ("90 or older"), as HIPAA Safe Harbor asks. */
const manifestAge = (age: number) => String(Math.min(90, Math.max(18, Math.round(age))));

/**
 * Writes a synthetic cohort: `DIR/series/<id>/<T1|T2>/IM*.dcm` and `DIR/manifest.csv` (one row per
 * vertebra and sequence, ROI boxes on the mid-sagittal slice, `exclude` = `fracture` for compression
 * fractures, `sex`, `age`) and `DIR/manifest.synth.json` (the sidecar with the oracle). Refuses a
 * non-empty directory.
 */
export async function writeSyntheticCohort(dir: string, opts: SynthOptions): Promise<SynthResult> {
  if (!Number.isInteger(opts.patients) || opts.patients < 2)
    throw new SynthError(
      'BAD_OPTION',
      `patients must be an integer >= 2 (got ${opts.patients}).`,
      undefined,
      'patients',
    );
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new SynthError('OUT_NOT_DIRECTORY', `${dir} is a file, not a directory.`, dir);
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0)
    throw new SynthError(
      'OUT_NOT_EMPTY',
      `${dir} is not empty; synth never overwrites files. Choose an empty or new directory.`,
    );
  const geom: SynthGeometry = { ...DEFAULT_GEOMETRY, ...opts.geometry };
  const patients: SyntheticPatient[] = [];
  const records: ManifestRecord[] = [];
  for (let i = 0; i < opts.patients; i++) {
    const p = samplePatient(opts.seed, i, geom);
    patients.push(p);
    const uidRng = createRng(deriveSeed(opts.seed, `study-${i}`));
    const studyUid = seededUid(uidRng);
    const forUid = seededUid(uidRng);
    for (const seq of SEQUENCES) {
      const rel = `series/${p.id}/${seq}`;
      const sdir = join(dir, rel);
      await mkdir(sdir, { recursive: true });
      const slices = renderSeries(p, seq, opts.seed, geom);
      const sp = SEQ_PARAMS[seq];
      const files = encodeSagittalSeries({
        slices,
        rows: geom.rows,
        columns: geom.columns,
        pixelSpacing: geom.pixelSpacing,
        sliceSpacing: geom.sliceSpacing,
        seriesDescription: `SAG ${seq} TSE (synthetic)`,
        seriesNumber: sp.number,
        repetitionTime: seq === 'T1' ? p.t1Protocol.repetitionTime : sp.tr,
        echoTime: sp.te,
        patientName: p.dicomPatientName,
        patientId: p.dicomPatientId,
        patientSex: p.sex,
        patientAge: `${manifestAge(p.age).padStart(3, '0')}Y`,
        studyInstanceUid: studyUid,
        frameOfReferenceUid: forUid,
        seed: deriveSeed(opts.seed, `${p.id}-${seq}`),
      });
      // File names deliberately in reverse anatomical order: readers must sort by geometry.
      await Promise.all(
        files.map((buf, k) =>
          writeFile(join(sdir, `IM${String(files.length - k).padStart(4, '0')}.dcm`), Buffer.from(buf)),
        ),
      );
      for (const v of p.vertebrae) {
        records.push({
          patient_id: p.id,
          sequence: seq,
          level: v.level,
          image: rel,
          t_score: v.tScore.toFixed(2),
          roi: formatRoi(v.roi),
          csf_roi: formatRoi(p.csfRoi),
          exclude: v.fracture ? 'fracture' : '',
          sex: p.sex,
          age: manifestAge(p.age),
        });
      }
    }
    opts.onPatient?.(i + 1, opts.patients);
  }
  const manifest = join(dir, 'manifest.csv');
  await writeFileAtomic(manifest, manifestCsv(records));
  const fractures = patients.reduce((s, p) => s + p.vertebrae.filter((v) => v.fracture).length, 0);
  const side = buildSidecar(opts.seed, patients.map(oraclePosterior), { fracture: fractures });
  const sidecar = await writeSidecar(manifest, side);
  return { manifest, patients, rows: records.length, sidecar, oracle: side.oracle };
}
