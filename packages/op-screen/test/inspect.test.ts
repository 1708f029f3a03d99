import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerInspectCommand } from '../src/commands/inspect.js';

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

async function run(args: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  const program = new Command().exitOverride();
  registerInspectCommand(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'op-screen', 'inspect', ...args]);
  } finally {
    spy.mockRestore();
  }
  const exitCode = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, exitCode };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('op-screen inspect --json', () => {
  it('prints shape, real-world statistics and transfer syntax of a DICOM file', async () => {
    const { out, exitCode } = await run([`${DATA}dicom/pydicom/CT_small.dcm`, '--json']);
    expect(exitCode).toBeUndefined();
    const r = JSON.parse(out);
    expect(r).toMatchObject({
      kind: 'dicom',
      shape: [128, 128],
      transferSyntax: '1.2.840.10008.1.2.1',
      spacing: [0.661468, 0.661468],
    });
    // pydicom: rescaled (modality LUT) statistics of CT_small.dcm
    expect(r.stats).toEqual({ min: -896, max: 1167, sum: -1950906, mean: -119.0738525390625, nanCount: 0 });
    expect(out.trim().split('\n')).toHaveLength(1);
  });

  it('prints shape, scaled statistics and affine of a NIfTI file', async () => {
    const r = JSON.parse((await run([`${DATA}nifti/nibabel/functional.nii`, '--json'])).out);
    expect(r).toMatchObject({ kind: 'nifti', shape: [17, 21, 3, 20], spacing: [4, 4, 8, 2] });
    expect(r.stats.mean).toBeCloseTo(3637.408513675239, 8);
    expect(r.affine).toEqual([
      [-4, 0, 0, 32],
      [0, 4, 0, -40],
      [0, 0, 8, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('prints the series of a directory in slice order with its mid-sagittal file', async () => {
    const r = JSON.parse((await run([`${DATA}dicom/generated/sag_t2`, '--json'])).out);
    expect(r.kind).toBe('series');
    expect(r.skipped).toEqual([]);
    expect(r.series).toHaveLength(1);
    const s = r.series[0];
    expect(s.files.map((f: string) => f.split('/').pop())).toEqual([
      'IM0148',
      'IM0074',
      'IM0037',
      'IM0259',
      'IM0296',
      'IM0185',
      'IM0111',
      'IM0222',
      'IM0000',
    ]);
    expect(s.midSagittal.endsWith('IM0296')).toBe(true);
    expect(s.shape).toEqual([9, 256, 224]);
    expect(s.sliceSpacing).toBeCloseTo(4.4, 6);
  });

  it('exits with status 1 and a typed error for a file it refuses', async () => {
    // thrown for src/cli.ts to render on stderr in the one error shape (exit 1)
    await expect(run([`${DATA}nifti/generated/bad/gzip_bomb_2GiB.nii.gz`, '--json'])).rejects.toMatchObject({
      code: 'TOO_LARGE',
      file: `${DATA}nifti/generated/bad/gzip_bomb_2GiB.nii.gz`,
      exitCode: 1,
    });
  });

  it('exits with status 1 for a directory with no readable series, listing what it skipped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inspect-empty-'));
    writeFileSync(join(dir, 'IM0001'), 'not a DICOM file at all');
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const program = new Command().exitOverride();
    registerInspectCommand(program);
    await expect(program.parseAsync(['node', 'op-screen', 'inspect', dir, '--json'])).rejects.toMatchObject({
      code: 'NO_SERIES',
      exitCode: 1,
    });
    spy.mockRestore();
    const r = JSON.parse(out);
    expect(r.kind).toBe('series');
    expect(r.series).toEqual([]);
    expect(r.skipped.length).toBe(1);
  });

  it('honours --max-decoded-mb', async () => {
    await expect(
      run([`${DATA}dicom/pydicom/liver_1frame.dcm`, '--json', '--max-decoded-mb', '0.1']),
    ).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });

  it('prints one human-readable line for a file without --json', async () => {
    const { out } = await run([`${DATA}dicom/pydicom/MR_small.dcm`]);
    expect(out).toMatch(/MR_small\.dcm: dicom 1\.2\.840\.10008\.1\.2\.1 64x64, values/);
  });
});
