import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { excludedCounts, parseManifest, readManifest, skippedToCsv } from '../src/index.js';

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
    expect(byLine[9]).toMatchObject({
      code: 'NO_LABEL',
      reason: expect.stringMatching(/neither t_score nor label/),
    });
    expect(byLine[10]?.reason).toMatch(/width and height/);
    expect(byLine[11]?.code).toBe('UNREADABLE_IMAGE');
    expect(byLine[12]?.reason).toMatch(/T1 or T2/);
    expect(m.skipped).toHaveLength(8);
    const out = skippedToCsv(m.skipped);
    expect(out.split('\n')[0]).toBe('"line","code","reason"');
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

  it('names rows by their physical line: blank lines and quoted line breaks counted', () => {
    const dir = fixture();
    const csv = [
      'patient_id,sequence,level,image,t_score,roi',
      '',
      'P1,T1,L1,a/img.dcm,-1,"1,2,',
      '30,20"',
      '',
      '',
      'P1,T1,L2,a/img.dcm,-1,bad',
      'P1,T1,L3,a/img.dcm,-1,',
    ].join('\r\n');
    const m = parseManifest(csv, join(dir, 'm.csv'));
    // the first record starts on line 3 (a blank line 2) and spans lines 3-4
    expect(m.rows.map((r) => r.line)).toEqual([3, 8]);
    expect(m.rows[0]?.roi).toEqual({ x: 1, y: 2, width: 30, height: 20 });
    expect(m.skipped.map((s) => [s.line, s.code])).toEqual([[7, 'INVALID_ROW']]);
  });

  it('a row without a label is NO_LABEL; a short row says which column is missing', () => {
    const dir = fixture();
    const m = parseManifest(
      'patient_id,sequence,level,image,t_score,label\nP1,T1,L1,a/img.dcm,,\nP1,T1,L2\nP1,T1\n',
      join(dir, 'm.csv'),
    );
    expect(m.skipped).toEqual([
      { line: 2, code: 'NO_LABEL', reason: 'neither t_score nor label given' },
      { line: 3, code: 'INVALID_ROW', reason: 'missing column image (the row has 3 fields, the header 6)' },
      {
        line: 4,
        code: 'INVALID_ROW',
        reason: 'missing column level, image (the row has 2 fields, the header 6)',
      },
    ]);
    // predict reads unlabelled rows
    expect(
      parseManifest('patient_id,sequence,level,image\nP1,T1,L1,a/img.dcm\n', join(dir, 'm.csv'), {
        requireLabel: false,
      }).rows,
    ).toHaveLength(1);
  });

  it('refuses a patient_id with a control character, never echoing it', () => {
    const dir = fixture();
    const m = parseManifest(
      'patient_id,sequence,level,image,t_score\n"Doe\nJane",T1,L1,a/img.dcm,-1\n"Tab\there",T1,L2,a/img.dcm,-1\nP2,T1,L1,a/img.dcm,-1\n',
      join(dir, 'm.csv'),
    );
    expect(m.rows.map((r) => r.patientId)).toEqual(['P2']);
    expect(m.skipped.map((s) => [s.line, s.code])).toEqual([
      [2, 'INVALID_ROW'],
      [4, 'INVALID_ROW'],
    ]);
    expect(m.skipped[0]?.reason).toMatch(/patient_id contains a control character/);
    expect(JSON.stringify(m.skipped)).not.toMatch(/Doe|Jane|Tab/);
  });

  it('skip reasons name at most the image file name, never its directories', () => {
    const dir = fixture();
    const m = parseManifest(
      'patient_id,sequence,level,image,t_score\nP1,T1,L1,Smith_John_1950/T1/IM0001.dcm,-1\nP1,T1,L2,empty.dcm,-1\n',
      join(dir, 'm.csv'),
    );
    expect(m.skipped).toEqual([
      { line: 2, code: 'MISSING_FILE', reason: 'image not found (file IM0001.dcm)' },
      { line: 3, code: 'UNREADABLE_IMAGE', reason: 'image is an empty file (file empty.dcm)' },
    ]);
    expect(skippedToCsv(m.skipped)).toBe(
      '"line","code","reason"\n"2","MISSING_FILE","image not found (file IM0001.dcm)"\n"3","UNREADABLE_IMAGE","image is an empty file (file empty.dcm)"\n',
    );
  });

  it('a binary file given as manifest: "not a text CSV" with the byte offset, no raw bytes echoed', async () => {
    const dir = fixture();
    const bin = join(dir, 'scan.png');
    writeFileSync(bin, Buffer.from([0x70, 0x61, 0x74, 0x69, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff]));
    const err = await readManifest(bin).catch((e) => e);
    expect(err).toMatchObject({ code: 'MANIFEST_UNREADABLE', file: bin });
    expect(err.message).toBe(`${bin} is not a text CSV (binary content at byte 9).`);
    const latin1 = join(dir, 'latin1.csv');
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from('patient_id,sequence\nM'), Buffer.from([0xfc]), Buffer.from('ller,T1\n')]),
    );
    const e2 = await readManifest(latin1).catch((e) => e);
    expect(e2.message).toBe(`${latin1} is not a text CSV (binary content at byte 21).`);
    // a CSV syntax error says where, without quoting the text
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'patient_id,sequence,level,image\nSecret"Name,T1,L1,x\n"open,T1\n');
    const e3 = await readManifest(bad).catch((e) => e);
    expect(e3.code).toBe('MANIFEST_UNREADABLE');
    expect(e3.message).not.toContain('Secret');
    expect(e3.message).toMatch(/not valid CSV \(INVALID_OPENING_QUOTE at line 2\)/);
  });
});
