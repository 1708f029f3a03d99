import { MetricsError } from './errors.js';
import { type RngInput, shuffleInPlace } from './rng.js';
import { checkFraction, checkInteger, checkLabels, checkSameLength, type NumericArray } from './validate.js';

/** One train/test split: sample indices, ascending. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/** A group key per sample (patient id); compared by value. */
export type GroupKeys = ArrayLike<string | number>;

export interface SplitOptions {
  /** Number of folds (default 5). */
  nSplits?: number;
  /** Shuffle before assigning folds; then `rng` is required. Default false (deterministic, scikit-learn's folds). */
  shuffle?: boolean;
  rng?: RngInput;
}

function splitArgs(options: SplitOptions, where: string): { k: number; rng: RngInput | null } {
  const k = options.nSplits ?? 5;
  checkInteger(k, where, 'nSplits', 2);
  if (options.shuffle && !options.rng) {
    throw new MetricsError(
      'INVALID_ARGUMENT',
      `${where}: shuffle needs an rng; pass { rng: createRng(seed) }`,
    );
  }
  return { k, rng: options.shuffle ? (options.rng ?? null) : null };
}

/** Folds from a fold id per sample. */
function foldsFromAssignment(assign: Int32Array, k: number): Fold[] {
  const sizes = new Int32Array(k);
  for (let i = 0; i < assign.length; i++) sizes[assign[i]]++;
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test = new Int32Array(sizes[f]);
    const train = new Int32Array(assign.length - sizes[f]);
    for (let i = 0, a = 0, b = 0; i < assign.length; i++) {
      if (assign[i] === f) test[a++] = i;
      else train[b++] = i;
    }
    folds.push({ train, test });
  }
  return folds;
}

/**
 * K-fold: contiguous folds, the first n % k one sample larger (scikit-learn `KFold`); with
 * `shuffle` the samples are permuted first.
 */
export function kFold(nSamples: number, options: SplitOptions = {}): Fold[] {
  const where = 'kFold';
  const { k, rng } = splitArgs(options, where);
  checkInteger(nSamples, where, 'nSamples', 0);
  if (nSamples < k) {
    throw new MetricsError(
      'TOO_FEW_SAMPLES',
      `${where}: ${nSamples} samples cannot fill ${k} folds; use fewer folds`,
    );
  }
  const order = Int32Array.from({ length: nSamples }, (_, i) => i);
  if (rng) shuffleInPlace(order, rng);
  const assign = new Int32Array(nSamples);
  const base = Math.floor(nSamples / k);
  const extra = nSamples % k;
  for (let f = 0, pos = 0; f < k; f++) {
    const size = base + (f < extra ? 1 : 0);
    for (let c = 0; c < size; c++) assign[order[pos++]] = f;
  }
  return foldsFromAssignment(assign, k);
}

/**
 * Stratified k-fold with scikit-learn 1.2 `StratifiedKFold` assignment: classes in order of first
 * appearance, per-fold class counts dealt round-robin over the sorted labels, and each class's
 * samples given to folds in blocks in sample order (shuffled per class with `shuffle`). Each test
 * fold's class counts differ from n_class / k by less than one.
 */
export function stratifiedKFold(labels: NumericArray, options: SplitOptions = {}): Fold[] {
  const where = 'stratifiedKFold';
  const { k, rng } = splitArgs(options, where);
  checkLabels(labels, where);
  const n = labels.length;
  // encode classes by first appearance
  const code = new Map<number, number>();
  const enc = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let c = code.get(labels[i]);
    if (c === undefined) {
      c = code.size;
      code.set(labels[i], c);
    }
    enc[i] = c;
  }
  const nClasses = code.size;
  const counts = new Int32Array(nClasses);
  for (let i = 0; i < n; i++) counts[enc[i]]++;
  const smallest = Math.min(...counts);
  if (smallest < k) {
    throw new MetricsError(
      'TOO_FEW_SAMPLES',
      `${where}: the smallest class has ${smallest} samples, fewer than ${k} folds, so some test fold would lack it; use fewer folds`,
    );
  }
  // allocation[f][c]: members of class c among sorted(enc)[f::k]
  const sorted = Int32Array.from(enc).sort();
  const allocation = Array.from({ length: k }, () => new Int32Array(nClasses));
  for (let i = 0; i < n; i++) allocation[i % k][sorted[i]]++;
  const assign = new Int32Array(n);
  for (let c = 0; c < nClasses; c++) {
    const foldsForClass: number[] = [];
    for (let f = 0; f < k; f++) for (let r = 0; r < allocation[f][c]; r++) foldsForClass.push(f);
    if (rng) shuffleInPlace(foldsForClass, rng);
    for (let i = 0, p = 0; i < n; i++) if (enc[i] === c) assign[i] = foldsForClass[p++];
  }
  return foldsFromAssignment(assign, k);
}

