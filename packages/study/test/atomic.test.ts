import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertNewFileWritable, readJson, writeFileAtomic, writeJsonAtomic } from '../src/index.js';

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-atomic-'));
    const f = join(dir, 'a.csv');
    writeFileSync(f, 'old');
    await writeFileAtomic(f, 'new');
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['a.csv']);
  });

  it('creates missing directories and honours an explicit mode against the umask', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-atomic-'));
    const f = join(dir, 'sub', 'key.csv');
    await writeFileAtomic(f, 'secret', { mode: 0o600 });
    expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('with noClobber refuses an existing file (EEXIST) and keeps it and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-atomic-'));
    const f = join(dir, 'mine.txt');
    writeFileSync(f, 'a user wrote this');
    await expect(writeFileAtomic(f, 'x', { noClobber: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(f, 'utf8')).toBe('a user wrote this');
    expect(readdirSync(dir)).toEqual(['mine.txt']);
    await expect(assertNewFileWritable(f)).rejects.toMatchObject({ code: 'EEXIST' });
    await assertNewFileWritable(join(dir, 'new.txt'));
    expect(readdirSync(dir)).toEqual(['mine.txt']);
  });

  it('round-trips JSON and reads a missing file as undefined', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'study-atomic-'));
    await writeJsonAtomic(join(dir, 'x.json'), { a: [1, 2] });
    expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}\n');
    expect(await readJson(join(dir, 'x.json'))).toEqual({ a: [1, 2] });
    expect(await readJson(join(dir, 'none.json'))).toBeUndefined();
  });
});
