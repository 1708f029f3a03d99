import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createRng } from '@op-screen/metrics';
import { stringify } from 'csv-stringify/sync';
import { OpScreenError } from '../errors.js';
import {
  excludedCounts,
  type Manifest,
  type ManifestRow,
  readManifest,
  type SkippedRow,
  skippedToCsv,
} from '../manifest/index.js';
import { createProgress } from '../progress.js';
import { renderHtmlReport } from '../report/html.js';
import { type MetricBlock, type Report, reportSchema } from '../report/schema.js';
import { prepareRunDir, type RunPaths, readJson, writeFileAtomic, writeJsonAtomic } from '../run/rundir.js';
import { writeSyntheticCohort } from '../synth/index.js';
import { deriveSeed } from '../synth/rng.js';
import { vbqScore } from '../vbq.js';
import { type ConfigOverrides, type RunConfig, resolveConfig } from './config.js';
import { type Cropper, loadVertebrae, type SliceReader, type VertebraImage } from './data.js';
import type { Engine, FineTuneData, FitSummary, Preparer, TrainBatch } from './engine.js';
import { defaultDeps } from './ports.js';
import { chooseThreshold, compareAucs, metricBlock, type Scored, safeAuc, toPatientLevel } from './score.js';
import { IMAGE_SPLIT_NOTE, type SplitUnit, splitStudy } from './splits.js';

export interface ReproduceOptions extends ConfigOverrides {
  manifest?: string;
  data?: string;
  out: string;
  resume?: boolean;
  /** Log lines (one per stage / epoch when not on a TTY). */
  log?: (line: string) => void;
}

export interface ReproduceDeps {
  engine: Engine;
  read: SliceReader;
  crop: Cropper;
  makePreparer(cfg: RunConfig): Preparer;
  versions(): Promise<Record<string, string>>;
}

/** Everything a finished fold leaves behind; its presence marks the fold complete for --resume. */
interface FoldDone {
  fold: number;
  val: { keys: string[]; scores: number[] };
  test: { keys: string[]; scores: number[] };
  train: { keys: string[]; scores: number[] };
  fit: FitSummary;
}

export interface ReproduceResult {
  report: Report;
  paths: RunPaths;
}

const imageKey = (r: ManifestRow) => `${r.patientId}\u0000${r.sequence}\u0000${r.level}`;
const unitKey = (r: ManifestRow) => `${r.patientId}\u0000${r.level}`;

async function* batchesOf(
  indices: number[],
  inputs: Float32Array[],
  labels: Float32Array,
  batchSize: number,
  perImage: number,
  transform?: (x: Float32Array) => Float32Array,
): AsyncGenerator<TrainBatch> {
  for (let s = 0; s < indices.length; s += batchSize) {
    const idx = indices.slice(s, s + batchSize);
    const x = new Float32Array(idx.length * perImage);
    const y = new Float32Array(idx.length);
    idx.forEach((i, j) => {
      const xi = inputs[i] as Float32Array;
      x.set(transform ? transform(xi) : xi, j * perImage);
      y[j] = labels[i] as number;
    });
    yield { x, y, n: idx.length };
  }
}

function shuffled(indices: number[], rng: () => number): number[] {
  const a = indices.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}

