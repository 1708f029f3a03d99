import { describe, expect, it } from 'vitest';
import {
  cropSlice,
  renderSeries,
  type SyntheticPatient,
  type SyntheticVertebra,
  samplePatient,
} from '../src/index.js';

// Causal checks of the generator's effects: render a patient, then the same patient with one
// finding switched off (same seed, so texture and noise are identical), and compare the pixels.

const mid = (p: SyntheticPatient, seq: 'T1' | 'T2', seed: number) =>
  renderSeries(p, seq, seed)[2] as Uint16Array;
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;

function findPatients(seed: number, pred: (v: SyntheticVertebra) => boolean, want: number) {
  const out: Array<{ p: SyntheticPatient; i: number }> = [];
  for (let k = 0; k < 2000 && out.length < want; k++) {
    const p = samplePatient(seed, k);
    const i = p.vertebrae.findIndex(pred);
    if (i >= 0) out.push({ p, i });
  }
  return out;
}

function withVertebra(p: SyntheticPatient, i: number, change: Partial<SyntheticVertebra>): SyntheticPatient {
  const q = structuredClone(p);
  q.vertebrae[i] = { ...(q.vertebrae[i] as SyntheticVertebra), ...change };
  return q;
}

/** Pixels of the ROI where two renderings differ (the finding's footprint). */
function footprint(a: Uint16Array, b: Uint16Array, roi: SyntheticVertebra['roi']) {
  const ia: number[] = [];
  const ib: number[] = [];
  for (let y = roi.y; y < roi.y + roi.height; y++)
    for (let x = roi.x; x < roi.x + roi.width; x++)
      if (a[y * 128 + x] !== b[y * 128 + x]) {
        ia.push(a[y * 128 + x] as number);
        ib.push(b[y * 128 + x] as number);
      }
  return { with: mean(ia), without: mean(ib), n: ia.length };
}

