import { createRng, deriveSeed, type Rng } from './rng.js';

/**
 * The synthetic cohort's generative model (documented in README.md, "Synthetic cohort").
 * Everything here is pure: a seed and an options object fully determine every pixel.
 */

export const LEVELS = ['L1', 'L2', 'L3', 'L4'] as const;
export type Level = (typeof LEVELS)[number];
export const SEQUENCES = ['T1', 'T2'] as const;
export type Sequence = (typeof SEQUENCES)[number];

/** Pixel box on a slice: column x, row y, width, height. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

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

export interface SyntheticVertebra {
  level: Level;
  tScore: number;
  /** Marrow proton-density fat fraction in [0.05, 0.95]. */
  fatFraction: number;
  /** Trabecular texture correlation length in pixels (grows as density falls). */
  textureScale: number;
  /** Relative anterior height (1 = no wedge; < 1 after an osteoporotic wedge deformity). */
  anteriorHeight: number;
  /** Hemangioma-like focal fatty lesion unrelated to density (a confounder). */
  focalLesion: boolean;
  /** Bounding box of the vertebral body on the mid-sagittal slice plus margin. */
  roi: Box;
}

export interface SyntheticPatient {
  /** Study identifier written to the manifest (e.g. SYN0001). */
  id: string;
  /** Pseudonymous DICOM PatientName / PatientID, deliberately unrelated to `id`. */
  dicomPatientName: string;
  dicomPatientId: string;
  vertebrae: SyntheticVertebra[];
  /** CSF box in the spinal canal at the L3 level, on the mid-sagittal slice. */
  csfRoi: Box;
  /** Disc hydration in [0.4, 1] (T2 disc brightness), a nuisance variable. */
  discHealth: number;
  /** Per-sequence acquisition parameters. */
  scanner: Record<Sequence, ScannerParams>;
  /** Lordosis amplitude in pixels. */
  lordosis: number;
}

/** Tissue signals before gain, bias and noise (fat on T1 = 1). */
const SIGNAL: Record<
  Sequence,
  { fat: number; water: number; muscle: number; csf: number; disc: number; cortex: number; softFat: number }
> = {
  T1: { fat: 1.0, water: 0.28, muscle: 0.34, csf: 0.12, disc: 0.32, cortex: 0.06, softFat: 0.95 },
  T2: { fat: 0.8, water: 0.3, muscle: 0.24, csf: 1.0, disc: 0.8, cortex: 0.05, softFat: 0.8 },
};

/** Patient mean T-score ~ N(-1.55, 1.0); vertebra = mean + N(0, 0.5): about 20% of vertebrae <= -2.5, within-patient r ~ 0.8. */
const T_MEAN = -1.55;
const T_PATIENT_SD = 1.0;
const T_VERTEBRA_SD = 0.5;

const SITES: Array<{ gain: number; noise: number }> = [
  { gain: 1.0, noise: 0.03 },
  { gain: 0.75, noise: 0.045 },
  { gain: 1.3, noise: 0.025 },
];

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(v, hi));
}

function hex(rng: Rng, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += rng.int(16).toString(16).toUpperCase();
  return s;
}

/** Vertical layout: rows where each level's body starts, body height and disc height (pixels). */
function layout(geom: SynthGeometry) {
  const scale = geom.rows / 128;
  const body = Math.round(17 * scale);
  const disc = Math.round(6 * scale);
  const first = Math.round(12 * scale); // top of L1
  // T12, L1..L5, S1: index 0 = T12
  const tops = [first - disc - body, ...[0, 1, 2, 3, 4, 5].map((i) => first + i * (body + disc))];
  return { body, disc, tops, width: Math.round(26 * (geom.columns / 128)) };
}

