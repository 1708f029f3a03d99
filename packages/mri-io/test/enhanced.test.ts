import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assembleVolume,
  inspectPath,
  isMriIoError,
  readDicom,
  readDicomHeader,
  readSeriesDirectory,
  readSlice,
  selectMidSagittalSlice,
} from '../src/index.js';
import { createRng, type EnhancedSpec, enhancedFile, SOP, uid } from './fixtures/pacs-export.mjs';

const tmp = mkdtempSync(join(tmpdir(), 'mri-io-enhanced-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function spec(seed: number, over: Partial<EnhancedSpec> = {}): EnhancedSpec {
  const rng = createRng(seed);
  return {
    patientName: 'TEST^ENHANCED',
    patientId: 'X1',
    birthDate: '19600101',
    accessionNumber: 'ACC1',
    studyDate: '20240101',
    studyInstanceUID: uid(rng),
    seriesInstanceUID: uid(rng),
    frameOfReferenceUID: uid(rng),
    seriesDescription: 't2_tse_sag',
    seriesNumber: 4,
    plane: 'sagittal',
    slices: 9,
    spacing: 4,
    rows: 16,
    columns: 12,
    pixelSpacing: 0.8,
    ...over,
  };
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, bytes);
  return p;
}

describe('enhanced multi-frame files', () => {
  for (const [what, sopClassUID] of [
    ['Enhanced MR', SOP.ENHANCED_MR],
    ['Legacy Converted Enhanced MR', SOP.LEGACY_ENHANCED_MR],
    ['Enhanced CT', SOP.ENHANCED_CT],
  ] as const) {
    it(`${what}: a directory with one file is a series with frames ordered along the normal`, async () => {
      const rng = createRng(7);
      const e = enhancedFile(spec(1, { sopClassUID }), rng);
      expect(e.order).not.toEqual([...e.order].sort((a, b) => a - b)); // really shuffled
      const dir = join(tmp, `one-${sopClassUID}`);
      write(join(`one-${sopClassUID}`, 'IMG'), e.bytes);
      const { series, skipped } = await readSeriesDirectory(dir);
      expect(skipped).toEqual([]);
      expect(series).toHaveLength(1);
      const s = series[0];
      expect(s.shape).toEqual([9, 16, 12]);
      expect(s.sliceSpacing).toBeCloseTo(4, 4);
      expect(s.positions.every((p, i) => i === 0 || p > s.positions[i - 1])).toBe(true);
      // slice k of the series is the frame that holds slice k of the generator
      expect(s.frames.map((f) => e.order[f])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(s.issues).toEqual([]);
      expect(s.midSagittalIndex).toBe(4);
      expect(e.order[s.midSagittalFrame]).toBe(4);

      const vol = await assembleVolume(s);
      expect(vol.shape).toEqual([9, 16, 12]);
      expect(vol.spacing[0]).toBeCloseTo(4, 4);
      expect(vol.spacing.slice(1)).toEqual([0.8, 0.8]);
      const offset = sopClassUID === SOP.ENHANCED_CT ? -1024 : 0;
      for (let k = 0; k < 9; k++) expect(vol.data[k * 16 * 12 + 5]).toBe(100 + 10 * k + offset);
      for (let k = 0; k < 9; k++) {
        const ipp = e.positions[k];
        for (let i = 0; i < 3; i++)
          expect(vol.affineLps[i][0] * k + vol.affineLps[i][3]).toBeCloseTo(ipp[i], 4);
      }
      const mid = selectMidSagittalSlice(vol);
      const direct = await readSlice(dir);
      const file = await readSlice(join(dir, 'IMG'));
      expect(mid.data).toEqual(direct.data);
      expect(file.data).toEqual(direct.data);
      expect(direct.data[0]).toBe(140 + offset);
      expect(file.source.index).toBe(4);
      expect(direct.origin?.map((v) => v + 0)).toEqual(e.positions[4].map((v) => v + 0));
      expect(file.origin?.map((v) => v + 0)).toEqual(e.positions[4].map((v) => v + 0));
    });
  }

  it('inspect reports the frame shape and slice spacing of a two-frame Enhanced CT', async () => {
    const e = enhancedFile(
      spec(2, { sopClassUID: SOP.ENHANCED_CT, slices: 2, rows: 32, columns: 32, spacing: 5 }),
      createRng(3),
    );
    write('ct2/ct.dcm', e.bytes);
    const r = await inspectPath(join(tmp, 'ct2'));
    expect('kind' in r && r.kind).toBe('series');
    if (!('kind' in r) || r.kind !== 'series') return;
    expect(r.series[0].shape).toEqual([2, 32, 32]);
    expect(r.series[0].sliceSpacing).toBeCloseTo(5, 4);
  });

  it('applies per-frame rescale and reads per-frame orientation', async () => {
    const e = enhancedFile(spec(3, { perFrameRescale: true, orientationPerFrame: true }), createRng(4));
    const p = write('pfr/a.dcm', e.bytes);
    const h = await readDicomHeader(p);
    expect(h.frameInfo).toHaveLength(9);
    expect(h.frameInfo?.every((f) => f.imageOrientationPatient !== null)).toBe(true);
    expect(h.frameInfo?.[0].stackId).toBe('1');
    expect(h.frameInfo?.[0].dimensionIndex).toEqual([1, e.order[0] + 1]);
    expect(h.frameInfo?.[0].inStackPosition).toBe(e.order[0] + 1);
    const [s] = (await readSeriesDirectory(join(tmp, 'pfr'))).series;
    const vol = await assembleVolume(s);
    // slice k: stored 100 + 10k, slope 1 + k/2, intercept -k
    for (let k = 0; k < 9; k++)
      expect(vol.data[k * 16 * 12]).toBeCloseTo((100 + 10 * k) * (1 + k / 2) - k, 4);
    const img = await readDicom(p);
    expect(img.shape).toEqual([9, 16, 12]);
  });

  it('orders frames of several enhanced files of one series and reports duplicate positions', async () => {
    const base = spec(5, { slices: 4 });
    const a = enhancedFile({ ...base, tilt: 0 }, createRng(8));
    // a second file of the same series shifted by half the slab: positions interleave with the first
    const b = enhancedFile({ ...base, duplicate: true }, createRng(9));
    write('multi/a', a.bytes);
    write('multi/b', b.bytes);
    const [s] = (await readSeriesDirectory(join(tmp, 'multi'))).series;
    expect(s.shape[0]).toBe(8);
    expect(new Set(s.files).size).toBe(2);
    const dups = s.issues.filter((i) => i.kind === 'duplicate-position');
    expect(dups.length).toBeGreaterThanOrEqual(4);
    expect(dups[0].files[0]).toMatch(/\[frame \d+\]$/);
  });

  it('refuses a per-frame sequence that disagrees with NumberOfFrames with a typed error', async () => {
    const e = enhancedFile(spec(6, { slices: 3 }), createRng(1));
    const text = Buffer.from(e.bytes).toString('latin1');
    const at = text.indexOf('3 ', text.indexOf('\u0028\u0000\u0008\u0000IS')); // NumberOfFrames "3 "
    const bad = e.bytes.slice();
    bad[at] = '4'.charCodeAt(0);
    const p = write('bad/nf', bad);
    await expect(readDicomHeader(p)).rejects.toMatchObject({ code: 'BAD_DICOM_HEADER' });
  });

  it('survives mutated functional groups: typed errors only, no hang', async () => {
    const e = enhancedFile(spec(7, { slices: 5, rows: 8, columns: 8 }), createRng(2));
    const text = Buffer.from(e.bytes).toString('latin1');
    const fgStart = text.indexOf('\u0000\u0052\u0029\u0092'); // (5200,9229) little endian
    const pixelStart = text.indexOf('\u00e0\u007f\u0010\u0000');
    expect(fgStart).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.integer({ min: fgStart, max: pixelStart - 1 }), fc.integer({ min: 0, max: 255 })),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        async (muts) => {
          const bytes = e.bytes.slice();
          for (const [i, v] of muts) bytes[i] = v;
          try {
            const img = await readDicom(bytes);
            expect(img.frameInfo?.length ?? img.frames).toBe(img.frames);
          } catch (err) {
            if (!isMriIoError(err)) throw err;
          }
        },
      ),
      { numRuns: 300, seed: 13, interruptAfterTimeLimit: 20_000 },
    );
  });
});