/** Sorted unique group keys (numpy `unique` order) and each sample's index into them. */
function encodeGroups(groups: GroupKeys): { keys: (string | number)[]; inverse: Int32Array } {
  const allNumbers = Array.prototype.every.call(groups, (g: unknown) => typeof g === 'number');
  const values: (string | number)[] = Array.from(groups, (g) => (allNumbers ? g : String(g)));
  const keys = [...new Set(values)];
  if (allNumbers) (keys as number[]).sort((a, b) => a - b);
  else keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map<string | number, number>(keys.map((k, i) => [k, i]));
  const inverse = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) inverse[i] = index.get(values[i])!;
  return { keys, inverse };
}

function checkGroups(
  groups: GroupKeys,
  k: number,
  where: string,
): { keys: (string | number)[]; inverse: Int32Array } {
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    if (g === undefined || g === null || g === '' || (typeof g === 'number' && !Number.isFinite(g))) {
      throw new MetricsError(
        'INVALID_ARGUMENT',
        `${where}: group at index ${i} is missing; every sample needs a group`,
      );
    }
  }
  const enc = encodeGroups(groups);
  if (enc.keys.length < k) {
    throw new MetricsError(
      'TOO_FEW_GROUPS',
      `${where}: ${enc.keys.length} distinct groups cannot fill ${k} folds without splitting a group; use at most ${enc.keys.length} folds`,
    );
  }
  return enc;
}

/**
 * numpy's default `argsort` (introsort, kind="quicksort", numpy <= 1.24 without SIMD sort) for
 * integer keys. It is not stable; scikit-learn's GroupKFold inherits its tie order, so to give the
 * same folds we reproduce it: median-of-3 quicksort, insertion sort below 17 elements, heapsort
 * past a depth of 2 * floor(log2 n).
 */
export function numpyArgsort(v: ArrayLike<number>): Int32Array {
  const num = v.length;
  const tosort = Int32Array.from({ length: num }, (_, i) => i);
  if (num < 2) return tosort;
  const swap = (a: number, b: number) => {
    const t = tosort[a];
    tosort[a] = tosort[b];
    tosort[b] = t;
  };
  const stack: number[] = [];
  const depthStack: number[] = [];
  let pl = 0;
  let pr = num - 1;
  let msb = 0;
  for (let u = num; u > 1; u >>= 1) msb++;
  let cdepth = msb * 2;
  for (;;) {
    if (cdepth < 0) {
      heapsortRange(v, tosort, pl, pr - pl + 1);
    } else {
      while (pr - pl > 16) {
        const pm = pl + ((pr - pl) >> 1);
        if (v[tosort[pm]] < v[tosort[pl]]) swap(pm, pl);
        if (v[tosort[pr]] < v[tosort[pm]]) swap(pr, pm);
        if (v[tosort[pm]] < v[tosort[pl]]) swap(pm, pl);
        const vp = v[tosort[pm]];
        let pi = pl;
        let pj = pr - 1;
        swap(pm, pj);
        for (;;) {
          do ++pi;
          while (v[tosort[pi]] < vp);
          do --pj;
          while (vp < v[tosort[pj]]);
          if (pi >= pj) break;
          swap(pi, pj);
        }
        swap(pi, pr - 1);
        if (pi - pl < pr - pi) {
          stack.push(pi + 1, pr);
          pr = pi - 1;
        } else {
          stack.push(pl, pi - 1);
          pl = pi + 1;
        }
        depthStack.push(--cdepth);
      }
      for (let pi = pl + 1; pi <= pr; pi++) {
        const vi = tosort[pi];
        const vv = v[vi];
        let pj = pi;
        while (pj > pl && vv < v[tosort[pj - 1]]) {
          tosort[pj] = tosort[pj - 1];
          pj--;
        }
        tosort[pj] = vi;
      }
    }
    if (stack.length === 0) break;
    pr = stack.pop()!;
    pl = stack.pop()!;
    cdepth = depthStack.pop()!;
  }
  return tosort;
}

