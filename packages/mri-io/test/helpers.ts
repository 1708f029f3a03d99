import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { isMriIoError, type MriIoErrorCode } from '../src/index.js';

export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const DATA = `${SHARED}data/`;

export interface RefStats {
  min: number;
  max: number;
  sum: number;
  mean: number;
  nanCount: number;
}

export interface RefFile {
  ok: boolean;
  expectError?: boolean;
  error?: string;
  kind?: 'dicom' | 'nifti';
  shape?: number[];
  stored?: RefStats;
  rescaled?: RefStats;
  scaled?: RefStats;
  lossy?: boolean;
  hasPixelData?: boolean;
  pixelError?: string;
  transferSyntax?: string | null;
  noFileMeta?: boolean;
  seriesInstanceUID?: string;
  rows?: number;
  columns?: number;
  samplesPerPixel?: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  rescaleSlope?: number;
  rescaleIntercept?: number;
  imagePositionPatient?: number[];
  imageOrientationPatient?: number[];
  pixelSpacing?: number[];
  affine?: number[][];
  zooms?: number[];
  version?: number;
}

export interface RefSeries {
  files: number;
  orderAlongNormal: string[];
  normal: number[];
  midSagittal: string;
  sliceSpacing: number | null;
  volumeShape: number[];
}

export const REFERENCE: { files: Record<string, RefFile>; series: Record<string, RefSeries> } = JSON.parse(
  readFileSync(`${DATA}io-reference.json`, 'utf8'),
);

/** |actual - expected| <= rel * max(|expected|, 1). */
export function expectClose(actual: number, expected: number, rel: number, what: string): void {
  const tol = rel * Math.max(Math.abs(expected), 1);
  expect(
    Math.abs(actual - expected),
    `${what}: ${actual} vs ${expected} (tolerance ${tol})`,
  ).toBeLessThanOrEqual(tol);
}

export async function expectMriIoError(p: Promise<unknown>, codes?: MriIoErrorCode[]): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(isMriIoError(err), `expected MriIoError, got ${String(err)}`).toBe(true);
    const code = (err as { code: MriIoErrorCode }).code;
    if (codes) expect(codes).toContain(code);
    return code;
  }
  throw new Error('expected the read to be refused, but it succeeded');
}