/** Anterior edge (column) of the vertebral column at a row: lordosis pushes mid-lumbar levels forward. */
function anteriorEdge(geom: SynthGeometry, lordosis: number, row: number): number {
  return 0.33 * geom.columns - lordosis * Math.sin((Math.PI * row) / geom.rows);
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
  const patientMean = T_MEAN + T_PATIENT_SD * rng.normal();
  const lay = layout(geom);
  const vertebrae: SyntheticVertebra[] = LEVELS.map((level, i) => {
    const tScore = Math.round((patientMean + T_VERTEBRA_SD * rng.normal()) * 100) / 100;
    const deficit = clamp(-tScore, 0, 4);
    const fatFraction = clamp(0.32 + 0.085 * -tScore + 0.07 * rng.normal(), 0.05, 0.95);
    const textureScale = 1.0 + 0.45 * deficit + 0.25 * rng.next();
    const anteriorHeight = tScore < -3 && rng.next() < 0.3 ? 0.7 + 0.15 * rng.next() : 1;
    const focalLesion = rng.next() < 0.1;
    const top = lay.tops[i + 1] as number;
    const mid = top + lay.body / 2;
    const ax = anteriorEdge(geom, lordosis, mid);
    const margin = Math.round(4 * (geom.rows / 128));
    const roi: Box = {
      x: Math.max(0, Math.floor(ax) - margin),
      y: Math.max(0, top - margin),
      w: lay.width + 2 * margin,
      h: lay.body + 2 * margin,
    };
    return { level, tScore, fatFraction, textureScale, anteriorHeight, focalLesion, roi };
  });
  const l3 = vertebrae[2] as SyntheticVertebra;
  const l3Mid = l3.roi.y + l3.roi.h / 2;
  const canalX = Math.round(anteriorEdge(geom, lordosis, l3Mid) + lay.width + 3);
  const csfRoi: Box = { x: canalX, y: Math.round(l3Mid - 5), w: 3, h: 10 };
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
  return {
    id,
    dicomPatientName,
    dicomPatientId,
    vertebrae,
    csfRoi,
    discHealth: 0.4 + 0.6 * rng.next(),
    scanner,
    lordosis,
  };
}

/** Gaussian-smoothed white noise, normalised to unit standard deviation (separable blur, reflect border). */
function smoothNoise(rng: Rng, w: number, h: number, sigma: number): Float32Array {
  const a = new Float32Array(w * h);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let ks = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    ks += v;
  }
  for (let i = 0; i < k.length; i++) (k[i] as number) /= ks;
  const refl = (i: number, n: number) => {
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j - 1 : 2 * n - j - 1;
    return j;
  };
  const tmp = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += (k[i + r] as number) * (a[y * w + refl(x + i, w)] as number);
      tmp[y * w + x] = s;
    }
  const out = new Float32Array(w * h);
  let sum = 0;
  let sum2 = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += (k[i + r] as number) * (tmp[refl(y + i, h) * w + x] as number);
      out[y * w + x] = s;
      sum += s;
      sum2 += s * s;
    }
  const mean = sum / out.length;
  const sd = Math.sqrt(Math.max(1e-12, sum2 / out.length - mean * mean));
  for (let i = 0; i < out.length; i++) out[i] = ((out[i] as number) - mean) / sd;
  return out;
}

/**
 * Renders one sagittal series (slices x rows x columns, stored-value scale 0..4095) for a patient.
 * Slice `slices >> 1` is mid-sagittal; lateral slices lose the canal to the pedicles and narrow the body.
 */
