import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editManifestCells, manifestCsv, parseManifest, readManifestTable } from '../src/index.js';

const dirOf = () => mkdtempSync(join(tmpdir(), 'study-edit-'));

describe('the manifest writer', () => {
  it('writes the MANIFEST_COLUMNS header, quotes every field, and reads back', () => {
    const text = manifestCsv([
      { patient_id: 'P1', sequence: 'T1', level: 'L1', image: 'a b,c.dcm', t_score: '-2.6', roi: '1,2,3,4' },
    ]);
    expect(text.split('\n')[0]).toBe(
      '"patient_id","sequence","level","image","t_score","roi","slice","csf_roi","exclude","sex","age"',
    );
    const m = parseManifest(text, '/x/manifest.csv', { checkFiles: false });
    expect(m.rows[0]).toMatchObject({
      image: '/x/a b,c.dcm',
      label: 1,
      roi: { x: 1, y: 2, width: 3, height: 4 },
    });
  });
});

describe('editManifestCells', () => {
  const semicolon =
    'patient_id;sequence;level;image;t_score;note\r\nP1;T1;L1;a.dcm;-1,5;"keep ""this"""\r\nP1;T1;L2;a.dcm;-2,7;x\r\n';

  it('rewrites only the edited row, keeps the delimiter, CR LF and other bytes, appends a missing column', async () => {
    const dir = dirOf();
    const f = join(dir, 'm.csv');
    writeFileSync(f, semicolon);
    const table = await readManifestTable(f);
    expect(table.delimiter).toBe(';');
    expect(table.columns).toEqual(['patient_id', 'sequence', 'level', 'image', 't_score', 'note']);
    // the same columns exist: only row 1 changes
    const v2 = await editManifestCells(f, [{ index: 1, cells: { t_score: '-3,0' } }], {
      version: table.version,
      columns: ['t_score'],
    });
    const text = readFileSync(f, 'utf8');
    expect(text).toBe(semicolon.replace('P1;T1;L2;a.dcm;-2,7;x', 'P1;T1;L2;a.dcm;-3,0;x'));
    // a new column: the header and every row get the empty cell, values and quoting survive
    await editManifestCells(f, [{ index: 0, cells: { roi: '1,2,3,4' } }], { version: v2, columns: ['roi'] });
    const lines = readFileSync(f, 'utf8').split('\r\n');
    expect(lines[0]).toBe('patient_id;sequence;level;image;t_score;note;roi');
    expect(lines[1]).toBe('P1;T1;L1;a.dcm;-1,5;"keep ""this""";1,2,3,4');
    expect(lines[2]).toBe('P1;T1;L2;a.dcm;-3,0;x;');
  });

  it('refuses a changed file, a row that does not exist, a column it may not write, a line break', async () => {
    const dir = dirOf();
    const f = join(dir, 'm.csv');
    writeFileSync(f, semicolon);
    const { version } = await readManifestTable(f);
    writeFileSync(f, `${semicolon}P2;T1;L1;b.dcm;0;y\r\n`);
    const opts = { version, columns: ['roi'] };
    await expect(editManifestCells(f, [], opts)).rejects.toMatchObject({ code: 'MANIFEST_CHANGED', file: f });
    await expect(
      editManifestCells(f, [{ index: 9, cells: { roi: '' } }], { columns: ['roi'] }),
    ).rejects.toMatchObject({
      code: 'BAD_EDIT',
    });
    await expect(
      editManifestCells(f, [{ index: 0, cells: { image: 'other.dcm' } }], { columns: ['roi'] }),
    ).rejects.toMatchObject({ code: 'BAD_EDIT' });
    await expect(
      editManifestCells(f, [{ index: 0, cells: { roi: 'a\nb' } }], { columns: ['roi'] }),
    ).rejects.toMatchObject({ code: 'BAD_EDIT' });
    expect(readFileSync(f, 'utf8')).toBe(`${semicolon}P2;T1;L1;b.dcm;0;y\r\n`);
  });

  it('keeps the original once as FILE.orig when asked', async () => {
    const dir = dirOf();
    const f = join(dir, 'm.csv');
    writeFileSync(f, semicolon);
    await editManifestCells(f, [{ index: 0, cells: { note: 'a' } }], {
      columns: ['note'],
      keepOriginal: true,
    });
    await editManifestCells(f, [{ index: 0, cells: { note: 'b' } }], {
      columns: ['note'],
      keepOriginal: true,
    });
    expect(readFileSync(`${f}.orig`, 'utf8')).toBe(semicolon);
    expect(readdirSync(dir).sort()).toEqual(['m.csv', 'm.csv.orig']);
  });

  it('names the file and the reason for a file that is not a manifest', async () => {
    const dir = dirOf();
    const f = join(dir, 'm.csv');
    writeFileSync(f, 'a,b\n1,2\n');
    await expect(readManifestTable(f)).rejects.toMatchObject({ code: 'MANIFEST_UNREADABLE', file: f });
    await expect(readManifestTable(join(dir, 'none.csv'))).rejects.toMatchObject({
      code: 'MANIFEST_UNREADABLE',
    });
  });
});
