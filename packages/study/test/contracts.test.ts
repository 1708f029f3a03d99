import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isRunPredictions,
  type ModelCard,
  predictionsCsv,
  readModelCard,
  resolveModelDir,
  runPaths,
  runResultRows,
  writeModelCard,
} from '../src/index.js';

const card: ModelCard = {
  config: { arch: 'resnet18', inputSize: 32, channels: 3, preset: 'quick' },
  weights: null,
  sequences: ['T1', 'T2'],
  folds: 3,
  preprocessing: { pipeline: { steps: [] }, augmentation: null },
  thresholds: { T1: { image: 0.4, patient: 0.5 }, both: { image: null, patient: 0.3 } },
};

describe('the run directory layout', () => {
  it('puts fold checkpoints and models one level down per architecture when several are compared', () => {
    const one = runPaths('/r');
    expect(one.foldDir('T1', 2)).toBe('/r/checkpoints/T1/fold-2');
    expect(one.foldDone('T2', 0)).toBe('/r/checkpoints/T2/fold-0/done.json');
    expect(one.foldModel('T1', 1)).toBe('/r/model/T1/fold-1');
    expect(one.modelCard).toBe('/r/model/meta.json');
    const arch = runPaths('/r', 'efficientnet_b0');
    expect(arch.foldDir('T1', 2)).toBe('/r/checkpoints/efficientnet_b0/T1/fold-2');
    expect(arch.foldModel('T1', 1)).toBe('/r/model/efficientnet_b0/T1/fold-1');
    expect(arch.modelCard).toBe('/r/model/efficientnet_b0/meta.json');
    expect(arch.predictions).toBe(one.predictions);
  });
});

describe('the model card', () => {
  it('round-trips, keeps extra config keys, and is found from the run directory', async () => {
    const run = mkdtempSync(join(tmpdir(), 'study-card-'));
    await writeModelCard(runPaths(run).model, card);
    expect(resolveModelDir(run)).toBe(join(run, 'model'));
    const read = await readModelCard(run);
    expect(read.dir).toBe(join(run, 'model'));
    expect(read.card).toEqual(card);
  });

  it('refuses to write or read a card that is not one, naming the field', async () => {
    const run = mkdtempSync(join(tmpdir(), 'study-card-'));
    await expect(writeModelCard(join(run, 'model'), { ...card, folds: 0 })).rejects.toThrow();
    mkdirSync(join(run, 'model'));
    writeFileSync(join(run, 'model', 'meta.json'), JSON.stringify({ ...card, sequences: ['T3'] }));
    await expect(readModelCard(run)).rejects.toMatchObject({
      code: 'MODEL_UNREADABLE',
      message: expect.stringContaining('sequences'),
      file: join(run, 'model', 'meta.json'),
    });
    writeFileSync(join(run, 'model', 'meta.json'), '{');
    await expect(readModelCard(run)).rejects.toMatchObject({ code: 'MODEL_UNREADABLE' });
    const empty = mkdtempSync(join(tmpdir(), 'study-card-'));
    await expect(readModelCard(empty)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', file: empty });
  });
});

describe('predictions.csv', () => {
  it('is written in one format (arch first when compared) that evaluate reads back by result and patient', () => {
    const rows = [
      {
        patientId: 'P1',
        sequence: 'T1',
        level: 'L1',
        fold: 0,
        split: 'val',
        label: 1,
        score: 0.123456789,
        probability: 0.2,
        answer: null,
      },
      {
        patientId: 'P1',
        sequence: 'T1',
        level: 'L1',
        fold: 'all',
        split: 'test',
        label: 1,
        score: 0.9,
        probability: 0.8,
        answer: 'high',
      },
      {
        patientId: 'P2',
        sequence: 'T1',
        level: 'L1',
        fold: 'all',
        split: 'test',
        label: 0,
        score: 0.2,
        probability: 0.1,
        answer: 'low',
      },
    ] as const;
    const text = predictionsCsv(rows.map((r) => ({ ...r })));
    expect(text.split('\n')[0]).toBe(
      '"patient_id","sequence","level","fold","split","label","score","probability","answer"',
    );
    expect(text.split('\n')[1]).toBe('"P1","T1","L1","0","val","1","0.123456789","0.2",""');
    expect(text.split('\n')[2]).toBe('"P1","T1","L1","all","test","1","0.9","0.8","high"');
    // a file written before recalibration (no probability, no answer) is still a run's predictions
    expect(isRunPredictions('"patient_id","sequence","level","fold","split","label","score"\n')).toBe(true);
    const read = runResultRows(text);
    const t1 = read.find((r) => r.result === 'T1');
    // the recalibrated probability, as report.json's blocks
    expect(t1?.rows.map((r) => [r.group, r.label, r.score])).toEqual([
      ['P1', 1, 0.8],
      ['P2', 0, 0.1],
    ]);
    // a file written before recalibration is read by its score
    const legacy = text
      .split('\n')
      .map((l) => l.split(',').slice(0, 7).join(','))
      .join('\n');
    expect(
      runResultRows(legacy)
        .find((r) => r.result === 'T1')
        ?.rows.map((r) => r.score),
    ).toEqual([0.9, 0.2]);
    const compared = predictionsCsv(rows.map((r) => ({ ...r, arch: 'resnet18' })));
    expect(compared.split('\n')[0]?.startsWith('"arch","patient_id"')).toBe(true);
    expect(runResultRows(compared).every((r) => r.arch === 'resnet18')).toBe(true);
  });
});
