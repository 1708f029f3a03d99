import { centralMedian, type Region, regionMedian, vbqScore } from '@op-screen/preprocess';
import { type Box, DEFAULT_GEOMETRY, type SyntheticPatient, type SynthGeometry } from './model.js';
import { renderSlices } from './render.js';

/** A box of a rendered slice as a VBQ region (stored values; the synthetic DICOM has slope 1, intercept 0). */
export function cropSlice(img: Uint16Array, columns: number, b: Box): Region {
  const data = new Float32Array(b.width * b.height);
  for (let y = 0; y < b.height; y++)
    for (let x = 0; x < b.width; x++) data[y * b.width + x] = img[(b.y + y) * columns + b.x + x] as number;
  return { data, width: b.width, height: b.height };
}

/**
 * VBQ of a synthetic patient measured as `reproduce` measures it, without writing DICOM: median T1
 * signal of the central half of each included (non-fractured) L1-L4 ROI on the nominal mid-sagittal
 * slice, their median over the L3 CSF ROI median.
 */
export function measureVbq(
  patient: SyntheticPatient,
  seed: number,
  geom: SynthGeometry = DEFAULT_GEOMETRY,
): number {
  const m = geom.slices >> 1;
  const mid = renderSlices(patient, 'T1', seed, geom, [m])[m] as Uint16Array;
  const marrow = patient.vertebrae
    .filter((v) => !v.fracture)
    .map((v) => centralMedian(cropSlice(mid, geom.columns, v.roi)));
  return vbqScore(marrow, regionMedian(cropSlice(mid, geom.columns, patient.csfRoi)));
}

/** Patient label over included vertebrae (any non-fractured vertebra with T <= -2.5). */
export function includedPatientLabel(patient: SyntheticPatient): 0 | 1 {
  return patient.vertebrae.some((v) => !v.fracture && v.tScore <= -2.5) ? 1 : 0;
}
