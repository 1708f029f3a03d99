import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { OpScreenError } from '../errors.js';
import { encodeSagittalSeries, seededUid } from './dicom.js';
import {
  DEFAULT_GEOMETRY,
  renderSeries,
  SEQUENCES,
  type SyntheticPatient,
  type SynthGeometry,
  samplePatient,
} from './model.js';
import { createRng, deriveSeed } from './rng.js';

export { readDicomIdentity } from './dicom.js';
export type { Box, Level, Sequence, SyntheticPatient, SyntheticVertebra, SynthGeometry } from './model.js';
export { DEFAULT_GEOMETRY, LEVELS, renderSeries, SEQUENCES, samplePatient } from './model.js';

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
}

const SEQ_PARAMS = { T1: { tr: 600, te: 10, number: 1 }, T2: { tr: 3500, te: 100, number: 2 } } as const;

export const MANIFEST_COLUMNS = [
  'patient_id',
  'sequence',
  'level',
  'image',
  't_score',
  'roi',
  'slice',
  'csf_roi',
] as const;

/**
 * Writes a synthetic cohort: `DIR/series/<id>/<T1|T2>/IM*.dcm` and `DIR/manifest.csv` (one row per
 * vertebra and sequence, ROI boxes on the mid-sagittal slice). Refuses a non-empty directory.
 */
export async function writeSyntheticCohort(dir: string, opts: SynthOptions): Promise<SynthResult> {
  if (!Number.isInteger(opts.patients) || opts.patients < 2)
    throw new OpScreenError('BAD_OPTION', `--patients must be an integer >= 2 (got ${opts.patients}).`);
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0)
    throw new OpScreenError(
      'OUT_NOT_EMPTY',
      `${dir} is not empty; synth never overwrites files. Choose an empty or new directory.`,
    );
  const geom: SynthGeometry = { ...DEFAULT_GEOMETRY, ...opts.geometry };
  const patients: SyntheticPatient[] = [];
  const records: string[][] = [];
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
        repetitionTime: sp.tr,
        echoTime: sp.te,
        patientName: p.dicomPatientName,
        patientId: p.dicomPatientId,
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
        const box = (b: { x: number; y: number; w: number; h: number }) => `${b.x},${b.y},${b.w},${b.h}`;
        records.push([p.id, seq, v.level, rel, v.tScore.toFixed(2), box(v.roi), '', box(p.csfRoi)]);
      }
    }
    opts.onPatient?.(i + 1, opts.patients);
  }
  const manifest = join(dir, 'manifest.csv');
  await writeFile(manifest, stringify([Array.from(MANIFEST_COLUMNS), ...records]));
  return { manifest, patients, rows: records.length };
}
