import { rocAuc } from '@op-screen/metrics';
import { clamp, fractureProbability, type SyntheticPatient, type SyntheticVertebra } from './model.js';
import { SYNTH_PARAMS } from './params.js';

/**
 * The oracle: the posterior P(T-score <= -2.5 | everything the image could show), computed from the
 * generator's own latent quantities, and its AUC (the best AUC any model of the images can reach).
 *
 * What is "visible". Every pixel of a vertebra is a function of its rendering parameters -
 * marrow fat fraction f, texture correlation length c (the texture amplitude is a function of c),
 * body heights (fracture or not), haemangioma, endplate change, the patient's protocol, gain,
 * bias, slice offset, anatomy - plus noise (texture and background realisations, Rician noise)
 * that is independent of bone density. Of those parameters only f, c and the fracture flag depend
 * on the T-score; the rest are drawn independently of density (and of age and sex). So the image
 * is conditionally independent of T given theta = (f, c, fracture), and by Neyman-Pearson the
 * likelihood ratio on theta is at least as powerful as any test on the pixels: the ROC of
 * P(T <= -2.5 | theta) dominates every image model's ROC. Age and sex are not visible (they enter
 * only through their effect on fat and density and are integrated out).
 *
 * How it is computed. Per sex s (prior weight), the patient mean T-score mu and the patient's
 * density-independent fat offset g are jointly Gaussian (both depend on the standardised age z):
 *   mu ~ N(base + female[F], agePerDecade^2 + patientSd^2), g ~ N(male[M], fatAge_s^2 + fatPatientSd^2),
 *   cov(mu, g) = agePerDecade * fatAge_s.
 * Given (mu, g) the vertebrae are independent: T_v ~ N(mu, vertebraSd^2),
 *   f_v | T, g ~ N(fatBase + perTDeficit * (-T) + g, fatVertebraSd^2) clipped to [min, max] (censored),
 *   c_v | T ~ N(texBase + perDeficit * clamp(-T, 0, 4), texSd^2) clipped below at min (censored),
 *   fracture_v | T ~ Bernoulli(logistic(intercept + perTDeficit * (-T))).
 * We integrate numerically: a rectangular grid over (mu, g) weighted by their bivariate normal
 * density, and for every grid point a grid over T split at the label threshold into the
 * likelihood of the vertebra's observation with T <= -2.5 (L-) and with T > -2.5 (L+).
 * Image level (one vertebra, as a per-crop model sees it): P = sum w L-_v / sum w (L-_v + L+_v).
 * Patient level (all its vertebrae; label = any included vertebra <= -2.5): P(negative) =
 * sum w prod_{included} L+_v prod_{excluded} L_v / sum w prod_v L_v. Excluded (fractured)
 * vertebrae still inform the patient's density but do not count in the label.
 */

/** T-scores are written rounded to 0.01, so a label is T <= -2.5 after rounding: T < -2.495. */
const THRESHOLD = -2.495;
const T_STEP = 0.05;
const T_MIN = -8;
const T_MAX = 4;
const GRID = 49;
const GRID_SD = 5;

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const phi = (x: number) => Math.exp(-0.5 * x * x) / SQRT_2PI;

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf; 1.5e-7 absolute error, enough for censored tails). */
function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Density (or censored mass) of an observation clipped to [lo, hi]. */
function censoredNormal(obs: number, mean: number, sd: number, lo: number, hi: number): number {
  if (obs <= lo + 1e-12) return normCdf((lo - mean) / sd);
  if (obs >= hi - 1e-12) return 1 - normCdf((hi - mean) / sd);
  return phi((obs - mean) / sd) / sd;
}

interface Grids {
  t: Float64Array;
  /** Index of the first T above the threshold. */
  split: number;
}

function tGrid(): Grids {
  const n = Math.round((T_MAX - T_MIN) / T_STEP);
  const t = new Float64Array(n);
  let split = n;
  for (let j = 0; j < n; j++) {
    // Cell centres laid so that a cell edge falls on the threshold.
    t[j] = THRESHOLD + T_STEP * (Math.round((T_MIN - THRESHOLD) / T_STEP) + j + 0.5);
    if (split === n && (t[j] as number) > THRESHOLD) split = j;
  }
  return { t, split };
}