export function renderSeries(
  patient: SyntheticPatient,
  sequence: Sequence,
  seed: number,
  geom: SynthGeometry = DEFAULT_GEOMETRY,
): Uint16Array[] {
  const rng = createRng(deriveSeed(seed, `render-${patient.id}-${sequence}`));
  const sig = SIGNAL[sequence];
  const sc = patient.scanner[sequence];
  const { rows, columns, slices } = geom;
  const lay = layout(geom);
  // Anatomy shared across slices: texture fields per level (T12..S1), background texture.
  const levelTex: Float32Array[] = [];
  const levelFat: number[] = [];
  const levelScale: number[] = [];
  for (let i = 0; i < 7; i++) {
    const v = patient.vertebrae[i - 1];
    const scale = v ? v.textureScale : 1.3;
    levelScale.push(scale);
    levelFat.push(
      v
        ? v.fatFraction
        : clamp(
            (patient.vertebrae[i === 0 ? 0 : 3] as SyntheticVertebra).fatFraction + 0.03 * rng.normal(),
            0.05,
            0.95,
          ),
    );
    levelTex.push(smoothNoise(rng, lay.width + 2, lay.body + 2, scale));
  }
  const soft = smoothNoise(rng, columns, rows, 6);
  const out: Uint16Array[] = [];
  const mid = slices >> 1;
  for (let s = 0; s < slices; s++) {
    const off = Math.abs(s - mid);
    const widthFactor = off === 0 ? 1 : off === 1 ? 0.95 : 0.85;
    const img = new Float32Array(rows * columns);
    for (let y = 0; y < rows; y++) {
      const ax = anteriorEdge(geom, patient.lordosis, y);
      for (let x = 0; x < columns; x++) {
        // Soft tissue: muscle with fatty streaks; subcutaneous fat at the posterior edge.
        let v = sig.muscle * (1 + 0.08 * (soft[y * columns + x] as number));
        if ((soft[y * columns + x] as number) > 1.2) v = 0.6 * sig.softFat + 0.4 * v;
        if (x > columns - 10) v = sig.softFat;
        const dx = x - ax;
        // Prevertebral fat in front of the column: the brightest tissue in a T1 vertebra crop, so
        // per-crop intensity normalisation keeps marrow brightness relative to fat.
        if (dx >= -4 && dx < 0) v = sig.softFat * (0.9 + 0.05 * (soft[y * columns + x] as number));
        // Canal (CSF) and posterior elements behind the bodies.
        if (dx >= lay.width + 2 && dx < lay.width + 8)
          v = off === 0 ? sig.csf : sig.water * 0.8 + sig.fat * 0.2;
        else if (dx >= lay.width + 8 && dx < lay.width + 22) v = 0.7 * sig.water + 0.3 * sig.fat;
        img[y * columns + x] = v;
      }
    }
    for (let i = 0; i < 7; i++) {
      const top = lay.tops[i] as number;
      const bodyW = Math.round(lay.width * widthFactor);
      const v = patient.vertebrae[i - 1];
      const antH = v ? v.anteriorHeight : 1;
      const fat = levelFat[i] as number;
      const tex = levelTex[i] as Float32Array;
      const amp = 0.06 + 0.025 * clamp((v ? -v.tScore : 1) as number, 0, 4);
      const marrow = (1 - fat) * sig.water + fat * sig.fat;
      // Disc below the body.
      for (let y = top + lay.body; y < top + lay.body + lay.disc; y++) {
        if (y < 0 || y >= rows) continue;
        const ax = anteriorEdge(geom, patient.lordosis, y);
        for (let x = Math.round(ax); x < Math.round(ax) + lay.width; x++) {
          const health = sequence === 'T2' ? patient.discHealth : 1;
          img[y * columns + x] = sig.disc * health * (sequence === 'T2' ? 1 : 1);
        }
      }
      for (let yy = 0; yy < lay.body; yy++) {
        const y = top + yy;
        if (y < 0 || y >= rows) continue;
        const ax = anteriorEdge(geom, patient.lordosis, y);
        const x0 = Math.round(ax + (lay.width - bodyW) / 2);
        for (let xx = 0; xx < bodyW; xx++) {
          // Wedge: the anterior part of the body loses height (top part cut away anteriorly).
          const frac = xx / bodyW;
          const localH = lay.body * (antH + (1 - antH) * frac);
          if (yy < lay.body - localH) continue;
          const edge =
            yy === 0 || yy === lay.body - 1 || xx === 0 || xx === bodyW - 1 || yy < lay.body - localH + 1;
          let val: number;
          if (edge) val = sig.cortex + 0.05 * marrow;
          else {
            const t = tex[(yy + 1) * (lay.width + 2) + xx + 1] as number;
            val = marrow * (1 + amp * t);
            if (v?.focalLesion) {
              const cy = lay.body * 0.5;
              const cx = bodyW * 0.6;
              if ((yy - cy) ** 2 + (xx - cx) ** 2 < 9) val = 0.2 * marrow + 0.8 * sig.fat;
            }
          }
          img[y * columns + x0 + xx] = val;
        }
      }
    }
    // Scanner: gain, smooth bias field, Rician noise, 12-bit quantisation.
    const stored = new Uint16Array(rows * columns);
    for (let y = 0; y < rows; y++) {
      const ny = y / rows - 0.5;
      for (let x = 0; x < columns; x++) {
        const nx = x / columns - 0.5;
        const bias = Math.max(0.3, 1 + sc.bias[0] * nx + sc.bias[1] * ny + sc.bias[2] * (nx * nx + ny * ny));
        const clean = (img[y * columns + x] as number) * bias;
        const re = clean + sc.noise * rng.normal();
        const im = sc.noise * rng.normal();
        const mag = Math.sqrt(re * re + im * im) * sc.gain * 1800;
        stored[y * columns + x] = Math.min(4095, Math.round(mag));
      }
    }
    out.push(stored);
  }
  return out;
}
