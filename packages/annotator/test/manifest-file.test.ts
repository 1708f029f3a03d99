import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnnotationManifest, saveOwnedColumns } from '../src/manifest-file.js';

const CELLS = {
  roi: '1,2,3,4',
  slice: '2',
  csf_roi: '5,6,1,2',
  exclude: '',
  roi_source: 'manual',
  roi_confidence: '',
};

function fixture(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'annotator-manifest-'));
  const file = join(dir, 'manifest.csv');
  writeFileSync(file, text);
  return file;
}

const TEXT = [
  'patient_id,note,sequence,level,image,t_score,roi',
  'P1,"quoted, with comma",T1,L1,img1.dcm,-1.0,',
  'P1,plain,T2,L1,img2.dcm,-1.0,"9,9,9,9"',
  'P2,"kept ""as is""",T1,L2,img3.dcm,0.5,',
  '',
].join('\r\n');

describe('saveOwnedColumns', () => {
  it('reads and saves a semicolon-separated manifest (decimal-comma locales) with its own delimiter', async () => {
    const text = 'patient_id;sequence;level;image;t_score\nP1;T1;L1;img1.dcm;-2,6\nP1;T1;L2;img1.dcm;-1,1\n';
    const file = fixture(text);
    const loaded = await loadAnnotationManifest(file);
    expect(loaded.state.rows.map((r) => [r.patientId, r.level])).toEqual([
      ['P1', 'L1'],
      ['P1', 'L2'],
    ]);
    await saveOwnedColumns(file, { version: loaded.state.version, rows: [{ index: 1, cells: CELLS }] });
    expect(readFileSync(file, 'utf8').split('\n')).toEqual([
      'patient_id;sequence;level;image;t_score;roi;slice;csf_roi;exclude;roi_source;roi_confidence',
      'P1;T1;L1;img1.dcm;-2,6;;;;;;',
      'P1;T1;L2;img1.dcm;-1,1;1,2,3,4;2;5,6,1,2;;manual;',
      '',
    ]);
  });

  it('adds the missing owned columns, changes only those cells, keeps other columns, order, CRLF and .orig', async () => {
    const file = fixture(TEXT);
    const loaded = await loadAnnotationManifest(file);
    expect(loaded.state.rows.map((r) => [r.index, r.patientId, r.sequence, r.level])).toEqual([
      [0, 'P1', 'T1', 'L1'],
      [1, 'P1', 'T2', 'L1'],
      [2, 'P2', 'T1', 'L2'],
    ]);
    expect(loaded.state.rows[1].cells.roi).toBe('9,9,9,9');
    const v2 = await saveOwnedColumns(file, {
      version: loaded.state.version,
      rows: [{ index: 2, cells: { ...CELLS, exclude: 'fracture' } }],
    });
    const text = readFileSync(file, 'utf8');
    expect(text.split('\r\n')).toEqual([
      'patient_id,note,sequence,level,image,t_score,roi,slice,csf_roi,exclude,roi_source,roi_confidence',
      'P1,"quoted, with comma",T1,L1,img1.dcm,-1.0,,,,,,',
      'P1,plain,T2,L1,img2.dcm,-1.0,"9,9,9,9",,,,,',
      'P2,"kept ""as is""",T1,L2,img3.dcm,0.5,"1,2,3,4",2,"5,6,1,2",fracture,manual,',
      '',
    ]);
    expect(readFileSync(`${file}.orig`, 'utf8')).toBe(TEXT);
    // A second save leaves untouched rows byte for byte and .orig as the first original.
    await saveOwnedColumns(file, { version: v2, rows: [{ index: 0, cells: CELLS }] });
    const lines = readFileSync(file, 'utf8').split('\r\n');
    expect(lines[1]).toBe('P1,"quoted, with comma",T1,L1,img1.dcm,-1.0,"1,2,3,4",2,"5,6,1,2",,manual,');
    expect(lines.slice(2)).toEqual(text.split('\r\n').slice(2));
    expect(readFileSync(`${file}.orig`, 'utf8')).toBe(TEXT);
  });

  it('refuses to overwrite a manifest that changed on disk since it was loaded', async () => {
    const file = fixture(TEXT);
    const { state } = await loadAnnotationManifest(file);
    writeFileSync(file, `${TEXT}P3,x,T1,L3,img4.dcm,1.0,\r\n`);
    await expect(
      saveOwnedColumns(file, { version: state.version, rows: [{ index: 0, cells: CELLS }] }),
    ).rejects.toMatchObject({ code: 'MANIFEST_CHANGED' });
    expect(readFileSync(file, 'utf8')).toBe(`${TEXT}P3,x,T1,L3,img4.dcm,1.0,\r\n`);
  });

  it('refuses rows that do not exist and cells with line breaks', async () => {
    const file = fixture(TEXT);
    const { state } = await loadAnnotationManifest(file);
    await expect(
      saveOwnedColumns(file, { version: state.version, rows: [{ index: 3, cells: CELLS }] }),
    ).rejects.toMatchObject({
      code: 'BAD_SAVE',
    });
    await expect(
      saveOwnedColumns(file, {
        version: state.version,
        rows: [{ index: 0, cells: { ...CELLS, exclude: 'a\nb' } }],
      }),
    ).rejects.toMatchObject({ code: 'BAD_SAVE' });
    for (const bad of [
      {},
      { version: state.version },
      { version: state.version, rows: [{ index: 0 }] },
      null,
    ])
      await expect(saveOwnedColumns(file, bad as never)).rejects.toMatchObject({ code: 'BAD_SAVE' });
    expect(readFileSync(file, 'utf8')).toBe(TEXT);
  });

  it('names a missing manifest with a typed error', async () => {
    await expect(loadAnnotationManifest('/nonexistent/manifest.csv')).rejects.toMatchObject({
      code: 'MANIFEST_UNREADABLE',
    });
  });
});