/** `op-screen reproduce`: cohort -> crops -> preprocessing -> grouped splits -> fine-tuning per fold -> evaluation -> run directory. */
export async function reproduce(
  opts: ReproduceOptions,
  deps: ReproduceDeps = defaultDeps(),
): Promise<ReproduceResult> {
  const t0 = performance.now();
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const cfg = resolveConfig(opts);
  if (opts.manifest && opts.data)
    throw new OpScreenError('BAD_OPTION', 'pass either --manifest FILE or --data DIR, not both.');
  const manifestArg = opts.manifest
    ? resolve(opts.manifest)
    : opts.data
      ? resolve(opts.data, 'manifest.csv')
      : null;
  const synthetic = manifestArg === null;
  const { paths, resumed } = await prepareRunDir(
    resolve(opts.out),
    cfg,
    { manifest: manifestArg },
    opts.resume ?? false,
  );
  log(
    `${resumed ? 'resuming' : 'starting'} run in ${paths.root} (preset ${cfg.preset}, ${cfg.split}-level split, seed ${cfg.seed})`,
  );
  // Wall time over all sessions of this run (a resumed run adds to the interrupted ones).
  const timingPath = `${paths.root}/timing.json`;
  const timing = (await readJson<{ sessions: Array<{ startedAt: string; seconds: number }> }>(
    timingPath,
  )) ?? { sessions: [] };
  const session = { startedAt: new Date().toISOString(), seconds: 0 };
  timing.sessions.push(session);
  let timingWrite: Promise<void> = Promise.resolve();
  const saveTiming = async () => {
    session.seconds = (performance.now() - t0) / 1000;
    const snapshot = JSON.parse(JSON.stringify(timing));
    timingWrite = timingWrite.then(() => writeJsonAtomic(timingPath, snapshot));
    await timingWrite;
    return timing.sessions.reduce((sum, x) => sum + x.seconds, 0);
  };

  // 1. Cohort.
  let manifestPath = manifestArg;
  if (synthetic) {
    manifestPath = `${paths.cohort}/manifest.csv`;
    if (!existsSync(manifestPath)) {
      await rm(paths.cohort, { recursive: true, force: true });
      const bar = createProgress('synthesising', cfg.synthPatients);
      await writeSyntheticCohort(paths.cohort, {
        patients: cfg.synthPatients,
        seed: cfg.seed,
        onPatient: (d) => bar.update(d),
      });
      bar.stop();
      log(`synthetic cohort: ${cfg.synthPatients} patients in ${paths.cohort}`);
    }
  }
  const manifest: Manifest = await readManifest(manifestPath as string, {
    tScoreThreshold: cfg.tScoreThreshold,
  });
  const rows = manifest.rows.filter((r) => cfg.sequences.includes(r.sequence));

  // 2. Images: read, crop, VBQ signals, preprocess.
  const loadBar = createProgress('reading images', rows.length);
  const loaded = await loadVertebrae(rows, deps.read, deps.crop, (d) => loadBar.update(d));
  loadBar.stop();
  const skipped: SkippedRow[] = [...manifest.skipped, ...loaded.skipped].sort((a, b) => a.line - b.line);
  await writeFileAtomic(paths.skipped, skippedToCsv(skipped));
  const images = loaded.images;
  const excluded = excludedCounts(manifest.skipped);
  const excludedText = Object.entries(excluded).map(([k, n]) => `${n} ${k.replace('_', ' ')}`);
  log(
    `${images.length} images usable, ${skipped.length} manifest rows skipped (see skipped.csv)` +
      (excludedText.length ? `; excluded by the manifest: ${excludedText.join(', ')}` : ''),
  );
  if (images.length === 0)
    throw new OpScreenError(
      'NO_USABLE_ROWS',
      `no usable manifest rows in ${manifestPath}; see ${paths.skipped} for the reasons.`,
      manifestPath ?? undefined,
    );
  const prep = deps.makePreparer(cfg);
  const inputs = images.map((im) => prep.prepare(im.crop));
  const perImage = cfg.inputSize * cfg.inputSize * cfg.channels;
  const labels = Float32Array.from(images, (im) => im.row.label);

  // 3. Splits over vertebrae (patient-grouped by default).
  const unitIndex = new Map<string, number>();
  const units: SplitUnit[] = [];
  for (const im of images) {
    const k = unitKey(im.row);
    const u = unitIndex.get(k);
    if (u === undefined) {
      unitIndex.set(k, units.length);
      units.push({ key: k, patientId: im.row.patientId, label: im.row.label });
    } else if (im.row.label === 1) (units[u] as SplitUnit).label = 1;
  }
  const patientsTotal = new Set(units.map((u) => u.patientId)).size;
  if (patientsTotal < cfg.folds + 2)
    throw new OpScreenError(
      'TOO_FEW_PATIENTS',
      `${patientsTotal} patients cannot fill a hold-out set and ${cfg.folds} folds; add patients (at least ${cfg.folds + 2}).`,
    );
  const split = splitStudy(units, cfg.split, cfg.folds, cfg.holdOutFraction, deriveSeed(cfg.seed, 'split'));
  const roleOfUnit = new Array<string>(units.length).fill('');
  for (const i of split.test) roleOfUnit[i] = 'test';
  log(
    `split: ${split.test.length} test vertebrae, ${cfg.folds} folds; patients in more than one split: ${split.groupsInMultipleSplits}`,
  );

  // 4. Train per sequence and fold.
  const training: Report['training'] = {};
  const foldResults = new Map<string, FoldDone[]>();
  for (const seq of cfg.sequences) {
    const seqIdx = images.map((im, i) => (im.row.sequence === seq ? i : -1)).filter((i) => i >= 0);
    const byUnit = (unitList: number[]) => {
      const set = new Set(unitList);
      return seqIdx.filter((i) =>
        set.has(unitIndex.get(unitKey((images[i] as VertebraImage).row)) as number),
      );
    };
    const testIdx = byUnit(split.test);
    const done: FoldDone[] = [];
    for (let k = 0; k < split.folds.length; k++) {
      const fold = split.folds[k] as { train: number[]; val: number[] };
      const markerPath = paths.foldDone(seq, k);
      const previous = await readJson<FoldDone>(markerPath);
      if (previous) {
        log(`${seq} fold ${k + 1}/${cfg.folds}: complete (resumed from ${markerPath})`);
        done.push(previous);
        continue;
      }
      const trainIdx = byUnit(fold.train);
      const valIdx = byUnit(fold.val);
      const foldSeed = deriveSeed(cfg.seed, `${seq}-fold-${k}`);
      const data: FineTuneData = {
        train: (epoch: number) => {
          const rng = createRng(deriveSeed(foldSeed, `epoch-${epoch}`));
          const order = shuffled(trainIdx, rng);
          return batchesOf(
            order,
            inputs,
            labels,
            cfg.batchSize,
            perImage,
            cfg.augmentation ? prep.augmenter(deriveSeed(foldSeed, `augment-${epoch}`)) : undefined,
          );
        },
        validation: () => batchesOf(valIdx, inputs, labels, cfg.batchSize, perImage),
      };
      const model = await deps.engine.createModel(cfg, foldSeed);
      log(
        `${seq} fold ${k + 1}/${cfg.folds}: training on ${trainIdx.length} images, validating on ${valIdx.length}`,
      );
      const fit = await deps.engine.fineTune(model, data, cfg, {
        checkpointDir: paths.foldDir(seq, k),
        resume: resumed,
        historyFile: `${paths.foldDir(seq, k)}/history.jsonl`,
        seed: foldSeed,
        progressLabel: `${seq} fold ${k + 1}/${cfg.folds}`,
        onEpoch: () => {
          void saveTiming();
        },
      });
      const score = async (idx: number[]) =>
        Array.from(
          await deps.engine.predict(
            model,
            batchesOf(idx, inputs, labels, Math.max(cfg.batchSize, 32), perImage),
            cfg,
          ),
        );
      const keys = (idx: number[]) => idx.map((i) => imageKey((images[i] as VertebraImage).row));
      const result: FoldDone = {
        fold: k,
        val: { keys: keys(valIdx), scores: await score(valIdx) },
        test: { keys: keys(testIdx), scores: await score(testIdx) },
        train: cfg.predictTrain
          ? { keys: keys(trainIdx), scores: await score(trainIdx) }
          : { keys: [], scores: [] },
        fit,
      };
      await deps.engine.save(model, paths.foldModel(seq, k));
      deps.engine.dispose(model);
      await writeJsonAtomic(markerPath, result);
      await saveTiming();
      // The fold is complete and its model saved: the trainer's per-epoch checkpoints (weights +
      // optimizer state, ~4x the model) are no longer needed for --resume.
      for (const f of await readdir(paths.foldDir(seq, k)))
        if (f.endsWith('.ckpt')) await rm(join(paths.foldDir(seq, k), f), { force: true });
      done.push(result);
    }
    foldResults.set(seq, done);
    training[seq] = done.map((d) => ({
      fold: d.fold,
      epochs: d.fit.history.length,
      bestEpoch: d.fit.bestEpoch,
      stoppedEarly: d.fit.stoppedEarly,
      history: d.fit.history,
    }));
  }

  // 5. Evaluation: ensemble of fold models on the hold-out test set, threshold from out-of-fold validation.
  const imageByKey = new Map(images.map((im) => [imageKey(im.row), im]));
  const collect = (entries: Array<{ key: string; score: number }>): Scored => {
    const ims = entries.map((e) => imageByKey.get(e.key) as VertebraImage);
    return {
      labels: Uint8Array.from(ims, (im) => im.row.label),
      scores: Float64Array.from(entries, (e) => e.score),
      groups: ims.map((im) => im.row.patientId),
    };
  };
  const ensembleTest = (done: FoldDone[]) => {
    const sums = new Map<string, number>();
    for (const d of done)
      d.test.keys.forEach((k, i) => {
        sums.set(k, (sums.get(k) ?? 0) + (d.test.scores[i] as number) / done.length);
      });
    return [...sums].map(([key, score]) => ({ key, score }));
  };
  const oof = (done: FoldDone[]) =>
    done.flatMap((d) => d.val.keys.map((key, i) => ({ key, score: d.val.scores[i] as number })));
  const results: Report['results'] = {};
  const seqScores = new Map<
    string,
    { test: Array<{ key: string; score: number }>; val: Array<{ key: string; score: number }> }
  >();
  const evaluateSeq = (
    test: Array<{ key: string; score: number }>,
    val: Array<{ key: string; score: number }>,
    perFold: FoldDone[][],
  ) => {
    const t = collect(test);
    const v = collect(val);
    const foldAuc = (level: 'image' | 'patient') =>
      perFold[0]?.map((_, k) => {
        const tk = perFold.map((d) => d[k] as FoldDone);
        const merged = mergeBySequence(tk.map((d) => d.test));
        const s = collect(merged);
        return level === 'image'
          ? safeAuc(s.labels, s.scores)
          : safeAuc(toPatientLevel(s).labels, toPatientLevel(s).scores);
      }) ?? [];
    const valAuc = (level: 'image' | 'patient') =>
      perFold[0]?.map((_, k) => {
        const merged = mergeBySequence(perFold.map((d) => (d[k] as FoldDone).val));
        const s = collect(merged);
        return level === 'image'
          ? safeAuc(s.labels, s.scores)
          : safeAuc(toPatientLevel(s).labels, toPatientLevel(s).scores);
      }) ?? [];
    const tp = toPatientLevel(t);
    const vp = toPatientLevel(v);
    return {
      image: metricBlock(t, chooseThreshold(v), foldAuc('image'), valAuc('image')),
      patient: metricBlock(tp, chooseThreshold(vp), foldAuc('patient'), valAuc('patient')),
    };
  };
  for (const seq of cfg.sequences) {
    const done = foldResults.get(seq) as FoldDone[];
    const test = ensembleTest(done);
    const val = oof(done);
    seqScores.set(seq, { test, val });
    results[seq] = evaluateSeq(test, val, [done]);
  }
  if (cfg.sequences.length === 2) {
    // Both sequences: per vertebra, the mean of its T1 and T2 scores (vertebrae with both only).
    const combine = (a: Array<{ key: string; score: number }>, b: Array<{ key: string; score: number }>) =>
      mergeBySequence([toKeyScores(a), toKeyScores(b)]);
    const t1 = seqScores.get('T1') as {
      test: Array<{ key: string; score: number }>;
      val: Array<{ key: string; score: number }>;
    };
    const t2 = seqScores.get('T2') as typeof t1;
    results.both = evaluateSeq(combine(t1.test, t2.test), combine(t1.val, t2.val), [
      foldResults.get('T1') as FoldDone[],
      foldResults.get('T2') as FoldDone[],
    ]);
  }

  // 6. VBQ baseline on the same test patients (T1), compared with the CNN's patient-level T1 score by paired DeLong.
  const baselines: Report['baselines'] = {};
  if (cfg.sequences.includes('T1')) {
    const t1 = seqScores.get('T1')?.test ?? [];
    const testPatients = new Map<
      string,
      { marrow: number[]; csf: number | undefined; label: 0 | 1; cnn: number[] }
    >();
    for (const e of t1) {
      const im = imageByKey.get(e.key) as VertebraImage;
      let p = testPatients.get(im.row.patientId);
      if (!p) {
        p = { marrow: [], csf: undefined, label: 0, cnn: [] };
        testPatients.set(im.row.patientId, p);
      }
      p.marrow.push(im.marrowSignal);
      p.cnn.push(e.score);
      if (im.row.label === 1) p.label = 1;
      if (im.row.level === 'L3' && im.csfSignal !== undefined) p.csf = im.csfSignal;
    }
    const usable = [...testPatients.values()].filter((p) =>
      Number.isFinite(vbqScore(p.marrow, p.csf ?? Number.NaN)),
    );
    const lab = Uint8Array.from(usable, (p) => p.label);
    const pos = lab.reduce((s, v) => s + v, 0);
    if (usable.length >= 4 && pos >= 2 && usable.length - pos >= 2) {
      const vbq = Float64Array.from(usable, (p) => vbqScore(p.marrow, p.csf as number));
      const cnn = Float64Array.from(usable, (p) => p.cnn.reduce((s, v) => s + v, 0) / p.cnn.length);
      const b = metricBlock({ labels: lab, scores: vbq, groups: [] }, Number.POSITIVE_INFINITY, [], []);
      baselines.vbq = {
        level: 'patient',
        n: usable.length,
        auc: b.auc,
        aucCI95: b.aucCI95,
        pairedDeLong: compareAucs(lab, cnn, vbq),
      };
    } else log('VBQ baseline: not enough test patients with a T1 L3 csf_roi (needs 2 of each class)');
  }

  // 7. Outputs.
  const predictionRows: string[][] = [];
  for (const seq of cfg.sequences) {
    for (const d of foldResults.get(seq) as FoldDone[]) {
      for (const [split, part] of [
        ['train', d.train],
        ['val', d.val],
      ] as const)
        part.keys.forEach((key, i) => {
          predictionRows.push(
            predictionRow(
              imageByKey.get(key) as VertebraImage,
              String(d.fold),
              split,
              part.scores[i] as number,
            ),
          );
        });
    }
    for (const e of seqScores.get(seq)?.test ?? [])
      predictionRows.push(predictionRow(imageByKey.get(e.key) as VertebraImage, 'all', 'test', e.score));
  }
  await writeFileAtomic(
    paths.predictions,
    stringify([['patient_id', 'sequence', 'level', 'fold', 'split', 'label', 'score'], ...predictionRows]),
  );

  const testPatientSet = new Set(split.test.map((i) => (units[i] as SplitUnit).patientId));
  const report: Report = reportSchema.parse({
    title: `op-screen ${cfg.preset} run${synthetic ? ' on synthetic data' : ''}`,
    synthetic,
    split: cfg.split,
    splitNote: cfg.split === 'image' ? IMAGE_SPLIT_NOTE : null,
    config: cfg,
    versions: {
      node: process.version,
      packages: await deps.versions(),
      backend: await deps.engine.describe(),
    },
    leakage: { groupsInMultipleSplits: split.groupsInMultipleSplits, unit: cfg.split },
    skipped: skipped.length,
    skippedRows: skipped,
    excluded,
    counts: {
      patients: patientsTotal,
      images: images.length,
      testPatients: testPatientSet.size,
      testImages: [...seqScores.values()].reduce((s, v) => s + v.test.length, 0),
    },
    results,
    baselines,
    training,
    preprocessing: prep.describe(),
    wallTimeSeconds: await saveTiming(),
    createdAt: new Date().toISOString(),
  });
  await writeJsonAtomic(paths.report, report);
  const gradcams = await gradCamSample(cfg, deps, paths, images, inputs, seqScores, log);
  await writeFileAtomic(
    paths.html,
    await renderHtmlReport(report, { seqScores: collectForPlots(seqScores, collect), gradcams }),
  );
  await writeJsonAtomic(`${paths.model}/meta.json`, {
    config: cfg,
    sequences: cfg.sequences,
    folds: cfg.folds,
    preprocessing: prep.describe(),
    thresholds: Object.fromEntries(
      Object.entries(results).map(([s, r]) => [
        s,
        {
          image: (r as { image: MetricBlock }).image.threshold,
          patient: (r as { patient: MetricBlock }).patient.threshold,
        },
      ]),
    ),
  });
  log(
    `done in ${((performance.now() - t0) / 1000).toFixed(1)} s (${report.wallTimeSeconds.toFixed(1)} s over ${timing.sessions.length} session(s)): ${paths.report}`,
  );
  return { report, paths };
}