/** numpy's `aheapsort` on tosort[start, start + n). */
function heapsortRange(v: ArrayLike<number>, tosort: Int32Array, start: number, n: number): void {
  // 1-based heap over a = tosort[start - 1 + i]
  const a = (i: number) => tosort[start - 1 + i];
  const set = (i: number, x: number) => {
    tosort[start - 1 + i] = x;
  };
  let i: number;
  let j: number;
  let l: number;
  let tmp: number;
  for (l = n >> 1; l > 0; --l) {
    tmp = a(l);
    for (i = l, j = l << 1; j <= n; ) {
      if (j < n && v[a(j)] < v[a(j + 1)]) j += 1;
      if (v[tmp] < v[a(j)]) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
  for (; n > 1; ) {
    tmp = a(n);
    set(n, a(1));
    n -= 1;
    for (i = 1, j = 2; j <= n; ) {
      if (j < n && v[a(j)] < v[a(j + 1)]) j++;
      if (v[tmp] < v[a(j)]) {
        set(i, a(j));
        i = j;
        j += j;
      } else break;
    }
    set(i, tmp);
  }
}

/**
 * Group k-fold: no group in two folds. Unshuffled it is scikit-learn 1.2 `GroupKFold`: groups
 * sorted by size (largest first, ties in numpy's argsort order) go one by one to the fold with the
 * fewest samples so far. With `shuffle`, ties are broken at random instead.
 */
export function groupKFold(groups: GroupKeys, options: SplitOptions = {}): Fold[] {
  const where = 'groupKFold';
  const { k, rng } = splitArgs(options, where);
  const { keys, inverse } = checkGroups(groups, k, where);
  const G = keys.length;
  const sizes = new Float64Array(G);
  for (let i = 0; i < inverse.length; i++) sizes[inverse[i]]++;
  let order: Int32Array;
  if (rng) {
    const perm = Int32Array.from({ length: G }, (_, i) => i);
    shuffleInPlace(perm, rng);
    order = Int32Array.from(perm).sort((a, b) => sizes[b] - sizes[a]);
  } else {
    order = numpyArgsort(sizes).reverse();
  }
  const load = new Float64Array(k);
  const groupFold = new Int32Array(G);
  for (let r = 0; r < G; r++) {
    const g = order[r];
    let lightest = 0;
    for (let f = 1; f < k; f++) if (load[f] < load[lightest]) lightest = f;
    load[lightest] += sizes[g];
    groupFold[g] = lightest;
  }
  const assign = new Int32Array(inverse.length);
  for (let i = 0; i < inverse.length; i++) assign[i] = groupFold[inverse[i]];
  return foldsFromAssignment(assign, k);
}

function populationStd(xs: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m += xs[i];
  m /= xs.length;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return Math.sqrt(s / xs.length);
}

/**
 * Stratified group k-fold: no group in two folds, class proportions kept as close as the groups
 * allow. Greedy like scikit-learn's `StratifiedGroupKFold`: groups with the most unbalanced class
 * counts first, each to the fold that minimises the spread (std over folds, averaged over classes)
 * of the per-class fraction, ties to the fold with fewer samples.
 */
export function stratifiedGroupKFold(
  labels: NumericArray,
  groups: GroupKeys,
  options: SplitOptions = {},
): Fold[] {
  const where = 'stratifiedGroupKFold';
  const { k, rng } = splitArgs(options, where);
  checkSameLength(labels, groups, where, ['labels', 'groups']);
  checkLabels(labels, where);
  const { keys, inverse } = checkGroups(groups, k, where);
  const G = keys.length;
  const C = 2;
  const classTotal = [0, 0];
  const perGroup = Array.from({ length: G }, () => new Float64Array(C));
  for (let i = 0; i < inverse.length; i++) {
    perGroup[inverse[i]][labels[i]]++;
    classTotal[labels[i]]++;
  }
  const order = Array.from({ length: G }, (_, i) => i);
  if (rng) shuffleInPlace(order, rng);
  const spread = perGroup.map((c) => populationStd(c));
  order.sort((a, b) => spread[b] - spread[a]); // stable
  const perFold = Array.from({ length: k }, () => new Float64Array(C));
  const groupFold = new Int32Array(G);
  const column = new Float64Array(k);
  for (const g of order) {
    let best = -1;
    let bestEval = Number.POSITIVE_INFINITY;
    let bestSamples = Number.POSITIVE_INFINITY;
    for (let f = 0; f < k; f++) {
      for (let c = 0; c < C; c++) perFold[f][c] += perGroup[g][c];
      let evalSum = 0;
      for (let c = 0; c < C; c++) {
        if (classTotal[c] === 0) continue;
        for (let h = 0; h < k; h++) column[h] = perFold[h][c] / classTotal[c];
        evalSum += populationStd(column);
      }
      for (let c = 0; c < C; c++) perFold[f][c] -= perGroup[g][c];
      const foldEval = evalSum / C;
      const samples = perFold[f][0] + perFold[f][1];
      const close = Math.abs(foldEval - bestEval) <= 1e-8 + 1e-5 * Math.abs(bestEval);
      if (foldEval < bestEval || (close && samples < bestSamples)) {
        bestEval = foldEval;
        bestSamples = samples;
        best = f;
      }
    }
    for (let c = 0; c < C; c++) perFold[best][c] += perGroup[g][c];
    groupFold[g] = best;
  }
  const assign = new Int32Array(inverse.length);
  for (let i = 0; i < inverse.length; i++) assign[i] = groupFold[inverse[i]];
  return foldsFromAssignment(assign, k);
}

/**
 * Grouped, stratified hold-out split: each group (patient) gets the label "positive if any of its
 * samples is positive"; within each such class a seeded random `testFraction` of the groups
 * (rounded, at least one when the class has two or more groups) goes to the test set.
 */
export function groupedHoldout(
  labels: NumericArray,
  groups: GroupKeys,
  options: { testFraction?: number; rng: RngInput },
): Fold {
  const where = 'groupedHoldout';
  const testFraction = options.testFraction ?? 0.2;
  checkFraction(testFraction, where, 'testFraction', true);
  checkSameLength(labels, groups, where, ['labels', 'groups']);
  checkLabels(labels, where);
  const { keys, inverse } = checkGroups(groups, 2, where);
  const groupLabel = new Int32Array(keys.length);
  for (let i = 0; i < inverse.length; i++) if (labels[i] === 1) groupLabel[inverse[i]] = 1;
  const inTest = new Uint8Array(keys.length);
  for (const cls of [0, 1]) {
    const members: number[] = [];
    for (let g = 0; g < keys.length; g++) if (groupLabel[g] === cls) members.push(g);
    shuffleInPlace(members, options.rng);
    let take = Math.round(testFraction * members.length);
    if (take === 0 && members.length >= 2) take = 1;
    if (take === members.length && members.length > 0) take = members.length - 1;
    for (let r = 0; r < take; r++) inTest[members[r]] = 1;
  }
  const assign = new Int32Array(inverse.length);
  for (let i = 0; i < inverse.length; i++) assign[i] = inTest[inverse[i]] ? 0 : 1;
  const [f] = foldsFromAssignment(assign, 2);
  return f;
}

export interface RepeatedOptions {
  nSplits?: number;
  nRepeats?: number;
  rng: RngInput;
}

function repeat(nRepeats: number | undefined, where: string, once: () => Fold[]): Fold[][] {
  const r = nRepeats ?? 10;
  checkInteger(r, where, 'nRepeats', 1);
  return Array.from({ length: r }, once);
}

/** `nRepeats` shuffled K-fold partitions (one array of folds per repeat). */
export function repeatedKFold(nSamples: number, options: RepeatedOptions): Fold[][] {
  return repeat(options.nRepeats, 'repeatedKFold', () => kFold(nSamples, { ...options, shuffle: true }));
}

export function repeatedStratifiedKFold(labels: NumericArray, options: RepeatedOptions): Fold[][] {
  return repeat(options.nRepeats, 'repeatedStratifiedKFold', () =>
    stratifiedKFold(labels, { ...options, shuffle: true }),
  );
}

export function repeatedGroupKFold(groups: GroupKeys, options: RepeatedOptions): Fold[][] {
  return repeat(options.nRepeats, 'repeatedGroupKFold', () =>
    groupKFold(groups, { ...options, shuffle: true }),
  );
}

export function repeatedStratifiedGroupKFold(
  labels: NumericArray,
  groups: GroupKeys,
  options: RepeatedOptions,
): Fold[][] {
  return repeat(options.nRepeats, 'repeatedStratifiedGroupKFold', () =>
    stratifiedGroupKFold(labels, groups, { ...options, shuffle: true }),
  );
}

export interface LeakageReport {
  /** True when no group crosses a split. */
  ok: boolean;
  /** Distinct groups present in more than one split (a test fold and another test fold, or train and test of one fold). */
  leakedGroups: number;
  /** Per fold: distinct groups present in both its train and its test set. */
  trainTestOverlap: number[];
  /** Distinct groups found in the test sets of two or more folds. */
  groupsInSeveralTestFolds: number;
}

/**
 * Leakage audit: counts groups (patients) that appear on both sides of a split. Returns counts
 * only, so the report can be logged without patient identifiers.
 */
export function auditLeakage(folds: readonly Fold[], groups: GroupKeys): LeakageReport {
  const { keys, inverse } = encodeGroups(groups);
  const leaked = new Uint8Array(keys.length);
  const testFoldCount = new Int32Array(keys.length);
  const trainTestOverlap: number[] = [];
  const seenTest = new Int32Array(keys.length).fill(-1);
  const seenTrain = new Int32Array(keys.length).fill(-1);
  folds.forEach((fold, f) => {
    for (const i of [...fold.train, ...fold.test]) {
      if (i < 0 || i >= inverse.length) {
        throw new MetricsError(
          'INVALID_ARGUMENT',
          `auditLeakage: fold ${f} has sample index ${i}, outside 0..${inverse.length - 1}`,
        );
      }
    }
    for (const i of fold.test) {
      const g = inverse[i];
      if (seenTest[g] !== f) {
        seenTest[g] = f;
        testFoldCount[g]++;
      }
    }
    for (const i of fold.train) seenTrain[inverse[i]] = f;
    let overlap = 0;
    for (const i of fold.test) {
      const g = inverse[i];
      if (seenTrain[g] === f && leaked[g] !== 2) {
        overlap++;
        leaked[g] = 2; // counted for this fold; reset below
      }
    }
    for (const i of fold.test) if (leaked[inverse[i]] === 2) leaked[inverse[i]] = 1;
    trainTestOverlap.push(overlap);
  });
  let groupsInSeveralTestFolds = 0;
  let leakedGroups = 0;
  for (let g = 0; g < keys.length; g++) {
    if (testFoldCount[g] > 1) groupsInSeveralTestFolds++;
    if (testFoldCount[g] > 1 || leaked[g]) leakedGroups++;
  }
  return { ok: leakedGroups === 0, leakedGroups, trainTestOverlap, groupsInSeveralTestFolds };
}
