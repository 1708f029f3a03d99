import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { excludedCounts, parseManifest, readManifest, skippedToCsv } from '../src/manifest/index.js';

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
  mkdirSync(join(dir, 'a'));
  writeFileSync(join(dir, 'a', 'img.dcm'), 'x');
  writeFileSync(join(dir, 'empty.dcm'), '');
  return dir;
}

describe('manifest', () => {
  it('leaves out rows with an exclude reason (EXCLUDED, counted by reason) and refuses unknown reasons', () => {
    const dir = fixture();
    const csv = [
      'patient_id,sequence,level,image,t_score,roi,slice,csf_roi,exclude',
      'P1,T1,L1,a/img.dcm,-1,"1,2,30,20",2,,',
      'P1,T1,L2,a/img.dcm,-1,"1,2,30,20",2,,fracture',
      'P1,T2,L2,a/img.dcm,-1,"1,2,30,20",2,,Severe degeneration',
      'P1,T2,L3,a/img.dcm,-1,"1,2,30,20",2,,fracture',
      'P1,T2,L4,a/img.dcm,-1,"1,2,30,20",2,,tired',
    ].join('\n');
    const m = parseManifest(csv, join(dir, 'm.csv'));
    expect(m.rows.map((r) => r.line)).toEqual([2]);
    expect(m.skipped.map((s) => [s.line, s.code])).toEqual([
      [3, 'EXCLUDED'],
      [4, 'EXCLUDED'],
      [5, 'EXCLUDED'],
      [6, 'INVALID_ROW'],
    ]);
    expect(m.skipped[1]?.reason).toBe('excluded: severe_degeneration');
    expect(excludedCounts(m.skipped)).toEqual({ fracture: 2, severe_degeneration: 1 });
  });

  it('keeps valid rows, labels by T-score threshold, and skips bad rows with reasons', async () => {
    const dir = fixture();
    const csv = [
      'patient_id,sequence,level,image,t_score,label,roi,slice,csf_roi',
      'P1,T1,L1,a/img.dcm,-2.5,,"1,2,30,20",,"5,5,3,8"', // 2 ok, label 1 (<= -2.5)
      'P1,t1,l2,a/img.dcm,-1.0,,,,', // 3 ok, case-insensitive
      'P1,T1,L5,a/img.dcm,-1.0,,,,', // 4 unknown level
      'P1,T1,L3,a/img.dcm,abc,,,,', // 5 non-numeric
      'P1,T1,L3,missing.dcm,-1,,,,', // 6 missing file
      'P1,T1,L1,a/img.dcm,-3,,,,', // 7 duplicate of line 2
      'P2,T2,L1,a/img.dcm,,1,,,', // 8 label only
      'P2,T2,L2,a/img.dcm,,,,,', // 9 no label
      'P2,T2,L3,a/img.dcm,-1,,"1,2,0,5",,', // 10 zero-width roi
      'P2,T2,L4,empty.dcm,-1,,,,', // 11 empty image
      'P2,T3,L4,a/img.dcm,-1,,,,', // 12 bad sequence
    ].join('\n');
    writeFileSync(join(dir, 'm.csv'), csv);
    const m = await readManifest(join(dir, 'm.csv'));
    expect(m.rows.map((r) => r.line)).toEqual([2, 3, 8]);
    expect(m.rows[0]).toMatchObject({
      label: 1,
      tScore: -2.5,
      roi: { x: 1, y: 2, width: 30, height: 20 },
      csfRoi: { x: 5, y: 5, width: 3, height: 8 },
    });
    expect(m.rows[1]).toMatchObject({ sequence: 'T1', level: 'L2', label: 0 });
    expect(m.rows[2]).toMatchObject({ label: 1, tScore: undefined });
    expect(m.rows[0]?.image).toBe(join(dir, 'a', 'img.dcm'));
    const byLine = Object.fromEntries(m.skipped.map((s) => [s.line, s]));
    expect(byLine[4]?.reason).toMatch(/level/);
    expect(byLine[5]?.reason).toMatch(/not a number/);
    expect(byLine[6]?.code).toBe('MISSING_FILE');
    expect(byLine[7]).toMatchObject({ code: 'DUPLICATE', reason: expect.stringMatching(/line 2/) });
    expect(byLine[9]?.reason).toMatch(/neither t_score nor label/);
    expect(byLine[10]?.reason).toMatch(/width and height/);
    expect(byLine[11]?.code).toBe('UNREADABLE_IMAGE');
    expect(byLine[12]?.reason).toMatch(/T1 or T2/);
    expect(m.skipped).toHaveLength(8);
    const out = skippedToCsv(m.skipped);
    expect(out.split('\n')[0]).toBe('line,code,reason');
    expect(out).not.toContain('P1');
  });

  it('honours a custom T-score threshold', () => {
    const m = parseManifest('patient_id,sequence,level,image,t_score\nP,T1,L1,x,-2.0\n', '/tmp/m.csv', {
      tScoreThreshold: -1.5,
      checkFiles: false,
    });
    expect(m.rows[0]?.label).toBe(1);
  });

  it('refuses a manifest without the required columns with a typed error', () => {
    expect(() => parseManifest('a,b\n1,2\n', '/tmp/m.csv')).toThrow(
      expect.objectContaining({ code: 'MANIFEST_UNREADABLE' }),
    );
    expect(() => parseManifest('patient_id,sequence,level,image\n', '/tmp/m.csv')).toThrow(
      expect.objectContaining({ code: 'MANIFEST_EMPTY' }),
    );
  });
});