function predictionRow(im: VertebraImage, fold: string, split: string, score: number): string[] {
  return [
    im.row.patientId,
    im.row.sequence,
    im.row.level,
    fold,
    split,
    String(im.row.label),
    score.toPrecision(6),
  ];
}

function toKeyScores(list: Array<{ key: string; score: number }>): { keys: string[]; scores: number[] } {
  return { keys: list.map((e) => e.key), scores: list.map((e) => e.score) };
}

/** Merges per-sequence score lists into per-vertebra means keyed by the first sequence's image key (vertebrae present in all). */
function mergeBySequence(
  parts: Array<{ keys: string[]; scores: number[] }>,
): Array<{ key: string; score: number }> {
  if (parts.length === 1) {
    const p = parts[0] as { keys: string[]; scores: number[] };
    return p.keys.map((key, i) => ({ key, score: p.scores[i] as number }));
  }
  const unit = (k: string) => {
    const [pid, , level] = k.split('\u0000');
    return `${pid}\u0000${level}`;
  };
  const acc = new Map<string, { key: string; sum: number; n: number }>();
  for (const p of parts)
    p.keys.forEach((k, i) => {
      const u = unit(k);
      const e = acc.get(u);
      if (e) {
        e.sum += p.scores[i] as number;
        e.n++;
      } else acc.set(u, { key: k, sum: p.scores[i] as number, n: 1 });
    });
  return [...acc.values()]
    .filter((e) => e.n === parts.length)
    .map((e) => ({ key: e.key, score: e.sum / e.n }));
}

