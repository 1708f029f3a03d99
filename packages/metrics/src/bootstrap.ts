import { quantileSorted } from './calibration.js';
import { type ScoreTable, scoreTable } from './curve.js';
import { type RngInput, randomInt } from './rng.js';
import { checkFraction, checkInteger, type NumericArray } from './validate.js';

export interface BootstrapOptions {
  /** Uniform [0, 1) source, e.g. `createRng(seed)`; required so results are reproducible. */
  rng: RngInput;
  /** Number of resamples (default 2000, pROC's default). */
  nBoot?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

/**
 * Resampler over the tie groups of a score table: each replicate draws P positives and N negatives
 * with replacement (stratified, so every replicate keeps both classes, as pROC's default
 * `stratified = TRUE`) and only counts how many land in each tie group, so a replicate costs
 * O(n + groups) and needs no sort.
 */
class GroupResampler {
  readonly posCount: Float64Array;
  readonly negCount: Float64Array;
  private readonly posGroup: Int32Array;
  private readonly negGroup: Int32Array;
  constructor(readonly table: ScoreTable) {
    const G = table.values.length;
    this.posCount = new Float64Array(G);
    this.negCount = new Float64Array(G);
    // table.values is descending, sortedPos/sortedNeg ascending: walk both from the top.
    this.posGroup = new Int32Array(table.positives);
    this.negGroup = new Int32Array(table.negatives);
    for (let g = 0, i = table.positives - 1, j = table.negatives - 1; g < G; g++) {
      for (let c = 0; c < table.pos[g]; c++) this.posGroup[i--] = g;
      for (let c = 0; c < table.neg[g]; c++) this.negGroup[j--] = g;
    }
  }
  draw(rng: RngInput): void {
    this.posCount.fill(0);
    this.negCount.fill(0);
    const P = this.posGroup.length;
    const N = this.negGroup.length;
    for (let k = 0; k < P; k++) this.posCount[this.posGroup[randomInt(rng, P)]]++;
    for (let k = 0; k < N; k++) this.negCount[this.negGroup[randomInt(rng, N)]]++;
  }
  auc(): number {
    let negAbove = 0;
    let sum = 0;
    const N = this.negGroup.length;
    for (let g = 0; g < this.posCount.length; g++) {
      const n = this.negCount[g];
      sum += this.posCount[g] * (N - negAbove - 0.5 * n);
      negAbove += n;
    }
    return sum / (this.posGroup.length * N);
  }
  /**
   * TPR at each FPR of `grid` (ascending): linear between the last ROC point with FPR <= x and the
   * next one, as scikit-learn interpolates for `max_fpr`.
   */
  tprAt(grid: NumericArray, out: Float64Array): void {
    const P = this.posGroup.length;
    const N = this.negGroup.length;
    let k = 0;
    let px = 0;
    let py = 0;
    let tp = 0;
    let fp = 0;
    for (let g = 0; g < this.posCount.length && k < grid.length; g++) {
      tp += this.posCount[g];
      fp += this.negCount[g];
      const x1 = fp / N;
      const y1 = tp / P;
      for (; k < grid.length && grid[k] < x1; k++) out[k] = py + ((y1 - py) * (grid[k] - px)) / (x1 - px);
      px = x1;
      py = y1;
    }
    for (; k < grid.length; k++) out[k] = py;
  }
}

function percentileCI(sorted: Float64Array, level: number): [number, number] {
  const a = (1 - level) / 2;
  return [quantileSorted(sorted, a), quantileSorted(sorted, 1 - a)];
}

export interface BootstrapAucResult {
  auc: number;
  /** Percentile interval (quantile type 7) of the replicate AUCs. */
  ci: [number, number];
  level: number;
  nBoot: number;
  /** The replicate AUCs, in draw order. */
  replicates: Float64Array;
}

/** Stratified bootstrap CI of the ROC AUC (Carpenter & Bithell 2000 percentile method). */
export function bootstrapAucCI(
  labels: NumericArray,
  scores: NumericArray,
  options: BootstrapOptions,
): BootstrapAucResult {
  const nBoot = options.nBoot ?? 2000;
  const level = options.level ?? 0.95;
  checkInteger(nBoot, 'bootstrapAucCI', 'nBoot', 1);
  checkFraction(level, 'bootstrapAucCI', 'level', true);
  const table = scoreTable(labels, scores, 'bootstrapAucCI');
  const r = new GroupResampler(table);
  const replicates = new Float64Array(nBoot);
  for (let b = 0; b < nBoot; b++) {
    r.draw(options.rng);
    replicates[b] = r.auc();
  }
  const sorted = Float64Array.from(replicates).sort();
  const full = new GroupResampler(table);
  full.posCount.set(table.pos);
  full.negCount.set(table.neg);
  return { auc: full.auc(), ci: percentileCI(sorted, level), level, nBoot, replicates };
}

export interface RocBand {
  /** FPR grid (ascending). */
  fpr: number[];
  /** Pointwise percentile band of the TPR at each grid FPR. */
  lower: number[];
  upper: number[];
  level: number;
}

/** Pointwise stratified-bootstrap confidence band of the ROC curve (TPR at fixed FPR, as pROC `ci.se`). */
export function rocConfidenceBand(
  labels: NumericArray,
  scores: NumericArray,
  options: BootstrapOptions & { fpr?: number[] },
): RocBand {
  const nBoot = options.nBoot ?? 2000;
  const level = options.level ?? 0.95;
  checkInteger(nBoot, 'rocConfidenceBand', 'nBoot', 1);
  checkFraction(level, 'rocConfidenceBand', 'level', true);
  const grid = options.fpr ?? Array.from({ length: 51 }, (_, i) => i / 50);
  const r = new GroupResampler(scoreTable(labels, scores, 'rocConfidenceBand'));
  const draws = grid.map(() => new Float64Array(nBoot));
  const row = new Float64Array(grid.length);
  for (let b = 0; b < nBoot; b++) {
    r.draw(options.rng);
    r.tprAt(grid, row);
    for (let k = 0; k < grid.length; k++) draws[k][b] = row[k];
  }
  const lower: number[] = [];
  const upper: number[] = [];
  for (const d of draws) {
    const [lo, hi] = percentileCI(d.sort(), level);
    lower.push(lo);
    upper.push(hi);
  }
  return { fpr: grid.slice(), lower, upper, level };
}
