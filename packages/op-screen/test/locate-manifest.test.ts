import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocateResult, Locator } from '@op-screen/locate';
import { readManifest } from '@op-screen/study';
import { describe, expect, it } from 'vitest';
import { fillManifestBoxes } from '../src/locate/index.js';

// The manifest rules of `op-screen locate --manifest`, with the locating stubbed by known
// results so that every rule is checked exactly (the network itself is tested in @op-screen/locate).
const box = (x: number, y: number, w: number, h: number, confidence: number) => ({
  rect: { x, y, width: w, height: h },
  centre: [y + h / 2, x + w / 2] as [number, number],
  centerMm: null,
  cornersMm: null,
  confidence,
});
const found: LocateResult = {
  slice: 7,
  sliceCount: 15,
  levels: {
    L1: box(10, 20, 30, 25, 0.9),
    L2: box(11, 50, 30, 25, 0.8),
    L3: box(12, 80, 30, 25, 0.3),
    L4: box(13, 110, 30, 25, 0.95),
  },
  csf: box(50, 85, 5, 12, 0.3),
  numbering: {
    method: 'counted up from L5, the lowest lumbar-type body above the sacrum',
    confidence: 0.9,
    lumbarTypeBelow: 0,
  },
  warnings: [],
  weightsSha256: 'x',
};
const nothing: LocateResult = {
  ...found,
  levels: {},
  csf: null,
  numbering: null,
  warnings: [{ code: 'NOT_SAGITTAL', message: 'the series is axial' }],
};
const locator = {} as Locator;

function manifest(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'op-locate-'));
  const path = join(dir, 'manifest.csv');
  writeFileSync(path, text);
  return path;
}

describe('locate --manifest', () => {
  it('fills empty boxes, keeps manual ones, adds roi_source and roi_confidence, and the manifest still reads', async () => {
    const path = manifest(
      'patient_id;sequence;level;image;t_score;roi;slice\r\n' +
        'P1;T1;L1;a.nii;-1,2;;\r\n' +
        'P1;T1;L2;a.nii;-1,2;1,2,3,4;5\r\n' +
        'P1;T1;L3;a.nii;-1,2;;\r\n' +
        'P1;T1;L4;a.nii;-1,2;;\r\n' +
        'P2;T1;L1;b.nii;-3,0;;\r\n',
    );
    const seen: string[] = [];
    const report = await fillManifestBoxes(path, {
      locator,
      locate: async (image) => {
        seen.push(image);
        return image.endsWith('a.nii') ? found : nothing;
      },
    });
    expect(seen.map((s) => s.split('/').pop())).toEqual(['a.nii', 'b.nii']); // one call per image
    expect(report).toMatchObject({ rows: 5, filled: 2, keptManual: 1 });
    expect(report.notFilled.map((n) => [n.line, n.code])).toEqual([
      [4, 'LOW_CONFIDENCE'],
      [6, 'NOT_SAGITTAL'],
    ]);
    const text = readFileSync(path, 'utf8');
    expect(text.split('\r\n')[0]).toBe(
      'patient_id;sequence;level;image;t_score;roi;slice;csf_roi;roi_source;roi_confidence',
    );
    expect(text).toContain('P1;T1;L1;a.nii;-1,2;10,20,30,25;7;50,85,5,12;auto;0.900\r\n');
    expect(text).toContain('P1;T1;L2;a.nii;-1,2;1,2,3,4;5;;manual;\r\n'); // the person's box and slice stay
    writeFileSync(join(path, '..', 'a.nii'), 'not read here');
    writeFileSync(join(path, '..', 'b.nii'), 'not read here');
    const m = await readManifest(path);
    expect(m.rows.find((r) => r.line === 2)?.roi).toEqual({ x: 10, y: 20, width: 30, height: 25 });
  });

  it('replaces manual boxes only with force, and clears a stale automatic box the model no longer gives', async () => {
    const path = manifest(
      'patient_id,sequence,level,image,label,roi,slice,roi_source,roi_confidence\n' +
        'P1,T1,L1,a.nii,1,1,2,3,4,5,manual,\n'.replace('1,2,3,4', '"1,2,3,4"') +
        'P1,T1,L3,a.nii,1,"9,9,9,9",3,auto,0.700\n',
    );
    await fillManifestBoxes(path, { locator, locate: async () => found });
    let text = readFileSync(path, 'utf8');
    expect(text).toContain('P1,T1,L1,a.nii,1,"1,2,3,4",5,manual,'); // kept
    expect(text).toContain('P1,T1,L3,a.nii,1,,3,,'); // L3 is below 0.5 now: no stale box
    await fillManifestBoxes(path, { locator, locate: async () => found, force: true });
    text = readFileSync(path, 'utf8');
    expect(text).toContain('P1,T1,L1,a.nii,1,"10,20,30,25",7,auto,0.900');
  });

  it('reports an unreadable image once and goes on with the others', async () => {
    const path = manifest(
      'patient_id,sequence,level,image,label\nP1,T1,L1,bad.dcm,1\nP1,T1,L2,bad.dcm,1\nP2,T1,L1,a.nii,0\n',
    );
    const report = await fillManifestBoxes(path, {
      locator,
      locate: async (image) => {
        if (image.endsWith('bad.dcm'))
          throw Object.assign(new Error(`${image}: not a DICOM file`), { code: 'NOT_DICOM' });
        return found;
      },
    });
    expect(report.unreadable).toEqual([{ line: 2, code: 'NOT_DICOM', reason: 'IMAGE: not a DICOM file' }]);
    expect(report.filled).toBe(1);
  });
});

describe('T1 against T2', () => {
  it("reports the distance between the two sequences' centres of each level, by line", async () => {
    const withMm = (dx: number): LocateResult => ({
      ...found,
      levels: { L1: { ...box(10, 20, 30, 25, 0.9), centerMm: [1 + dx, 2, 3 + 4 * (dx / 3)] } },
    });
    const path = manifest(
      'patient_id,sequence,level,image,label\nP1,T1,L1,t1,1\nP1,T2,L1,t2,1\nP2,T1,L1,t1,0\n',
    );
    const report = await fillManifestBoxes(path, {
      locator,
      locate: async (image) => (image.endsWith('t1') ? withMm(0) : withMm(3)),
    });
    expect(report.disagreementMm).toEqual([{ lines: [2, 3], level: 'L1', mm: 5 }]);
  });
});
