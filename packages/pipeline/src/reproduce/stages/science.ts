import type { SynthSidecar } from '@op-screen/synth';
import type { TripodContext } from '../../report/tripod.js';
import { sampleSizeOf } from '../../report/tripod.js';
import type { VertebraImage } from '../../run/data.js';
import type { VertebraSplit } from '../../run/splits.js';
import { bandStage, calibrationStage } from './calibration.js';
import type { Evaluation } from './evaluation.js';
import { subgroupStage } from './subgroups.js';

/** Sex counts and age summary over the usable patients (first row of each patient). */
function characteristics(images: VertebraImage[]): TripodContext['characteristics'] {
  const seen = new Map<string, VertebraImage>();
  for (const im of images) if (!seen.has(im.row.patientId)) seen.set(im.row.patientId, im);
  const ps = [...seen.values()];
  const ages = ps
    .map((im) => im.row.age)
    .filter((a): a is number => a !== undefined)
    .sort((a, b) => a - b);
  const n = ages.length;
  return {
    female: ps.filter((im) => im.row.sex === 'F').length,
    male: ps.filter((im) => im.row.sex === 'M').length,
    ageMedian: n
      ? n % 2
        ? (ages[(n - 1) / 2] as number)
        : ((ages[n / 2 - 1] as number) + (ages[n / 2] as number)) / 2
      : null,
    ageRange: n ? [ages[0] as number, ages[n - 1] as number] : null,
  };
}

/**
 * Stage 6d: the scientific-validity sections of report.json: subgroup AUCs, calibration at image
 * and patient level, and what the TRIPOD+AI section needs besides the report itself.
 */
export function scienceSections(
  ev: Evaluation,
  images: VertebraImage[],
  split: VertebraSplit,
  sidecar: SynthSidecar | null,
) {
  return {
    subgroups: subgroupStage(ev, images),
    calibration: calibrationStage(ev),
    band: bandStage(ev),
    tripodContext: {
      sampleSize: sampleSizeOf(split),
      generatorVersion: sidecar?.generatorVersion ?? null,
      generatedPatients: sidecar?.patients ?? null,
      generatorSeed: sidecar?.seed ?? null,
      characteristics: characteristics(images),
    } satisfies TripodContext,
  };
}