/** The fat-independent likelihood of a vertebra's texture and fracture status at each grid T. */
function otherLikelihood(v: SyntheticVertebra, t: Float64Array): Float64Array {
  const tx = SYNTH_PARAMS.texture;
  const out = new Float64Array(t.length);
  for (let j = 0; j < t.length; j++) {
    const T = t[j] as number;
    const pc = censoredNormal(
      v.textureScale,
      tx.base + tx.perDeficit * clamp(-T, 0, 4),
      tx.sd,
      tx.min,
      Infinity,
    );
    const pf = fractureProbability(T);
    out[j] = pc * (v.fracture ? pf : 1 - pf);
  }
  return out;
}

interface SexGrid {
  weight: number;
  mu: Float64Array;
  g: Float64Array;
  /** Bivariate normal weight of (mu[a], g[b]) at a * GRID + b. */
  w: Float64Array;
  /** N(T_j; mu[a], vertebraSd^2) up to a constant, at a * nT + j. */
  prior: Float64Array;
}

function sexGrids(t: Float64Array): SexGrid[] {
  const tp = SYNTH_PARAMS.tScore;
  const fp = SYNTH_PARAMS.fat;
  const fem = SYNTH_PARAMS.demographics.femaleFraction;
  return (['F', 'M'] as const).map((sex) => {
    const mMu = tp.base + (sex === 'F' ? tp.female : 0);
    const mG = sex === 'M' ? fp.male : 0;
    const vMu = tp.agePerDecade ** 2 + tp.patientSd ** 2;
    const vG = fp.agePerDecade[sex] ** 2 + fp.patientSd ** 2;
    const cov = tp.agePerDecade * fp.agePerDecade[sex];
    const det = vMu * vG - cov * cov;
    const mu = new Float64Array(GRID);
    const g = new Float64Array(GRID);
    for (let i = 0; i < GRID; i++) {
      const u = -GRID_SD + (2 * GRID_SD * i) / (GRID - 1);
      mu[i] = mMu + u * Math.sqrt(vMu);
      g[i] = mG + u * Math.sqrt(vG);
    }
    const w = new Float64Array(GRID * GRID);
    let total = 0;
    for (let a = 0; a < GRID; a++)
      for (let b = 0; b < GRID; b++) {
        const x = (mu[a] as number) - mMu;
        const y = (g[b] as number) - mG;
        const d = Math.exp((-0.5 * (vG * x * x - 2 * cov * x * y + vMu * y * y)) / det);
        w[a * GRID + b] = d;
        total += d;
      }
    // Each sex's grid carries its prior mass 1 (the grids differ in spacing between sexes).
    for (let k = 0; k < w.length; k++) (w[k] as number) /= total;
    const nT = t.length;
    const prior = new Float64Array(GRID * nT);
    for (let a = 0; a < GRID; a++)
      for (let j = 0; j < nT; j++)
        prior[a * nT + j] = phi(((t[j] as number) - (mu[a] as number)) / tp.vertebraSd);
    return { weight: sex === 'F' ? fem : 1 - fem, mu, g, w, prior };
  });
}

/** Per grid point (a, b): likelihood of the vertebra's observation with T <= threshold and with T above. */
function vertebraLikelihood(
  v: SyntheticVertebra,
  sg: SexGrid,
  grids: Grids,
): { neg: Float64Array; pos: Float64Array } {
  const { t, split } = grids;
  const fp = SYNTH_PARAMS.fat;
  const other = otherLikelihood(v, t);
  const nT = t.length;
  const prior = sg.prior;
  const fat = new Float64Array(GRID * nT);
  for (let b = 0; b < GRID; b++)
    for (let j = 0; j < nT; j++) {
      const mean = fp.base + fp.perTDeficit * -(t[j] as number) + (sg.g[b] as number);
      fat[b * nT + j] =
        censoredNormal(v.fatFraction, mean, fp.vertebraSd, fp.min, fp.max) * (other[j] as number);
    }
  const pos = new Float64Array(GRID * GRID);
  const neg = new Float64Array(GRID * GRID);
  for (let a = 0; a < GRID; a++)
    for (let b = 0; b < GRID; b++) {
      let lo = 0;
      let hi = 0;
      const pa = a * nT;
      const fb = b * nT;
      for (let j = 0; j < split; j++) lo += (prior[pa + j] as number) * (fat[fb + j] as number);
      for (let j = split; j < nT; j++) hi += (prior[pa + j] as number) * (fat[fb + j] as number);
      pos[a * GRID + b] = lo;
      neg[a * GRID + b] = hi;
    }
  return { neg, pos };
}

