import type { PixelBox } from '@op-screen/study';
import { SYNTH_PARAMS } from './params.js';
import { createRng, deriveSeed, type Rng } from './rng.js';

/**
 * The synthetic cohort's generative model (documented in README.md, "Synthetic cohort").
 * Everything here is pure: a seed and an options object fully determine every pixel.
 */

export const LEVELS = ['L1', 'L2', 'L3', 'L4'] as const;
export type Level = (typeof LEVELS)[number];
export const SEQUENCES = ['T1', 'T2'] as const;
export type Sequence = (typeof SEQUENCES)[number];

/** A pixel rectangle: @op-screen/study's `PixelBox`, which is @op-screen/mri-io's `Rect`. */
export type Box = PixelBox;

export interface SynthGeometry {
  rows: number;
  columns: number;
  slices: number;
  /** In-plane pixel spacing in mm. */
  pixelSpacing: number;
  /** Distance between slice centres in mm. */
  sliceSpacing: number;
}

export const DEFAULT_GEOMETRY: SynthGeometry = {
  rows: 128,
  columns: 128,
  slices: 5,
  pixelSpacing: 1.5,
  sliceSpacing: 4,
};

export interface ScannerParams {
  site: number;
  /** Multiplicative receive gain. */
  gain: number;
  /** Rician noise sigma relative to the fat signal (1.0). */
  noise: number;
  /** Bias-field coefficients: linear in x, linear in y, quadratic radial. */
  bias: [number, number, number];
}

/** Per-patient T1 protocol (scanner/protocol contrast differences; README "t1Protocol"). */
export interface T1Protocol {
  /** RepetitionTime written to the T1 series, ms. */
  repetitionTime: number;
  /** Factor on water-bearing tissue (marrow water, muscle, disc) T1 signal. */
  water: number;
  /** Factor on CSF T1 signal. */
  csf: number;
}

export type EndplateChange = 'modic1' | 'modic2' | 'sclerosis';

export interface Haemangioma {
  /** Centre as fractions of body width (from the anterior edge) and height (from the top). */
  cx: number;
  cy: number;
  /** Radius in pixels. */
  radius: number;
}

export interface SyntheticVertebra {
  level: Level;
  tScore: number;
  /** Marrow proton-density fat fraction in [0.05, 0.95]. */
  fatFraction: number;
  /** Trabecular texture correlation length in pixels (grows as density falls). */
  textureScale: number;
  /** Relative anterior height (1 = intact; < 1 for a compression fracture). */
  anteriorHeight: number;
  /** Relative posterior height (1 = intact). */
  posteriorHeight: number;
  /** Compression fracture: the manifest marks the vertebra `exclude = fracture`. */
  fracture: boolean;
  /** Focal haemangioma (bright on T1 and T2), unrelated to density. */
  haemangioma: Haemangioma | null;
  /** Kept for readers of v1 cohorts: true when `haemangioma` is set. */
  focalLesion: boolean;
  /** Modic-type endplate change or degenerative sclerosis, unrelated to density. */
  endplate: EndplateChange | null;
  endplateSide: 'upper' | 'lower' | 'both';
  endplateDepth: number;
  /** Bounding box of the vertebral body on the mid-sagittal slice plus margin. */
  roi: Box;
}

export interface SyntheticPatient {
  /** Study identifier written to the manifest (e.g. SYN0001). */
  id: string;
  /** Pseudonymous DICOM PatientName / PatientID, deliberately unrelated to `id`. */
  dicomPatientName: string;
  dicomPatientId: string;
  sex: 'F' | 'M';
  /** Age in years (continuous latent; the manifest writes it rounded and capped at 90). */
  age: number;
  vertebrae: SyntheticVertebra[];
  /** CSF box in the spinal canal at the L3 level, on the mid-sagittal slice. */
  csfRoi: Box;
  /** Disc hydration in [0.4, 1] (T2 disc brightness), a nuisance variable. */
  discHealth: number;
  /** Per-sequence acquisition parameters. */
  scanner: Record<Sequence, ScannerParams>;
  t1Protocol: T1Protocol;
  /** Offset of the nominal mid-sagittal slice from the midline, in slice spacings (partial volume). */
  offMidline: number;
  /** Lordosis amplitude in pixels. */
  lordosis: number;
}

