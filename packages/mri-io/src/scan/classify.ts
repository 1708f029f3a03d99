import type { Vec3 } from '../geometry.js';

export type Plane = 'sagittal' | 'coronal' | 'axial';
/** `mixed`: the series holds images of different orientations (a three-plane localizer). */
export type Orientation = Plane | 'oblique' | 'mixed' | 'unknown';
export type SeriesRole = 'T1' | 'T2' | 'STIR' | 'PD' | 'localizer' | 'other';

/** Degrees a slice normal may lie off an axis and still be called sagittal / coronal / axial. */
export const OBLIQUE_THRESHOLD_DEG = 10;

export interface OrientationInfo {
  orientation: Orientation;
  /** The plane whose axis is closest to the slice normal; null without geometry. */
  nearestPlane: Plane | null;
  /** Angle between the slice normal and that plane's axis (degrees, 0..54.7); null without geometry. */
  obliqueAngle: number | null;
}

/**
 * Orientation from the slice normal (LPS): sagittal when it lies within
 * OBLIQUE_THRESHOLD_DEG of the left-right axis, coronal of anterior-posterior, axial of
 * head-feet; otherwise oblique, with the nearest plane and the angle.
 */
export function orientationOf(normal: Vec3 | null, mixed = false): OrientationInfo {
  if (mixed) return { orientation: 'mixed', nearestPlane: null, obliqueAngle: null };
  if (!normal) return { orientation: 'unknown', nearestPlane: null, obliqueAngle: null };
  const len = Math.hypot(normal[0], normal[1], normal[2]);
  if (!(len > 0)) return { orientation: 'unknown', nearestPlane: null, obliqueAngle: null };
  const c = normal.map((v) => Math.abs(v) / len);
  const k = c[0] >= c[1] && c[0] >= c[2] ? 0 : c[1] >= c[2] ? 1 : 2;
  const nearestPlane: Plane = (['sagittal', 'coronal', 'axial'] as const)[k];
  const angle = (Math.acos(Math.min(1, c[k])) * 180) / Math.PI;
  const obliqueAngle = Math.round(angle * 10) / 10;
  return {
    orientation: angle <= OBLIQUE_THRESHOLD_DEG ? nearestPlane : 'oblique',
    nearestPlane,
    obliqueAngle,
  };
}

/** The header fields the role guess reads (any may be missing). */
export interface RoleHints {
  imageType: string[];
  seriesDescription: string | null;
  protocolName: string | null;
  sequenceName: string | null;
  scanningSequence: string[];
  repetitionTime: number | null;
  echoTime: number | null;
  inversionTime: number | null;
  orientation: Orientation;
  slices: number;
}

const LOCALIZER_TEXT =
  /(^|[^a-z])(loc|locali[sz]er|scout|survey|tri-?pilot|3-?plane|aahead|aascout)([^a-z]|$)/i;
const STIR_TEXT = /stir|tirm/i;
const PD_TEXT = /(^|[^a-z])(pd|pdw|proton)([^a-z]|$)|pd[_-]/i;
const T1_TEXT = /t1/i;
const T2_TEXT = /t2/i;

/**
 * Guesses what a series is, with the reason. The rule, first match wins:
 * 1. `localizer`: ImageType has LOCALIZER; or SeriesDescription / ProtocolName / SequenceName
 *    names one (loc, localizer, scout, survey, tripilot, 3-plane, AAHead); or a series of
 *    mixed orientations with at most 5 images.
 * 2. Names, in SeriesDescription then ProtocolName: "stir"/"tirm" -> `STIR`; "pd"/"proton" ->
 *    `PD`; "t1" -> `T1`; "t2" -> `T2` (the operator's name beats the timing).
 * 3. Timing (ms): inversion recovery (InversionTime given or ScanningSequence IR) with
 *    TI 100-250 -> `STIR`; TR < 1000 and TE < 30 -> `T1`; TR >= 1500 and TE >= 60 -> `T2`;
 *    TR >= 1500 and TE < 40 -> `PD`.
 * 4. Otherwise `other`.
 */
export function guessRole(h: RoleHints): { role: SeriesRole; reason: string } {
  if (h.imageType.some((t) => t.toUpperCase() === 'LOCALIZER'))
    return { role: 'localizer', reason: 'ImageType contains LOCALIZER' };
  for (const [field, text] of [
    ['SeriesDescription', h.seriesDescription],
    ['ProtocolName', h.protocolName],
    ['SequenceName', h.sequenceName],
  ] as const) {
    if (text && LOCALIZER_TEXT.test(text))
      return { role: 'localizer', reason: `${field} "${text}" names a localizer` };
  }
  if (h.orientation === 'mixed' && h.slices <= 5)
    return { role: 'localizer', reason: `${h.slices} images in several orientations` };
  for (const [field, text] of [
    ['SeriesDescription', h.seriesDescription],
    ['ProtocolName', h.protocolName],
  ] as const) {
    if (!text) continue;
    if (STIR_TEXT.test(text)) return { role: 'STIR', reason: `${field} "${text}" names STIR/TIRM` };
    if (PD_TEXT.test(text)) return { role: 'PD', reason: `${field} "${text}" names proton density` };
    if (T1_TEXT.test(text)) return { role: 'T1', reason: `${field} "${text}" contains "t1"` };
    if (T2_TEXT.test(text)) return { role: 'T2', reason: `${field} "${text}" contains "t2"` };
  }
  const tr = h.repetitionTime;
  const te = h.echoTime;
  const ti = h.inversionTime;
  const ir = ti !== null || h.scanningSequence.some((s) => s.toUpperCase() === 'IR');
  if (ir && ti !== null && ti >= 100 && ti <= 250)
    return { role: 'STIR', reason: `inversion recovery with TI ${ti} ms (short tau)` };
  if (tr !== null && te !== null) {
    const t = `TR ${tr} ms, TE ${te} ms`;
    if (tr < 1000 && te < 30) return { role: 'T1', reason: `${t}: short TR and TE` };
    if (tr >= 1500 && te >= 60) return { role: 'T2', reason: `${t}: long TR and TE` };
    if (tr >= 1500 && te < 40) return { role: 'PD', reason: `${t}: long TR, short TE` };
    return { role: 'other', reason: `${t}: no T1/T2/PD pattern and no telling name` };
  }
  return { role: 'other', reason: 'no telling name and no TR/TE' };
}
