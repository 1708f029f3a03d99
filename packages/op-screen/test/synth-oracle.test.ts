import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrationSlope, rocAuc } from '@op-screen/metrics';
import { describe, expect, it } from 'vitest';
import {
  includedPatientLabel,
  measureVbq,
  oracleAucs,
  oraclePosterior,
  readSynthSidecar,
  SYNTH_GENERATOR_VERSION,
  samplePatient,
  sidecarOracle,
  synthSidecarPath,
  writeSyntheticCohort,
} from '../src/synth/index.js';

describe('oracle', () => {
  it('is at least VBQ on 5 seeds (patient level, the default 72-patient cohort)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const ps = Array.from({ length: 72 }, (_, i) => samplePatient(seed, i));
      const o = oracleAucs(ps.map(oraclePosterior));
      const keep = ps.filter((p) => p.vertebrae.some((v) => !v.fracture));
      const vbq = rocAuc(
        keep.map(includedPatientLabel),
        keep.map((p) => measureVbq(p, seed)),
      );
      expect(o.patient.auc as number).toBeGreaterThanOrEqual(vbq);
      expect(o.patient.n).toBe(keep.length);
    }
  });

  it('is calibrated (the posterior is a probability of the label) and beats each visible cue alone', () => {
    const ps = Array.from({ length: 400 }, (_, i) => samplePatient(21, i));
    const post = ps.map(oraclePosterior);
    const img = post.flatMap((p) => p.image.filter((v) => !v.excluded));
    const y = img.map((v) => v.label);
    const pr = img.map((v) => v.p);
    // A correct posterior has calibration slope 1 and calibration-in-the-large 0 (up to sampling).
    const cal = calibrationSlope(y, pr);
    expect(cal.slopeCI[0]).toBeLessThan(1);
    expect(cal.slopeCI[1]).toBeGreaterThan(1);
    expect(cal.interceptInTheLargeCI[0]).toBeLessThan(0);
    expect(cal.interceptInTheLargeCI[1]).toBeGreaterThan(0);
    const pat = calibrationSlope(
      post.map((p) => p.label),
      post.map((p) => p.patient),
    );
    expect(pat.slopeCI[0]).toBeLessThan(1);
    expect(pat.slopeCI[1]).toBeGreaterThan(1);
    // Bayes-optimal on (fat, texture, fracture): better than fat or texture alone.
    const vs = ps.flatMap((p) => p.vertebrae.filter((v) => !v.fracture));
    const auc = rocAuc(y, pr);
    expect(auc).toBeGreaterThan(
      rocAuc(
        y,
        vs.map((v) => v.fatFraction),
      ),
    );
    expect(auc).toBeGreaterThan(
      rocAuc(
        y,
        vs.map((v) => v.textureScale),
      ),
    );
    // Patient level: the joint posterior beats the mean of the image posteriors.
    const meanImg = post.map((p) => p.image.filter((v) => !v.excluded).reduce((s, v) => s + v.p, 0) / 4);
    const labels = post.map((p) => p.label);
    expect(
      rocAuc(
        labels,
        post.map((p) => p.patient),
      ),
    ).toBeGreaterThan(rocAuc(labels, meanImg));
  });

  it('the sidecar marks the cohort synthetic, holds the oracle and reads back; absent sidecar = null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syn-oracle-'));
    const r = await writeSyntheticCohort(dir, { patients: 10, seed: 4 });
    expect(r.sidecar).toBe(join(dir, 'manifest.synth.json'));
    expect(synthSidecarPath(r.manifest)).toBe(r.sidecar);
    const s = await readSynthSidecar(r.manifest);
    expect(s).not.toBeNull();
    expect(s?.synthetic).toBe(true);
    expect(s?.generatorVersion).toBe(SYNTH_GENERATOR_VERSION);
    expect(s?.seed).toBe(4);
    const direct = oracleAucs(r.patients.map(oraclePosterior));
    expect(s?.oracle.image.auc).toBe(direct.image.auc);
    expect(s?.oracle.patient.auc).toBe(direct.patient.auc);
    expect(s?.exclusions.fracture).toBe(
      r.patients.flatMap((p) => p.vertebrae).filter((v) => v.fracture).length,
    );
    // Restricted to some patients (a test split).
    const some = ['SYN0001', 'SYN0002', 'SYN0003', 'SYN0004', 'SYN0005', 'SYN0006'];
    const sub = sidecarOracle(s as NonNullable<typeof s>, some);
    expect(sub.patient.n).toBeLessThanOrEqual(6);
    expect(sub.image.n).toBe(
      r.patients.filter((p) => some.includes(p.id)).flatMap((p) => p.vertebrae.filter((v) => !v.fracture))
        .length,
    );
    expect(await readSynthSidecar(join(dir, 'nothing.csv'))).toBeNull();
    writeFileSync(join(dir, 'bad.synth.json'), JSON.stringify({ synthetic: false }));
    await expect(readSynthSidecar(join(dir, 'bad.csv'))).rejects.toMatchObject({
      code: 'MANIFEST_UNREADABLE',
    });
    const manifest = readFileSync(r.manifest, 'utf8').split('\n');
    expect(manifest[0]).toBe('patient_id,sequence,level,image,t_score,roi,slice,csf_roi,exclude,sex,age');
  });
});
