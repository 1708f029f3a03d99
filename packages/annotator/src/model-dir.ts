// What `--model` points at: the model directory of a finished `op-screen reproduce` run
// (RUN_DIR/model: meta.json and SEQ/fold-K/model.json + weight shards), or the run directory
// holding it. The page gets the run's meta (preprocessing, thresholds, folds) as JSON and may
// fetch exactly the fold models' model.json and the shards each one lists, nothing else.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEFAULT_THRESHOLD,
  foldModelDir,
  type ModelCard,
  readModelCard,
  resolveModelDir as resolveStudyModelDir,
} from '@op-screen/study';
import type { Sequence } from './columns.js';
import { AnnotatorError, fromStudyError } from './errors.js';

/** A recalibration map: logit p' = intercept + slope logit p. */
export interface RecalibrationMap {
  intercept: number;
  slope: number;
}

/** The run's model as the page sees it (`GET /api/model`). */
export interface ModelInfo {
  /** Sequences the run trained, each with `folds` fold models. */
  sequences: Sequence[];
  folds: number;
  arch: string;
  inputSize: number;
  channels: number;
  /** The run's preprocessing pipeline spec (meta.json `preprocessing.pipeline`), run by @op-screen/preprocess in the page. */
  pipeline: unknown;
  /** Per sequence: the image-level threshold (as `op-screen predict` uses) and the patient-level one. */
  thresholds: Record<string, { image: number; patient: number }>;
  /**
   * Per sequence: the run's recalibration maps (probability = sigmoid(intercept + slope logit(score))):
   * one per fold model, and the patient-level one; null for runs made before recalibration, whose
   * scores are used as they are.
   */
  calibration: Record<string, { folds: RecalibrationMap[]; patient: RecalibrationMap }> | null;
  /** Per sequence: the patient-level band (low below ruleOut, high from ruleIn); null without one. */
  band: Record<string, { ruleOut: number; ruleIn: number }> | null;
  /** Per sequence: the URL of each fold's model.json, fold 0 first. */
  models: Record<string, string[]>;
  /** How vertebra probabilities become a patient's: the mean (the run's patient-level evaluation). */
  pooling: 'mean';
}

export interface LoadedModel {
  /** The model directory used (RUN_DIR/model). */
  dir: string;
  info: ModelInfo;
  /** URL path -> file: each fold's model.json and the shards it lists. */
  files: Map<string, string>;
}

/** RUN_DIR/model when given RUN_DIR, the directory itself when it holds meta.json (@op-screen/study's). */
export function resolveModelDir(path: string): string {
  try {
    return resolveStudyModelDir(path);
  } catch (err) {
    throw fromStudyError(err);
  }
}

const bad = (file: string, why: string) =>
  new AnnotatorError('MODEL_UNREADABLE', `${why}; re-run op-screen reproduce or pass another run`, file);

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw bad(file, `cannot read it as JSON (${(err as Error).message.split('\n')[0]})`);
  }
}

/** A weight shard name from model.json: a plain file name beside it, nothing with a path in it. */
const SHARD = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

async function foldFiles(
  dir: string,
  seq: Sequence,
  fold: number,
  files: Map<string, string>,
): Promise<string> {
  const base = `/model/${seq}/fold-${fold}`;
  const foldDir = foldModelDir(dir, seq, fold);
  const modelJson = join(foldDir, 'model.json');
  if (!existsSync(modelJson)) throw bad(modelJson, `fold model ${seq} fold ${fold} is missing`);
  const json = (await readJson(modelJson)) as { weightsManifest?: Array<{ paths?: unknown }> };
  if (!Array.isArray(json.weightsManifest)) throw bad(modelJson, 'no weightsManifest');
  files.set(`${base}/model.json`, modelJson);
  for (const group of json.weightsManifest)
    for (const p of Array.isArray(group.paths) ? group.paths : []) {
      const shard = join(foldDir, String(p));
      if (typeof p !== 'string' || !SHARD.test(p) || p.includes('..'))
        throw bad(modelJson, `weight path ${JSON.stringify(p)} is not a file name beside model.json`);
      if (!existsSync(shard) || !statSync(shard).isFile()) throw bad(shard, 'weight shard missing');
      files.set(`${base}/${p}`, shard);
    }
  return `${base}/model.json`;
}

/** Reads a run's model directory (or the run directory holding one) for the page. */
export async function loadModelDir(path: string): Promise<LoadedModel> {
  let dir: string;
  let meta: ModelCard;
  try {
    ({ dir, card: meta } = await readModelCard(path));
  } catch (err) {
    throw fromStudyError(err);
  }
  const { sequences, folds, config: cfg } = meta;
  const files = new Map<string, string>();
  const models: Record<string, string[]> = {};
  const thresholds: Record<string, { image: number; patient: number }> = {};
  for (const seq of sequences as Sequence[]) {
    models[seq] = [];
    for (let k = 0; k < folds; k++) models[seq].push(await foldFiles(dir, seq, k, files));
    const t = meta.thresholds[seq];
    // op-screen predict falls back to the default when the run recorded no threshold; so does the page.
    thresholds[seq] = { image: t?.image ?? DEFAULT_THRESHOLD, patient: t?.patient ?? DEFAULT_THRESHOLD };
  }
  return {
    dir,
    files,
    info: {
      sequences: sequences as Sequence[],
      folds,
      arch: cfg.arch,
      inputSize: cfg.inputSize,
      channels: cfg.channels,
      pipeline: meta.preprocessing.pipeline,
      thresholds,
      calibration: meta.calibration
        ? Object.fromEntries(
            Object.entries(meta.calibration).map(([k, m]) => [
              k,
              {
                folds: m.folds.map((f) => ({ intercept: f.intercept, slope: f.slope })),
                patient: { intercept: m.patient.intercept, slope: m.patient.slope },
              },
            ]),
          )
        : null,
      band: meta.band
        ? Object.fromEntries(
            Object.entries(meta.band).map(([k, b]) => [k, { ruleOut: b.ruleOut, ruleIn: b.ruleIn }]),
          )
        : null,
      models,
      pooling: 'mean',
    },
  };
}
