// Real lumbar MRI (../shared/data/real-spine) wrapped as DICOM series for pipeline tests. The
// pixels are the real resampled images; every header is synthetic and says so (ImageType
// DERIVED\SECONDARY\SYNTHETIC, Manufacturer "op-screen synthetic cohort", a description naming
// the source). There is no DXA in these data: labels, where a test needs them, are placeholders.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { niftiSagittalSlice, readNifti } from '@op-screen/mri-io';
import { encodeSagittalSeries } from '@op-screen/synth';

export const REAL_SPINE = resolve(import.meta.dirname, '../../../../../shared/data/real-spine');

/** Writes `dataset/id` as one sagittal DICOM series under `dir`; returns the series directory. */
export async function writeRealCaseAsDicom(
  dir: string,
  dataset: string,
  id: string,
  seed: number,
): Promise<string> {
  const src = join(REAL_SPINE, dataset, id);
  const card = JSON.parse(readFileSync(join(src, 'case.json'), 'utf8')) as {
    contrast_heuristic: { call: string };
  };
  const t2 = card.contrast_heuristic.call.startsWith('T2');
  const img = await readNifti(join(src, 'image.nii.gz'));
  const first = niftiSagittalSlice(img, 0);
  const count = first.source.count;
  const slices: Uint16Array[] = [];
  for (let k = 0; k < count; k++)
    slices.push(Uint16Array.from(niftiSagittalSlice(img, k).data, (v) => Math.round(v)));
  const files = encodeSagittalSeries({
    slices,
    rows: first.rows,
    columns: first.columns,
    pixelSpacing: first.pixelSpacing[0],
    sliceSpacing: first.sliceThickness ?? 3,
    seriesDescription: `SAG ${t2 ? 'T2' : 'T1'} real-spine ${dataset} ${id} (real pixels, synthetic header)`,
    seriesNumber: t2 ? 3 : 2,
    repetitionTime: t2 ? 3000 : 500,
    echoTime: t2 ? 100 : 10,
    patientName: `REALSPINE^${id}`,
    patientId: `RS-${id}`,
    studyInstanceUid: `2.25.${BigInt(seed) * 1000003n + 17n}`,
    frameOfReferenceUid: `2.25.${BigInt(seed) * 1000003n + 19n}`,
    seed,
  });
  const out = join(dir, id, t2 ? 'sag_t2' : 'sag_t1');
  mkdirSync(out, { recursive: true });
  for (const [k, buf] of files.entries())
    writeFileSync(join(out, `IM${String(k).padStart(4, '0')}`), new Uint8Array(buf));
  return out;
}