export interface PatientPosterior {
  patientId: string;
  /** P(T <= -2.5 | theta_v) per vertebra (image level: that vertebra's own parameters only). */
  image: Array<{ level: string; excluded: boolean; label: 0 | 1; p: number }>;
  /** P(any included vertebra <= -2.5 | all of the patient's theta). */
  patient: number;
  /** P(any vertebra <= -2.5 | all theta), excluded vertebrae counted. */
  patientIncludingExcluded: number;
  /** Label over included vertebrae (0 when every vertebra is excluded). */
  label: 0 | 1;
  labelIncludingExcluded: 0 | 1;
}

const excluded = (v: SyntheticVertebra) => v.fracture;
const isPositive = (v: SyntheticVertebra) => v.tScore <= -2.5;

let cached: { grids: Grids; sgs: SexGrid[] } | undefined;

/** The oracle posteriors of one patient (see the module comment for the derivation). */
export function oraclePosterior(patient: SyntheticPatient): PatientPosterior {
  cached ??= (() => {
    const grids = tGrid();
    return { grids, sgs: sexGrids(grids.t) };
  })();
  const { grids, sgs } = cached;
  const vs = patient.vertebrae;
  const lik = sgs.map((sg) => vs.map((v) => vertebraLikelihood(v, sg, grids)));
  const image = vs.map((v, i) => {
    let num = 0;
    let den = 0;
    sgs.forEach((sg, s) => {
      const l = lik[s]?.[i] as { neg: Float64Array; pos: Float64Array };
      for (let k = 0; k < sg.w.length; k++) {
        const w = sg.weight * (sg.w[k] as number);
        num += w * (l.pos[k] as number);
        den += w * ((l.pos[k] as number) + (l.neg[k] as number));
      }
    });
    return { level: v.level, excluded: excluded(v), label: (isPositive(v) ? 1 : 0) as 0 | 1, p: num / den };
  });
  let all = 0;
  let negIncl = 0;
  let negAll = 0;
  sgs.forEach((sg, s) => {
    for (let k = 0; k < sg.w.length; k++) {
      let pAll = sg.weight * (sg.w[k] as number);
      let pNegIncl = pAll;
      let pNegAll = pAll;
      vs.forEach((v, i) => {
        const l = lik[s]?.[i] as { neg: Float64Array; pos: Float64Array };
        const tot = (l.neg[k] as number) + (l.pos[k] as number);
        pAll *= tot;
        pNegIncl *= excluded(v) ? tot : (l.neg[k] as number);
        pNegAll *= l.neg[k] as number;
      });
      all += pAll;
      negIncl += pNegIncl;
      negAll += pNegAll;
    }
  });
  return {
    patientId: patient.id,
    image,
    patient: 1 - negIncl / all,
    patientIncludingExcluded: 1 - negAll / all,
    label: vs.some((v) => !excluded(v) && isPositive(v)) ? 1 : 0,
    labelIncludingExcluded: vs.some(isPositive) ? 1 : 0,
  };
}

export interface OracleAuc {
  auc: number | null;
  n: number;
  positives: number;
}

function aucOf(labels: number[], scores: number[]): OracleAuc {
  const positives = labels.reduce((s, v) => s + v, 0);
  const auc = positives > 0 && positives < labels.length ? rocAuc(labels, scores) : null;
  return { auc, n: labels.length, positives };
}

export interface OracleSummary {
  image: OracleAuc;
  patient: OracleAuc;
  includeExcluded: { image: OracleAuc; patient: OracleAuc };
}

/**
 * Oracle AUCs over a set of patient posteriors (optionally only the given patient ids, e.g. a test
 * split): excluded vertebrae left out, and, under `includeExcluded`, counted.
 */
export function oracleAucs(posteriors: PatientPosterior[], patientIds?: Iterable<string>): OracleSummary {
  const keep = patientIds ? new Set(patientIds) : null;
  const ps = keep ? posteriors.filter((p) => keep.has(p.patientId)) : posteriors;
  const img = ps.flatMap((p) => p.image.filter((v) => !v.excluded));
  const imgAll = ps.flatMap((p) => p.image);
  const withIncluded = ps.filter((p) => p.image.some((v) => !v.excluded));
  return {
    image: aucOf(
      img.map((v) => v.label),
      img.map((v) => v.p),
    ),
    patient: aucOf(
      withIncluded.map((p) => p.label),
      withIncluded.map((p) => p.patient),
    ),
    includeExcluded: {
      image: aucOf(
        imgAll.map((v) => v.label),
        imgAll.map((v) => v.p),
      ),
      patient: aucOf(
        ps.map((p) => p.labelIncludingExcluded),
        ps.map((p) => p.patientIncludingExcluded),
      ),
    },
  };
}
