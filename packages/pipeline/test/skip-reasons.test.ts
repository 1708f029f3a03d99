import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { open, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest } from '@op-screen/study';
import { describe, expect, it } from 'vitest';
import { loadVertebrae, mriIoSliceReader, roiCropper, withoutDirectories } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'skip-reasons-'));

/** Counts the bytes read through every FileHandle while `f` runs. */
async function bytesReadDuring(f: () => Promise<unknown>): Promise<number> {
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { read: (...a: unknown[]) => Promise<{ bytesRead: number }> };
  await probe.close();
  const orig = proto.read;
  let bytes = 0;
  proto.read = async function (this: unknown, ...a: unknown[]) {
    const r = await orig.apply(this, a);
    bytes += r.bytesRead;
    return r;
  };
  try {
    await f();
  } finally {
    proto.read = orig;
  }
  return bytes;
}

describe('rows skipped while reading images', () => {
  it('a 200 MB non-DICOM file is refused as NOT_DICOM from its first bytes, not read whole', async () => {
    const big = join(dir, 'big.dcm');
    writeFileSync(big, 'PK\u0003\u0004 a zip archive, not a DICOM file');
    await truncate(big, 200 * 1024 * 1024); // sparse: no disk used
    let code: string | undefined;
    const bytes = await bytesReadDuring(() =>
      mriIoSliceReader(big, undefined).catch((e: { code?: string }) => {
        code = e.code;
      }),
    );
    expect(code).toBe('NOT_DICOM');
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(4096);
  });

  it('skip reasons name the image by its file name only, never the directories above it', async () => {
    const patientDir = join(dir, 'Smith John 1950-01-02', 'T1');
    mkdirSync(patientDir, { recursive: true });
    writeFileSync(join(patientDir, 'IM0001'), 'not DICOM at all, but long enough to be probed as such');
    const m = parseManifest(
      'patient_id,sequence,level,image,t_score\nP1,T1,L1,Smith John 1950-01-02/T1/IM0001,-1\n',
      join(dir, 'manifest.csv'),
    );
    expect(m.rows).toHaveLength(1);
    const r = await loadVertebrae(m.rows, mriIoSliceReader, roiCropper);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatchObject({ line: 2, code: 'UNREADABLE_IMAGE' });
    expect(r.skipped[0]?.reason).toMatch(/^NOT_DICOM: .*\(file IM0001\)/);
    expect(r.skipped[0]?.reason).not.toMatch(/Smith|1950|\//);
  });

  it('withoutDirectories cuts any path in a message to its file name', () => {
    expect(withoutDirectories('cannot open /export/Doe_Jane/T2/x.nii.gz (EACCES); 3/4 done')).toBe(
      'cannot open (file x.nii.gz) (EACCES); 3/4 done',
    );
  });
});

describe('a series directory that lost a file', () => {
  it('refuses the row, naming the unreadable file, instead of cropping another slice', async () => {
    const { cpSync, readFileSync, readdirSync } = await import('node:fs');
    const src = join(__dirname, '../../../../shared/data/dicom/generated/sag_t1');
    const series = join(dir, 'Doe Jane', 'sag_t1');
    cpSync(src, series, { recursive: true });
    const first = readdirSync(series).sort()[0] as string;
    writeFileSync(join(series, first), readFileSync(join(series, first)).subarray(0, 300));
    const m = parseManifest(
      'patient_id,sequence,level,image,t_score,roi,slice\nP1,T1,L1,Doe Jane/sag_t1,-1,"10,10,20,20",5\nP1,T1,L2,Doe Jane/sag_t1,-1,"10,40,20,20",\n',
      join(dir, 'manifest.csv'),
    );
    const r = await loadVertebrae(m.rows, mriIoSliceReader, roiCropper);
    expect(r.images).toHaveLength(0);
    expect(r.skipped.map((s) => s.code)).toEqual(['UNREADABLE_IMAGE', 'UNREADABLE_IMAGE']);
    for (const s of r.skipped) {
      expect(s.reason).toMatch(new RegExp(`^SERIES_INCOMPLETE: .*first: ${first}, TRUNCATED`));
      expect(s.reason).not.toContain('Doe Jane');
    }
  });
});