const SITES: Array<{ gain: number; noise: number }> = [
  { gain: 1.0, noise: 0.03 },
  { gain: 0.75, noise: 0.045 },
  { gain: 1.3, noise: 0.025 },
];

export function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, hi));
}

function hex(rng: Rng, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += rng.int(16).toString(16).toUpperCase();
  return s;
}

/** Vertical layout: rows where each level's body starts, body height and disc height (pixels). */
export function layout(geom: SynthGeometry) {
  const scale = geom.rows / 128;
  const body = Math.round(17 * scale);
  const disc = Math.round(6 * scale);
  const first = Math.round(12 * scale); // top of L1
  // T12, L1..L5, S1: index 0 = T12
  const tops = [first - disc - body, ...[0, 1, 2, 3, 4, 5].map((i) => first + i * (body + disc))];
  return { body, disc, tops, width: Math.round(26 * (geom.columns / 128)) };
}

/** Anterior edge (column) of the vertebral column at a row: lordosis pushes mid-lumbar levels forward. */
export function anteriorEdge(geom: SynthGeometry, lordosis: number, row: number): number {
  return 0.33 * geom.columns - lordosis * Math.sin((Math.PI * row) / geom.rows);
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x));

/** Probability of a compression fracture at T-score t (the oracle's likelihood uses the same function). */
export function fractureProbability(t: number): number {
  const f = SYNTH_PARAMS.fracture;
  return logistic(f.intercept + f.perTDeficit * -t);
}

/** Density-independent findings of one vertebra: haemangioma and endplate change. */
function sampleFindings(
  rng: Rng,
): Pick<SyntheticVertebra, 'haemangioma' | 'endplate' | 'endplateSide' | 'endplateDepth'> {
  const h = SYNTH_PARAMS.haemangioma;
  const e = SYNTH_PARAMS.endplate;
  const hasLesion = rng.next() < h.probability;
  const haemangioma = {
    cx: 0.25 + 0.5 * rng.next(),
    cy: 0.3 + 0.4 * rng.next(),
    radius: h.radiusMin + (h.radiusMax - h.radiusMin) * rng.next(),
  };
  const u = rng.next();
  const endplate: EndplateChange | null =
    u < e.modic1
      ? 'modic1'
      : u < e.modic1 + e.modic2
        ? 'modic2'
        : u < e.modic1 + e.modic2 + e.sclerosis
          ? 'sclerosis'
          : null;
  const side = rng.int(3);
  const endplateDepth = e.depthMin + (e.depthMax - e.depthMin) * rng.next();
  return {
    haemangioma: hasLesion ? haemangioma : null,
    endplate,
    endplateSide: side === 0 ? 'upper' : side === 1 ? 'lower' : 'both',
    endplateDepth,
  };
}

/** Density, fat and texture latents of one patient (README "Synthetic cohort", parameters in params.ts). */
function sampleDensity(rng: Rng) {
  const d = SYNTH_PARAMS.demographics;
  const tp = SYNTH_PARAMS.tScore;
  const fp = SYNTH_PARAMS.fat;
  const sex: 'F' | 'M' = rng.next() < d.femaleFraction ? 'F' : 'M';
  const z = rng.normal();
  const age = d.ageMean + d.ageSd * z;
  const mu = tp.base + tp.agePerDecade * z + (sex === 'F' ? tp.female : 0) + tp.patientSd * rng.normal();
  const fatOffset = fp.agePerDecade[sex] * z + (sex === 'M' ? fp.male : 0) + fp.patientSd * rng.normal();
  return { sex, age, mu, fatOffset };
}

