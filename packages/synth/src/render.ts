import {
  anteriorEdge,
  clamp,
  DEFAULT_GEOMETRY,
  layout,
  type Sequence,
  type SyntheticPatient,
  type SyntheticVertebra,
  type SynthGeometry,
} from './model.js';
import { SYNTH_PARAMS } from './params.js';
import { createRng, deriveSeed, type Rng } from './rng.js';

interface Signals {
  fat: number;
  water: number;
  muscle: number;
  csf: number;
  disc: number;
  cortex: number;
  softFat: number;
}

/** The patient's tissue signals: the T1 protocol scales water-bearing tissue and CSF (README "t1Protocol"). */
export function tissueSignals(patient: SyntheticPatient, sequence: Sequence): Signals {
  const s: Signals = SYNTH_PARAMS.signal[sequence];
  if (sequence === 'T2') return s;
  const p = patient.t1Protocol;
  return {
    ...s,
    water: s.water * p.water,
    muscle: s.muscle * p.water,
    disc: s.disc * p.water,
    csf: s.csf * p.csf,
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

interface LevelAnatomy {
  tex: Float32Array;
  fat: number;
  amp: number;
  v: SyntheticVertebra | undefined;
}

/** Marrow signal of one body pixel, with haemangioma and endplate findings. */
function marrowPixel(
  a: LevelAnatomy,
  sig: Signals,
  sequence: Sequence,
  yy: number,
  xx: number,
  top: number,
  height: number,
  bodyW: number,
  texW: number,
): number {
  const v = a.v;
  let fat = a.fat;
  const ep = SYNTH_PARAMS.endplate;
  const hp = SYNTH_PARAMS.haemangioma;
  const inBand =
    v?.endplate != null &&
    ((v.endplateSide !== 'lower' && yy - top < v.endplateDepth) ||
      (v.endplateSide !== 'upper' && top + height - 1 - yy < v.endplateDepth));
  if (inBand && v?.endplate === 'modic2') fat = Math.max(fat, ep.modic2Fat);
  const marrow = (1 - fat) * sig.water + fat * sig.fat;
  const t = a.tex[(yy + 1) * texW + xx + 1] as number;
  let val = marrow * (1 + a.amp * t);
  if (inBand && v?.endplate === 'modic1') val *= sequence === 'T1' ? ep.modic1T1 : ep.modic1T2;
  if (inBand && v?.endplate === 'sclerosis') val *= ep.sclerosisFactor;
  const h = v?.haemangioma;
  if (h) {
    const cy = top + h.cy * height;
    const cx = h.cx * bodyW;
    if ((yy - cy) ** 2 + (xx - cx) ** 2 < h.radius * h.radius)
      val =
        sequence === 'T1' ? (1 - hp.t1Fat) * marrow + hp.t1Fat * sig.fat : 0.2 * marrow + 0.8 * hp.t2Signal;
  }
  return val;
}

/** Noise-free anatomy at integer lateral position `off` (0 = midline). */
function cleanSlice(
  patient: SyntheticPatient,
  sequence: Sequence,
  geom: SynthGeometry,
  levels: LevelAnatomy[],
  soft: Float32Array,
  off: number,
): Float32Array {
  const sig = tissueSignals(patient, sequence);
  const { rows, columns } = geom;
  const lay = layout(geom);
  const om = SYNTH_PARAMS.offMidline;
  const csfShare = om.canalCsf[Math.min(off, om.canalCsf.length - 1)] as number;
  const widthFactor = om.bodyWidth[Math.min(off, om.bodyWidth.length - 1)] as number;
  const canalOther = sig.water * 0.8 + sig.fat * 0.2;
  const img = new Float32Array(rows * columns);
  for (let y = 0; y < rows; y++) {
    const ax = anteriorEdge(geom, patient.lordosis, y);
    for (let x = 0; x < columns; x++) {
      const sn = soft[y * columns + x] as number;
      // Soft tissue: muscle with fatty streaks; subcutaneous fat at the posterior edge.
      let v = sig.muscle * (1 + 0.08 * sn);
      if (sn > 1.2) v = 0.6 * sig.softFat + 0.4 * v;
      if (x > columns - 10) v = sig.softFat;
      const dx = x - ax;
      // Prevertebral fat in front of the column: the brightest tissue in a T1 vertebra crop, so
      // per-crop intensity normalisation keeps marrow brightness relative to fat.
      if (dx >= -4 && dx < 0) v = sig.softFat * (0.9 + 0.05 * sn);
      // Canal (CSF, mixed with roots and epidural fat off the midline) and posterior elements.
      if (dx >= lay.width + 2 && dx < lay.width + 8) v = csfShare * sig.csf + (1 - csfShare) * canalOther;
      else if (dx >= lay.width + 8 && dx < lay.width + 22) v = 0.7 * sig.water + 0.3 * sig.fat;
      img[y * columns + x] = v;
    }
  }
  const texW = lay.width + 2;
  for (let i = 0; i < 7; i++) {
    const top = lay.tops[i] as number;
    const bodyW = Math.round(lay.width * widthFactor);
    const a = levels[i] as LevelAnatomy;
    const antH = a.v ? a.v.anteriorHeight : 1;
    const postH = a.v ? a.v.posteriorHeight : 1;
    // Disc below the body (T2 brightness follows hydration).
    for (let y = top + lay.body; y < top + lay.body + lay.disc; y++) {
      if (y < 0 || y >= rows) continue;
      const ax = Math.round(anteriorEdge(geom, patient.lordosis, y));
      for (let x = ax; x < ax + lay.width; x++)
        img[y * columns + x] = sig.disc * (sequence === 'T2' ? patient.discHealth : 1);
    }
    for (let yy = 0; yy < lay.body; yy++) {
      const y = top + yy;
      if (y < 0 || y >= rows) continue;
      const ax = anteriorEdge(geom, patient.lordosis, y);
      const x0 = Math.round(ax + (lay.width - bodyW) / 2);
      for (let xx = 0; xx < bodyW; xx++) {
        // Compression fracture: the upper endplate sinks, more anteriorly (wedge) than posteriorly.
        const localH = lay.body * (antH + (postH - antH) * (xx / bodyW));
        const cut = lay.body - localH;
        if (yy < cut) continue;
        const edge = yy === lay.body - 1 || xx === 0 || xx === bodyW - 1 || yy < cut + 1;
        img[y * columns + x0 + xx] = edge
          ? sig.cortex + 0.05 * ((1 - a.fat) * sig.water + a.fat * sig.fat)
          : marrowPixel(a, sig, sequence, yy, xx, Math.ceil(cut), lay.body - Math.ceil(cut), bodyW, texW);
      }
    }
  }
  return img;
}

/**
 * Renders slices of one sagittal series (stored-value scale 0..4095) for a patient: all of them, or
 * only the listed indices (others come back empty). Slice `slices >> 1` is the nominal mid-sagittal
 * one, `patient.offMidline` slice spacings off the midline; lateral slices lose the canal to the
 * pedicles and narrow the body. Each slice's noise has its own seeded stream, so a slice renders
 * identically whether or not the others are rendered.
 */
export function renderSlices(
  patient: SyntheticPatient,
  sequence: Sequence,
  seed: number,
  geom: SynthGeometry = DEFAULT_GEOMETRY,
  only?: readonly number[],
): Uint16Array[] {
  const rng = createRng(deriveSeed(seed, `render-${patient.id}-${sequence}`));
  const sc = patient.scanner[sequence];
  const { rows, columns, slices } = geom;
  const lay = layout(geom);
  const tx = SYNTH_PARAMS.texture;
  // Anatomy shared across slices: texture fields per level (T12..S1), background texture.
  const levels: LevelAnatomy[] = [];
  for (let i = 0; i < 7; i++) {
    const v = patient.vertebrae[i - 1];
    const scale = v ? v.textureScale : 1.3;
    const neighbour = patient.vertebrae[i === 0 ? 0 : 3] as SyntheticVertebra;
    const fat = v ? v.fatFraction : clamp(neighbour.fatFraction + 0.03 * rng.normal(), 0.05, 0.95);
    const tex = smoothNoise(rng, lay.width + 2, lay.body + 2, scale);
    levels.push({ tex, fat, amp: tx.amplitudeBase + tx.amplitudePerScale * (scale - 1), v });
  }
  const soft = smoothNoise(rng, columns, rows, 6);
  const mid = slices >> 1;
  const clean = new Map<number, Float32Array>();
  const anatomy = (k: number) => {
    let a = clean.get(k);
    if (!a) {
      a = cleanSlice(patient, sequence, geom, levels, soft, k);
      clean.set(k, a);
    }
    return a;
  };
  const out: Uint16Array[] = [];
  for (let s = 0; s < slices; s++) {
    if (only && !only.includes(s)) {
      out.push(new Uint16Array(0));
      continue;
    }
    const noise = createRng(deriveSeed(seed, `noise-${patient.id}-${sequence}-${s}`));
    // Partial volume: blend the two integer lateral positions around this slice's true position.
    const pos = Math.abs(s - mid + patient.offMidline);
    const k0 = Math.floor(pos);
    const w1 = pos - k0;
    const a0 = anatomy(k0);
    const a1 = w1 > 0 ? anatomy(k0 + 1) : a0;
    // Scanner: gain, smooth bias field, Rician noise, 12-bit quantisation.
    const stored = new Uint16Array(rows * columns);
    for (let y = 0; y < rows; y++) {
      const ny = y / rows - 0.5;
      for (let x = 0; x < columns; x++) {
        const nx = x / columns - 0.5;
        const bias = Math.max(0.3, 1 + sc.bias[0] * nx + sc.bias[1] * ny + sc.bias[2] * (nx * nx + ny * ny));
        const i = y * columns + x;
        const c = ((1 - w1) * (a0[i] as number) + w1 * (a1[i] as number)) * bias;
        const re = c + sc.noise * noise.normal();
        const im = sc.noise * noise.normal();
        const mag = Math.sqrt(re * re + im * im) * sc.gain * 1800;
        stored[i] = Math.min(4095, Math.round(mag));
      }
    }
    out.push(stored);
  }
  return out;
}

/** Renders one whole sagittal series (slices x rows x columns); see `renderSlices`. */
export function renderSeries(
  patient: SyntheticPatient,
  sequence: Sequence,
  seed: number,
  geom: SynthGeometry = DEFAULT_GEOMETRY,
): Uint16Array[] {
  return renderSlices(patient, sequence, seed, geom);
}