describe('synthetic cohort effects', () => {
  it('fattier marrow brightens T2 about as much as T1 (v3: marrow water a quarter of fat on both)', () => {
    // Same patient and noise, one vertebra's fat fraction 0.3 -> 0.6: the relative brightening of
    // its marrow. v2 (T2 water 0.30) gave T2 0.77 of T1's; v3 (0.22) gives about 1.0.
    const found = findPatients(6, (v) => v.haemangioma === null && v.endplate === null && !v.fracture, 6);
    expect(found.length).toBe(6);
    for (const { p, i } of found) {
      const lo = withVertebra(p, i, { fatFraction: 0.3 });
      const hi = withVertebra(p, i, { fatFraction: 0.6 });
      const roi = (p.vertebrae[i] as SyntheticVertebra).roi;
      const gain = (seq: 'T1' | 'T2') => {
        const f = footprint(mid(hi, seq, 6), mid(lo, seq, 6), roi);
        expect(f.n).toBeGreaterThan(100);
        return f.with / f.without - 1;
      };
      const t1 = gain('T1');
      const t2 = gain('T2');
      expect(t1).toBeGreaterThan(0.3);
      expect(t2).toBeGreaterThan(0.9 * t1);
      expect(t2).toBeLessThan(1.2 * t1);
    }
  });

  it('haemangiomas are bright on T1 and on T2', () => {
    for (const { p, i } of findPatients(4, (v) => v.haemangioma !== null && !v.fracture, 6)) {
      const q = withVertebra(p, i, { haemangioma: null, focalLesion: false });
      const roi = (p.vertebrae[i] as SyntheticVertebra).roi;
      for (const seq of ['T1', 'T2'] as const) {
        const f = footprint(mid(p, seq, 4), mid(q, seq, 4), roi);
        expect(f.n).toBeGreaterThan(8);
        expect(f.with).toBeGreaterThan(1.1 * f.without);
      }
    }
  });

  it('Modic 1 is dark on T1 and bright on T2, Modic 2 bright on T1, sclerosis dark on both', () => {
    const expectDir = { modic1: [-1, 1], modic2: [1, 0], sclerosis: [-1, -1] } as const;
    for (const type of ['modic1', 'modic2', 'sclerosis'] as const) {
      const found = findPatients(6, (v) => v.endplate === type && !v.fracture && v.fatFraction < 0.7, 4);
      expect(found.length).toBe(4);
      for (const { p, i } of found) {
        const q = withVertebra(p, i, { endplate: null });
        const roi = (p.vertebrae[i] as SyntheticVertebra).roi;
        (['T1', 'T2'] as const).forEach((seq, k) => {
          const f = footprint(mid(p, seq, 6), mid(q, seq, 6), roi);
          const dir = expectDir[type][k] as number;
          if (dir > 0) expect(f.with).toBeGreaterThan(1.05 * f.without);
          if (dir < 0) expect(f.with).toBeLessThan(0.8 * f.without);
        });
      }
    }
  });

  it('fractured vertebrae are shorter (fewer marrow pixels, anterior more than posterior)', () => {
    const found = findPatients(2, (v) => v.fracture, 5);
    expect(found.length).toBe(5);
    for (const { p, i } of found) {
      const v = p.vertebrae[i] as SyntheticVertebra;
      expect(v.anteriorHeight).toBeLessThan(v.posteriorHeight);
      expect(v.posteriorHeight).toBeLessThanOrEqual(1);
      const q = withVertebra(p, i, { fracture: false, anteriorHeight: 1, posteriorHeight: 1 });
      const a = cropSlice(mid(p, 'T1', 2), 128, v.roi);
      const b = cropSlice(mid(q, 'T1', 2), 128, v.roi);
      // Marrow is the bright tissue of the ROI: count pixels above 0.7 x the intact body's median.
      const sorted = Array.from(b.data).sort((x, y) => x - y);
      const cut = 0.7 * (sorted[sorted.length >> 1] as number);
      const count = (r: typeof a) => r.data.filter((x) => x > cut).length;
      expect(count(a)).toBeLessThan(count(b) * (0.5 + 0.5 * (v.anteriorHeight + v.posteriorHeight)) * 0.97);
    }
  });

  it('the T1 protocol changes CSF and water contrast between patients; T2 is untouched', () => {
    const p = samplePatient(3, 0);
    const q = structuredClone(p);
    q.t1Protocol = { ...p.t1Protocol, csf: p.t1Protocol.csf * 1.5, water: p.t1Protocol.water * 1.2 };
    const csf = (s: Uint16Array) => mean(cropSlice(s, 128, p.csfRoi).data);
    expect(csf(mid(q, 'T1', 3)) / csf(mid(p, 'T1', 3))).toBeGreaterThan(1.3);
    expect(mid(q, 'T2', 3)).toEqual(mid(p, 'T2', 3));
    const trs = new Set(Array.from({ length: 20 }, (_, i) => samplePatient(3, i).t1Protocol.repetitionTime));
    expect(trs.size).toBeGreaterThan(10);
  });

  it('an off-midline slice mixes roots and fat into the CSF ROI and narrows the body (partial volume)', () => {
    const p = { ...samplePatient(5, 1), offMidline: 0 };
    const q = { ...p, offMidline: 0.6 };
    const csfT1 = (x: SyntheticPatient) => mean(cropSlice(mid(x, 'T1', 5), 128, p.csfRoi).data);
    const csfT2 = (x: SyntheticPatient) => mean(cropSlice(mid(x, 'T2', 5), 128, p.csfRoi).data);
    expect(csfT1(q)).toBeGreaterThan(1.03 * csfT1(p)); // CSF is dark on T1: mixing brightens it
    expect(csfT2(q)).toBeLessThan(0.97 * csfT2(p)); // and bright on T2: mixing darkens it
  });

  it('marrow fat depends on age and sex beyond density', () => {
    const ps = Array.from({ length: 600 }, (_, i) => samplePatient(8, i));
    const v = ps.flatMap((p) => p.vertebrae.map((x) => ({ ...x, age: p.age, sex: p.sex })));
    // Residual of fat after its density term (the generator's slope, 0.055 per T unit).
    const resid = v.map((x) => x.fatFraction - 0.055 * -x.tScore);
    const old = resid.filter((_, k) => (v[k] as { age: number }).age > 72);
    const young = resid.filter((_, k) => (v[k] as { age: number }).age < 58);
    expect(mean(old) - mean(young)).toBeGreaterThan(0.05);
    const men = resid.filter((_, k) => (v[k] as { sex: string }).sex === 'M');
    const women = resid.filter((_, k) => (v[k] as { sex: string }).sex === 'F');
    expect(mean(men) - mean(women)).toBeGreaterThan(0.02);
    const fem = ps.filter((p) => p.sex === 'F').length / ps.length;
    expect(fem).toBeGreaterThan(0.48);
    expect(fem).toBeLessThan(0.62);
  });

  it('a small fraction of vertebrae are fractured, mostly osteoporotic ones', () => {
    const v = Array.from({ length: 500 }, (_, i) => samplePatient(9, i)).flatMap((p) => p.vertebrae);
    const f = v.filter((x) => x.fracture);
    expect(f.length / v.length).toBeGreaterThan(0.015);
    expect(f.length / v.length).toBeLessThan(0.08);
    expect(f.filter((x) => x.tScore <= -2.5).length / f.length).toBeGreaterThan(0.6);
  });
});