export function samplePatient(
  seed: number,
  index: number,
  geom: SynthGeometry = DEFAULT_GEOMETRY,
): SyntheticPatient {
  const rng = createRng(deriveSeed(seed, `patient-${index}`));
  const id = `SYN${String(index + 1).padStart(4, '0')}`;
  const dicomPatientName = `PSEUDO^${hex(rng, 10)}`;
  const dicomPatientId = `PID${hex(rng, 12)}`;
  const lordosis = 4 + 4 * rng.next();
  const { sex, age, mu, fatOffset } = sampleDensity(rng);
  const fp = SYNTH_PARAMS.fat;
  const tx = SYNTH_PARAMS.texture;
  const fr = SYNTH_PARAMS.fracture;
  const lay = layout(geom);
  const findingsRng = createRng(deriveSeed(seed, `findings-${index}`));
  const vertebrae: SyntheticVertebra[] = LEVELS.map((level, i) => {
    const tScore = Math.round((mu + SYNTH_PARAMS.tScore.vertebraSd * rng.normal()) * 100) / 100;
    const deficit = clamp(-tScore, 0, 4);
    const fatFraction = clamp(
      fp.base + fp.perTDeficit * -tScore + fatOffset + fp.vertebraSd * rng.normal(),
      fp.min,
      fp.max,
    );
    const textureScale = Math.max(tx.min, tx.base + tx.perDeficit * deficit + tx.sd * rng.normal());
    const fracture = rng.next() < fractureProbability(tScore);
    const h = fr.heightMin + (fr.heightMax - fr.heightMin) * rng.next();
    const findings = sampleFindings(findingsRng);
    const top = lay.tops[i + 1] as number;
    const mid = top + lay.body / 2;
    const ax = anteriorEdge(geom, lordosis, mid);
    const margin = Math.round(4 * (geom.rows / 128));
    const roi: Box = {
      x: Math.max(0, Math.floor(ax) - margin),
      y: Math.max(0, top - margin),
      width: lay.width + 2 * margin,
      height: lay.body + 2 * margin,
    };
    return {
      level,
      tScore,
      fatFraction,
      textureScale,
      anteriorHeight: fracture ? h : 1,
      posteriorHeight: fracture ? Math.min(1, h + 0.15) : 1,
      fracture,
      ...findings,
      focalLesion: findings.haemangioma !== null,
      roi,
    };
  });
  const l3 = vertebrae[2] as SyntheticVertebra;
  const l3Mid = l3.roi.y + l3.roi.height / 2;
  const canalX = Math.round(anteriorEdge(geom, lordosis, l3Mid) + lay.width + 3);
  const csfRoi: Box = { x: canalX, y: Math.round(l3Mid - 5), width: 3, height: 10 };
  const scanner = {} as Record<Sequence, ScannerParams>;
  const site = rng.int(SITES.length);
  for (const seq of SEQUENCES) {
    const s = SITES[site] as { gain: number; noise: number };
    scanner[seq] = {
      site,
      gain: s.gain * Math.exp(0.2 * rng.normal()),
      noise: s.noise * (0.7 + 0.6 * rng.next()),
      bias: [0.25 * rng.normal(), 0.25 * rng.normal(), 0.15 * rng.normal()],
    };
  }
  const discHealth = 0.4 + 0.6 * rng.next();
  const protoRng = createRng(deriveSeed(seed, `protocol-${index}`));
  const tp = SYNTH_PARAMS.t1Protocol;
  const r = protoRng.normal();
  const t1Protocol: T1Protocol = {
    repetitionTime: Math.round(600 * Math.exp(tp.trPerR * r)),
    water: Math.exp(tp.waterPerR * r),
    csf: Math.exp(tp.csfPerR * r + tp.csfSd * protoRng.normal()),
  };
  const offMidline = SYNTH_PARAMS.offMidline.max * protoRng.next();
  return {
    id,
    dicomPatientName,
    dicomPatientId,
    sex,
    age,
    vertebrae,
    csfRoi,
    discHealth,
    scanner,
    t1Protocol,
    offMidline,
    lordosis,
  };
}