function collectForPlots(
  seqScores: Map<
    string,
    { test: Array<{ key: string; score: number }>; val: Array<{ key: string; score: number }> }
  >,
  collect: (e: Array<{ key: string; score: number }>) => Scored,
): Record<string, Scored> {
  const out: Record<string, Scored> = {};
  for (const [seq, s] of seqScores) out[seq] = collect(s.test);
  return out;
}

export interface GradCamImage {
  sequence: string;
  level: string;
  label: 0 | 1;
  score: number;
  size: number;
  input: Float32Array;
  heatmap: Float32Array;
}

/** Grad-CAM of fold 0's model on a stratified sample of test images (half positives when possible). */
async function gradCamSample(
  cfg: RunConfig,
  deps: ReproduceDeps,
  paths: RunPaths,
  images: VertebraImage[],
  inputs: Float32Array[],
  seqScores: Map<string, { test: Array<{ key: string; score: number }> }>,
  log: (l: string) => void,
): Promise<GradCamImage[]> {
  if (cfg.gradcamSamples === 0) return [];
  const out: GradCamImage[] = [];
  const index = new Map(images.map((im, i) => [imageKey(im.row), i]));
  for (const seq of cfg.sequences) {
    const test = seqScores.get(seq)?.test ?? [];
    const per = Math.max(1, Math.round(cfg.gradcamSamples / cfg.sequences.length));
    const pos = test
      .filter((e) => images[index.get(e.key) as number]?.row.label === 1)
      .slice(0, Math.ceil(per / 2));
    const neg = test
      .filter((e) => images[index.get(e.key) as number]?.row.label === 0)
      .slice(0, per - pos.length);
    const model = await deps.engine.load(paths.foldModel(seq, 0));
    try {
      for (const e of [...pos, ...neg]) {
        const i = index.get(e.key) as number;
        const im = images[i] as VertebraImage;
        const input = inputs[i] as Float32Array;
        const heatmap = await deps.engine.gradCam(model, input, cfg.inputSize, cfg.channels);
        out.push({
          sequence: seq,
          level: im.row.level,
          label: im.row.label,
          score: e.score,
          size: cfg.inputSize,
          input,
          heatmap,
        });
      }
    } catch (err) {
      log(`Grad-CAM skipped for ${seq}: ${(err as Error).message}`);
    } finally {
      deps.engine.dispose(model);
    }
  }
  return out;
}
