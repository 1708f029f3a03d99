import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MriIoError, readDicomHeader, readSlice } from '../src/index.js';

const SERIES = join(__dirname, '../../../../shared/data/dicom/generated/sag_t1');
const work = mkdtempSync(join(tmpdir(), 'mri-io-incomplete-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function copySeries(name: string): string {
  const dir = join(work, name);
  cpSync(SERIES, dir, { recursive: true });
  return dir;
}

describe('a series directory that lost a file', () => {
  const files = readdirSync(SERIES).sort();

  it('refuses any slice with SERIES_INCOMPLETE naming the file, instead of shifting the index', async () => {
    const whole = await readSlice(SERIES, { slice: 5 });
    const dir = copySeries('truncated');
    // the first file in slice order cut short: before the fix slice 5 silently became the 7th file
    const victim = join(dir, files[0] as string);
    writeFileSync(victim, readFileSync(victim).subarray(0, 200));
    for (const slice of [5, undefined]) {
      const err = await readSlice(dir, slice === undefined ? {} : { slice }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MriIoError);
      expect((err as MriIoError).code).toBe('SERIES_INCOMPLETE');
      expect((err as MriIoError).file).toBe(victim);
      expect((err as MriIoError).message).toContain(files[0] as string);
    }
    // read anyway on request: indices are then among the readable files, as the option says
    const anyway = await readSlice(dir, { slice: 4, allowIncomplete: true });
    expect(anyway.source.count).toBe(files.length - 1);
    expect(whole.source.count).toBe(files.length);
  });

  it('calls a JPEG among the slices a JPEG', async () => {
    const dir = copySeries('jpeg');
    const jpeg = join(dir, 'IM9999');
    writeFileSync(
      jpeg,
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1]),
    );
    await expect(readDicomHeader(jpeg)).rejects.toThrow(/the file is a JPEG image, not a DICOM file/);
    const err = (await readSlice(dir).catch((e: unknown) => e)) as MriIoError;
    expect(err.code).toBe('SERIES_INCOMPLETE');
    expect(err.message).toMatch(/IM9999, NOT_DICOM: the file is a JPEG image/);
  });

  it('ignores hidden files and objects without pixel data', async () => {
    const dir = copySeries('hidden');
    writeFileSync(join(dir, '.DS_Store'), 'junk');
    const s = await readSlice(dir, { slice: 5 });
    expect(s.source.count).toBe(files.length);
  });
});

describe('messages a person reads', () => {
  it("carry no parser internals: every fuzz-found and broken file's message is free of 'dicomParser'", async () => {
    const { readdirSync: ls, statSync } = await import('node:fs');
    const { readImage } = await import('../src/index.js');
    const roots = ['../../../../shared/data/fuzz-found', '../../../../shared/data/dicom/generated/bad'].map(
      (r) => join(__dirname, r),
    );
    const files = roots.flatMap((r) =>
      ls(r)
        .map((f) => join(r, f))
        .filter((f) => statSync(f).isFile() && !f.endsWith('.md')),
    );
    expect(files.length).toBeGreaterThan(5);
    let refused = 0;
    for (const f of files) {
      const err = await readImage(f).catch((e: unknown) => e);
      if (!(err instanceof MriIoError)) continue;
      refused++;
      expect(err.message, f).not.toMatch(/dicomParser/);
    }
    expect(refused).toBeGreaterThan(5);
  });
});
