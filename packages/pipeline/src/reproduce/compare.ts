import { existsSync } from 'node:fs';
import { pairedDeLong } from '@op-screen/metrics';
import {
  type PredictionRecord,
  predictionsCsv,
  type RunPaths,
  runPaths,
  writeFileAtomic,
} from '@op-screen/study';
import type { Comparison } from '../report/comparison.js';
import type { RunConfig } from '../run/config.js';
import { type Scored, toPatientLevel } from '../run/score.js';
import type { FoldDone } from '../run/types.js';
import type { Evaluation } from './stages/evaluation.js';
import { predictionRows } from './stages/outputs.js';
import {
  type PendingFold,
  type TrainingInputs,
  type TrainingOutcome,
  trainSequences,
} from './stages/training.js';

/** The run's architectures: `archs` when it compares several, else its one `arch`. */
export const runArchs = (cfg: RunConfig): string[] => cfg.archs ?? [cfg.arch];

/**
 * Fold directories and models of one architecture. With one architecture the layout is the
 * single-architecture one (checkpoints/SEQ/fold-K); with several, each gets its own
 * (checkpoints/ARCH/SEQ/fold-K, model/ARCH/SEQ/fold-K).
 */
export function pathsForArch(cfg: RunConfig, paths: RunPaths, arch: string): RunPaths {
  return cfg.archs ? runPaths(paths.root, arch) : paths;
}

/**
 * Stage 5 for every architecture on the same folds. With a queue, the pending folds of all
 * architectures are queued together (so workers train them in parallel) before the markers are read.
 */
export async function trainArchitectures(t: TrainingInputs): Promise<Map<string, TrainingOutcome>> {
  const archs = runArchs(t.cfg);
  if (t.remote) {
    const pending: PendingFold[] = [];
    for (const arch of archs) {
      const p = pathsForArch(t.cfg, t.paths, arch);
      for (const sequence of t.cfg.sequences)
        for (let fold = 0; fold < t.split.split.folds.length; fold++)
          if (!existsSync(p.foldDone(sequence, fold))) pending.push({ sequence, fold, arch });
    }
    if (pending.length > 0) await t.remote(pending);
  }
  const out = new Map<string, TrainingOutcome>();
  for (const arch of archs) {
    if (archs.length > 1) t.log(`architecture ${arch}`);
    out.set(
      arch,
      await trainSequences({ ...t, cfg: { ...t.cfg, arch }, paths: pathsForArch(t.cfg, t.paths, arch) }),
    );
  }
  return out;
}

/** predictions.csv of a comparison: the single-architecture rows with an `arch` column in front. */
export async function writeComparedPredictions(
  paths: RunPaths,
  cfg: RunConfig,
  outcomes: Map<string, TrainingOutcome>,
  evaluations: Map<string, Evaluation>,
): Promise<void> {
  const rows: PredictionRecord[] = [];
  for (const arch of runArchs(cfg)) {
    const fr = outcomes.get(arch)?.foldResults as Map<string, FoldDone[]>;
    for (const r of predictionRows(cfg, fr, evaluations.get(arch) as Evaluation)) rows.push({ arch, ...r });
  }
  await writeFileAtomic(paths.predictions, predictionsCsv(rows));
}

/** Scores of `b` in the order of `a`'s cases (both scored the same test cases). */
function aligned(a: Scored, b: Scored): Float64Array {
  const byCase = new Map<string, number>();
  b.cases.forEach((c, i) => {
    byCase.set(c, b.scores[i] as number);
  });
  return Float64Array.from(a.cases, (c) => byCase.get(c) as number);
}

/** report.json `comparison`: AUC with CI per architecture, paired DeLong for every pair, image and patient level. */
export function compareArchitectures(cfg: RunConfig, evaluations: Map<string, Evaluation>): Comparison {
  const archs = runArchs(cfg);
  const comparison: Comparison = { architectures: archs, results: [], pairedDeLong: [] };
  const sequences = Object.keys((evaluations.get(archs[0] as string) as Evaluation).results);
  const levels = ['image', 'patient'] as const;
  for (const seq of sequences)
    for (const level of levels)
      for (const arch of archs) {
        const block = (evaluations.get(arch) as Evaluation).results[seq as 'T1']?.[level];
        if (block)
          comparison.results.push({
            arch,
            sequence: seq,
            level,
            n: block.n,
            auc: block.auc,
            aucCI95: block.aucCI95,
          });
      }
  // Paired tests on the per-sequence ensembles (both: the vertebra means are not kept per arch).
  for (const seq of cfg.sequences)
    for (let i = 0; i < archs.length; i++)
      for (let j = i + 1; j < archs.length; j++) {
        const [archA, archB] = [archs[i] as string, archs[j] as string];
        const evA = evaluations.get(archA) as Evaluation;
        const evB = evaluations.get(archB) as Evaluation;
        const a = evA.collect(evA.seqScores.get(seq)?.test ?? []);
        const b = evB.collect(evB.seqScores.get(seq)?.test ?? []);
        const pa = toPatientLevel(evA.collect(evA.seqScores.get(seq)?.test ?? []));
        const pb = toPatientLevel(evB.collect(evB.seqScores.get(seq)?.test ?? []));
        for (const [level, x, y] of [
          ['image', a, b],
          ['patient', pa, pb],
        ] as const) {
          const entry: Comparison['pairedDeLong'][number] = {
            sequence: seq,
            level,
            archA,
            archB,
            n: x.labels.length,
            aucA: null,
            aucB: null,
            difference: null,
            differenceCI95: null,
            z: null,
            p: null,
            note: null,
          };
          try {
            const r = pairedDeLong(x.labels, x.scores, aligned(x, y));
            const fin = (v: number) => (Number.isFinite(v) ? v : null);
            Object.assign(entry, {
              aucA: r.auc1,
              aucB: r.auc2,
              difference: r.difference,
              differenceCI95: Number.isFinite(r.ci[0]) ? r.ci : null,
              z: fin(r.z),
              p: fin(r.p),
            });
          } catch (err) {
            entry.note = (err as Error).message;
          }
          comparison.pairedDeLong.push(entry);
        }
      }
  return comparison;
}
