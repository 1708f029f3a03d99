import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseManifest } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'manifest-locale-'));
mkdirSync(join(dir, 'a'));
writeFileSync(join(dir, 'a', 'img.dcm'), 'x');
const path = join(dir, 'm.csv');

describe('manifests saved by spreadsheets', () => {
  it('reads a semicolon-separated manifest with decimal commas (European Excel) like the comma one', () => {
    const eu = [
      '\uFEFFpatient_id;sequence;level;image;t_score;roi;slice',
      'P1;T1;L1;a/img.dcm;-0,43;10,12,30,20;4',
      'P1;T1;L2;a/img.dcm;"-2,9";10,40,30,20;4',
      'P2;T2;L1;a/img.dcm;-3;"1,2,3,4";',
    ].join('\r\n');
    const us = [
      'patient_id,sequence,level,image,t_score,roi,slice',
      'P1,T1,L1,a/img.dcm,-0.43,"10,12,30,20",4',
      'P1,T1,L2,a/img.dcm,-2.9,"10,40,30,20",4',
      'P2,T2,L1,a/img.dcm,-3,"1,2,3,4",',
    ].join('\n');
    const a = parseManifest(eu, path);
    const b = parseManifest(us, path);
    expect(a.skipped).toEqual([]);
    expect(a.rows).toEqual(b.rows);
    expect(a.rows.map((r) => r.tScore)).toEqual([-0.43, -2.9, -3]);
    expect(detectDelimiter('patient_id\tsequence\tlevel\timage')).toBe('\t');
    expect(detectDelimiter('patient_id;sequence;level;image')).toBe(';');
    expect(detectDelimiter('patient_id,sequence,level,image')).toBe(',');
  });

  it('quotes the bad value and says what is accepted: numbers, yes/no labels, sequences', () => {
    const csv = [
      'patient_id;sequence;level;image;t_score;label',
      'P1;T1;L1;a/img.dcm;minus two;',
      'P1;T1;L2;a/img.dcm;;yes',
      'P1;T3;L3;a/img.dcm;-1;',
      'P1;T1;L4;a/img.dcm;-12,5;',
    ].join('\n');
    const m = parseManifest(csv, path);
    expect(m.skipped.map((s) => s.reason)).toEqual([
      't_score: t_score "minus two" is not a number (write it like -2.7 or -2,7)',
      'label: label "yes" is not accepted: write 1 (osteoporosis) or 0 (no osteoporosis), or give t_score instead',
      'sequence: sequence "T3" is not T1 or T2',
      't_score: t_score "-12.5" is outside [-10, 10]',
    ]);
  });

  it('a header that splits into no known columns names the delimiters it tried, never the first line', () => {
    const csv = 'Smith|T1|L1|a/img.dcm|-1\nDoe|T1|L2|a/img.dcm|-1\n';
    let message = '';
    try {
      parseManifest(csv, path);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /lacks the required column "patient_id".*commas, semicolons or tabs; the first line splits into 1 column at ","/,
    );
    expect(message).not.toMatch(/Smith/);
  });

  it('for scoring (requireLabel false) a bad t_score or label does not drop the row: it is unlabelled', () => {
    const csv =
      'patient_id,sequence,level,image,t_score,label\nP1,T1,L1,a/img.dcm,n/a,\nP1,T1,L2,a/img.dcm,,yes\nP1,T9,L3,a/img.dcm,,\n';
    const m = parseManifest(csv, path, { requireLabel: false });
    expect(m.rows.map((r) => [r.line, r.labelled])).toEqual([
      [2, false],
      [3, false],
    ]);
    expect(m.skipped.map((s) => [s.line, s.code])).toEqual([[4, 'INVALID_ROW']]);
    // training still refuses them
    expect(parseManifest(csv, path).rows).toEqual([]);
  });
});
