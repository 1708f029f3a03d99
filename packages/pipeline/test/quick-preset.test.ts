import { includedPatientLabel, samplePatient } from '@op-screen/synth';
import { describe, expect, it } from 'vitest';
import { PRESETS, resolveConfig, splitSyntheticPatients } from '../src/index.js';

// The quick preset's design (README "Why quick holds out half"): a test set large enough that one
// seed's AUC means something, and a development set as large as the earlier 72-patient / 20% design.
describe('quick preset split on its default cohort', () => {
  it('holds out about half of the patients, with enough positives, and keeps about 60 for development', () => {
    const cfg = resolveConfig({ preset: 'quick' });
    expect(cfg.synthPatients).toBe(PRESETS.quick.synthPatients);
    for (const seed of [1, 2, 3, 4, 5]) {
      const ps = Array.from({ length: cfg.synthPatients }, (_, i) => samplePatient(seed, i));
      const sp = splitSyntheticPatients(ps, { ...cfg, seed });
      const patientsOf = (idx: number[]) => new Set(idx.map((i) => sp.units[i]?.patientId as string));
      const test = patientsOf(sp.split.test);
      expect(test.size).toBeGreaterThanOrEqual(55);
      expect(test.size).toBeLessThanOrEqual(65);
      const positives = ps.filter((p) => test.has(p.id) && includedPatientLabel(p) === 1).length;
      expect(positives).toBeGreaterThanOrEqual(15);
      expect(sp.split.test.filter((i) => sp.units[i]?.label === 1).length).toBeGreaterThanOrEqual(35);
      for (const f of sp.split.folds) {
        const dev = new Set([...patientsOf(f.train), ...patientsOf(f.val)]);
        expect(dev.size).toBeGreaterThanOrEqual(55);
        expect([...dev].some((id) => test.has(id))).toBe(false);
      }
      expect(sp.split.groupsInMultipleSplits).toBe(0);
    }
  });
});

describe('the preprocessing preset a run records', () => {
  it('names a preset @op-screen/preprocess has, with the steps the run applies', async () => {
    const pre = await import('@op-screen/preprocess');
    const { pipelineSpec } = await import('../src/index.js');
    for (const name of Object.keys(PRESETS) as Array<keyof typeof PRESETS>) {
      const cfg = resolveConfig({ preset: name, ...(name === 'study' ? { weights: 'w.safetensors' } : {}) });
      expect(pre.PRESET_NAMES).toContain(cfg.preprocessPreset);
      const { inputNormalisation: _, ...plain } = cfg;
      const spec = pipelineSpec({ ...plain, channels: 1 });
      expect(spec.name).toBe(cfg.preprocessPreset);
      expect(spec.steps).toEqual(pre.getPreset(cfg.preprocessPreset as 'quick-32').steps);
    }
  });
});
