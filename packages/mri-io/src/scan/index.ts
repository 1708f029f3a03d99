import { createHmac } from 'node:crypto';
import { open, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readEnhancedMrTiming } from '../dicom/enhanced.js';
import { type DicomHeader, readHeaderFields } from '../dicom/header.js';
import { type DataSet, parseDicomBytes } from '../dicom/parse.js';
import { DEFAULT_MAX_DECODED_BYTES, isMriIoError, MriIoError, type MriIoErrorCode } from '../errors.js';
import type { Vec3 } from '../geometry.js';
import { orderSeries } from '../series.js';
import { guessRole, type Orientation, orientationOf, type Plane, type SeriesRole } from './classify.js';

export interface ScanOptions {
  /** Files read at once (default 16). */
  concurrency?: number;
  /** Bytes read first from each file (default 16 KiB); more (x4 each time) only while the header is longer. */
  headBytes?: number;
  /** With a salt, pseudonyms are `P` + 12 hex digits of HMAC-SHA256(salt, PatientID); else P0001... */
  salt?: Uint8Array | string;
  /** Refuse files above this size when the whole file must be read (default 1 GiB). */
  maxDecodedBytes?: number;
  /** Progress callback after each file. */
  onFile?: (done: number, total: number) => void;
}

/** One series of a scan report. Holds no patient identifiers. */
export interface ScanSeries {
  seriesInstanceUID: string;
  seriesNumber: number | null;
  description: string | null;
  protocolName: string | null;
  modality: string | null;
  orientation: Orientation;
  nearestPlane: Plane | null;
  /** Degrees between the slice normal and the nearest plane's axis. */
  obliqueAngle: number | null;
  role: SeriesRole;
  /** Why the role was guessed (see `guessRole`). */
  reason: string;
  /** Images (frames of enhanced files count one each). */
  slices: number;
  rows: number;
  columns: number;
  /** PixelSpacing [between rows, between columns] (mm). */
  pixelSpacing: [number, number] | null;
  /** Distance between slices along the normal (mm). */
  sliceSpacing: number | null;
  /** Field of view [rows x row spacing, columns x column spacing] (mm). */
  fov: [number, number] | null;
  repetitionTime: number | null;
  echoTime: number | null;
  inversionTime: number | null;
  /** The series is stored as enhanced multi-frame file(s). */
  enhanced: boolean;
  /** Files of the series, in slice order, each once. */
  files: string[];
  /**
   * What to point a manifest `image` at: the series directory when it holds only this series,
   * the file when the series is one enhanced file, else the mid-sagittal file.
   */
  image: string;
  imageKind: 'directory' | 'file' | 'mid-slice-file';
  /** Kinds of SeriesIssue found when ordering the slices (duplicate-position, ...). */
  issues: string[];
}

export interface ScanStudy {
  studyInstanceUID: string;
  /** StudyDate as YYYY-MM-DD; null when absent or malformed. */
  date: string | null;
  description: string | null;
  series: ScanSeries[];
}

export interface ScanPatient {
  /** A pseudonym (never the PatientID). */
  key: string;
  studies: ScanStudy[];
}

export interface ScanSkipped {
  path: string;
  code: MriIoErrorCode;
  message: string;
}

/** `op-screen scan --json`: JSON-safe, no patient identifiers. */
export interface ScanReport {
  root: string;
  /** Regular files seen under root. */
  files: number;
  /** Files read as DICOM images and grouped. */
  images: number;
  /** Files that are not DICOM (skipped and counted, not listed). */
  nonDicom: number;
  patients: ScanPatient[];
  /** DICOM files that could not be used, with their typed code (truncated, no pixel data, ...). */
  skipped: ScanSkipped[];
}

/** The pseudonym key: only ever written to a separate key file. */
export interface PatientIdentity {
  key: string;
  patientId: string;
  accessionNumbers: string[];
  studyInstanceUIDs: string[];
}

export interface ScanOutput {
  report: ScanReport;
  /** Pseudonym -> identifiers. Never print or log these; write them to a key file (mode 0600). */
  identities: PatientIdentity[];
}

interface ScannedFile {
  path: string;
  mediaStorageSOPClassUID: string | null;
  header: DicomHeader;
  patientId: string;
  accession: string | null;
  studyDate: string | null;
  studyDescription: string | null;
  protocolName: string | null;
  sequenceName: string | null;
  imageType: string[];
  scanningSequence: string[];
  repetitionTime: number | null;
  echoTime: number | null;
  inversionTime: number | null;
}

const MEDIA_DIRECTORY = '1.2.840.10008.1.3.10';

async function walk(dir: string, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new MriIoError('NOT_FOUND', 'cannot list the directory; check the path', dir, { cause: err });
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
    else if (e.isSymbolicLink()) {
      const s = await stat(p).catch(() => null);
      if (s?.isFile()) out.push(p); // symlinked directories are not followed (no cycles)
    }
  }
}

async function readHead(path: string, length: number): Promise<{ bytes: Uint8Array; size: number }> {
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new MriIoError('NOT_FOUND', 'cannot open the file', path, { cause: err });
  }
  try {
    const size = (await fh.stat()).size;
    const n = Math.min(size, length);
    const bytes = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await fh.read(bytes, got, n - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { bytes: got === n ? bytes : bytes.subarray(0, got), size };
  } finally {
    await fh.close();
  }
}

function str(ds: DataSet, tag: string): string | null {
  const v = ds.string(tag);
  return v === undefined || v === '' ? null : v.trim();
}

function num(ds: DataSet, tag: string): number | null {
  const v = str(ds, tag);
  if (v === null) return null;
  const n = Number(v.split('\\')[0]);
  return Number.isFinite(n) ? n : null;
}

function multi(ds: DataSet, tag: string): string[] {
  const v = str(ds, tag);
  return v ? v.split('\\').map((s) => s.trim()) : [];
}

/**
 * Parses a file's header only: the first `headBytes`, more (x4 each time, up to the whole file)
 * only while the header has not reached Pixel Data. Pixel data is never decoded.
 */
async function scanFile(path: string, headBytes: number, maxBytes: number): Promise<ScannedFile> {
  let length = headBytes;
  for (;;) {
    if (length > maxBytes) {
      throw new MriIoError(
        'TOO_LARGE',
        `the header runs past ${maxBytes} bytes without reaching Pixel Data`,
        path,
      );
    }
    const { bytes, size } = await readHead(path, length);
    const partial = bytes.length < size;
    try {
      const parsed = parseDicomBytes(bytes, path, { untilTag: 'x7fe00010', maxDecodedBytes: maxBytes });
      const ds = parsed.dataSet;
      if (partial && !ds.elements.x7fe00010) {
        length *= 4;
        continue;
      }
      const header = readHeaderFields(ds, parsed, path);
      const enhanced = header.frameInfo ? readEnhancedMrTiming(ds) : null;
      return {
        path,
        mediaStorageSOPClassUID: str(ds, 'x00020002'),
        header,
        patientId: str(ds, 'x00100020') ?? '',
        accession: str(ds, 'x00080050'),
        studyDate: str(ds, 'x00080020'),
        studyDescription: str(ds, 'x00081030'),
        protocolName: str(ds, 'x00181030'),
        sequenceName: str(ds, 'x00180024') ?? str(ds, 'x00189005'),
        imageType: multi(ds, 'x00080008'),
        scanningSequence: multi(ds, 'x00180020'),
        repetitionTime: num(ds, 'x00180080') ?? enhanced?.repetitionTime ?? null,
        echoTime: num(ds, 'x00180081') ?? enhanced?.echoTime ?? null,
        inversionTime: num(ds, 'x00180082') ?? enhanced?.inversionTime ?? null,
      };
    } catch (err) {
      if (partial && isMriIoError(err) && err.code !== 'NOT_DICOM') {
        length *= 4; // the header runs past what was read: read more
        continue;
      }
      throw err;
    }
  }
}

async function mapLimit<T>(items: string[], limit: number, fn: (item: string) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function isoDate(d: string | null): string | null {
  const m = d ? /^(\d{4})(\d{2})(\d{2})$/.exec(d.replace(/[.-]/g, '')) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}` : null;
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Walks `root` (any depth, any file names; DICOMDIR not needed), reads each file's header only
 * and groups images by patient, study and series. For every series: orientation, slice count,
 * spacing, field of view and a role guess with its reason. Non-DICOM files are counted;
 * unusable DICOM files are listed with their typed code. Patients get pseudonyms; the
 * identifiers are returned apart, in `identities`, for a key file.
 */
export async function scanDicomTree(root: string, options: ScanOptions = {}): Promise<ScanOutput> {
  const s = await stat(root).catch((err) => {
    throw new MriIoError('NOT_FOUND', 'no such directory; check the path', root, { cause: err });
  });
  if (!s.isDirectory()) throw new MriIoError('BAD_ARGUMENT', 'expected a directory to scan', root);
  if (options.salt !== undefined && options.salt.length === 0)
    throw new MriIoError('BAD_ARGUMENT', 'the pseudonym salt is empty');
  const files: string[] = [];
  await walk(root, files);
  const headBytes = options.headBytes ?? 16 * 1024;
  const maxBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  const skipped: ScanSkipped[] = [];
  let nonDicom = 0;
  let done = 0;
  const scanned = await mapLimit(files, options.concurrency ?? 16, async (path) => {
    try {
      const f = await scanFile(path, headBytes, maxBytes);
      if (!f.header.hasPixelData && f.mediaStorageSOPClassUID === MEDIA_DIRECTORY) {
        skipped.push({
          path,
          code: 'NO_PIXEL_DATA',
          message: 'a DICOMDIR (media directory index), not needed',
        });
        return null;
      }
      if (!f.header.hasPixelData) {
        skipped.push({
          path,
          code: 'NO_PIXEL_DATA',
          message: `no Pixel Data (modality ${f.header.modality ?? 'unknown'})`,
        });
        return null;
      }
      if (!f.header.seriesInstanceUID) {
        skipped.push({ path, code: 'BAD_DICOM_HEADER', message: 'no SeriesInstanceUID (0020,000E)' });
        return null;
      }
      return f;
    } catch (err) {
      if (!isMriIoError(err)) throw err;
      if (err.code === 'NOT_DICOM') nonDicom++;
      else skipped.push({ path, code: err.code, message: err.message });
      return null;
    } finally {
      options.onFile?.(++done, files.length);
    }
  });
  const images = scanned.filter((f): f is ScannedFile => f !== null);
  const { patients, identities } = group(images, options.salt, skipped);
  skipped.sort((a, b) => byString(a.path, b.path));
  return {
    report: { root, files: files.length, images: images.length, nonDicom, patients, skipped },
    identities,
  };
}

function group(
  images: ScannedFile[],
  salt: Uint8Array | string | undefined,
  skipped: ScanSkipped[],
): { patients: ScanPatient[]; identities: PatientIdentity[] } {
  const byPatient = new Map<string, Map<string, Map<string, ScannedFile[]>>>();
  const seriesPerDir = new Map<string, Set<string>>();
  for (const f of images) {
    const study = f.header.studyInstanceUID ?? '';
    const series = f.header.seriesInstanceUID as string;
    let p = byPatient.get(f.patientId);
    if (!p) {
      p = new Map();
      byPatient.set(f.patientId, p);
    }
    let st = p.get(study);
    if (!st) {
      st = new Map();
      p.set(study, st);
    }
    const list = st.get(series);
    if (list) list.push(f);
    else st.set(series, [f]);
    const d = dirname(f.path);
    let set = seriesPerDir.get(d);
    if (!set) {
      set = new Set();
      seriesPerDir.set(d, set);
    }
    set.add(series);
  }
  const built = [...byPatient].map(([patientId, studies]) => {
    const out: ScanStudy[] = [];
    const accessions = new Set<string>();
    for (const [studyUid, seriesMap] of studies) {
      const all = [...seriesMap.values()].flat();
      for (const f of all) if (f.accession) accessions.add(f.accession);
      const series: ScanSeries[] = [];
      for (const [uid, list] of seriesMap) {
        try {
          series.push(describeSeries(uid, list, seriesPerDir));
        } catch (err) {
          if (!isMriIoError(err)) throw err;
          for (const f of list) skipped.push({ path: f.path, code: err.code, message: err.message });
        }
      }
      series.sort(
        (a, b) =>
          (a.seriesNumber ?? 0) - (b.seriesNumber ?? 0) || byString(a.seriesInstanceUID, b.seriesInstanceUID),
      );
      out.push({
        studyInstanceUID: studyUid,
        date: isoDate(all[0].studyDate),
        description: all[0].studyDescription,
        series,
      });
    }
    out.sort(
      (a, b) => byString(a.date ?? '', b.date ?? '') || byString(a.studyInstanceUID, b.studyInstanceUID),
    );
    return { patientId, studies: out, accessions: [...accessions].sort() };
  });
  // Sequential pseudonyms follow the first study (date, then UID), never the PatientID's order.
  built.sort(
    (a, b) =>
      byString(a.studies[0]?.date ?? '', b.studies[0]?.date ?? '') ||
      byString(a.studies[0]?.studyInstanceUID ?? '', b.studies[0]?.studyInstanceUID ?? ''),
  );
  const keys = built.map((b, i) => pseudonym(b.patientId, i, salt));
  const patients = built.map((b, i) => ({ key: keys[i], studies: b.studies }));
  const identities = built.map((b, i) => ({
    key: keys[i],
    patientId: b.patientId,
    accessionNumbers: b.accessions,
    studyInstanceUIDs: b.studies.map((s) => s.studyInstanceUID),
  }));
  patients.sort((a, b) => byString(a.key, b.key));
  identities.sort((a, b) => byString(a.key, b.key));
  return { patients, identities };
}

/** `P0001`... in order, or `P` + 12 hex digits of HMAC-SHA256(salt, PatientID). */
export function pseudonym(patientId: string, index: number, salt?: Uint8Array | string): string {
  if (salt === undefined) return `P${String(index + 1).padStart(4, '0')}`;
  return `P${createHmac('sha256', salt).update(patientId, 'utf8').digest('hex').slice(0, 12).toUpperCase()}`;
}

function describeSeries(
  uid: string,
  list: ScannedFile[],
  seriesPerDir: Map<string, Set<string>>,
): ScanSeries {
  const ordered = orderSeries(
    uid,
    list.map((f) => f.header),
  );
  const first = list[0];
  const h = first.header;
  const mixed =
    ordered.issues.some((i) => i.kind === 'orientation-mismatch') && mixedNormals(ordered.geometries);
  const iop = ordered.geometries[0]?.imageOrientationPatient;
  const o = orientationOf(iop ? ordered.normal : null, mixed);
  const files = [...new Set(ordered.files)];
  const { role, reason } = guessRole({
    imageType: first.imageType,
    seriesDescription: h.seriesDescription,
    protocolName: first.protocolName,
    sequenceName: first.sequenceName,
    scanningSequence: first.scanningSequence,
    repetitionTime: first.repetitionTime,
    echoTime: first.echoTime,
    inversionTime: first.inversionTime,
    orientation: o.orientation,
    slices: ordered.shape[0],
  });
  const ps = ordered.geometries[0]?.pixelSpacing ?? null;
  const dirs = new Set(files.map((f) => dirname(f)));
  const onlyDir = dirs.size === 1 ? [...dirs][0] : null;
  let image = ordered.midSagittal;
  let imageKind: ScanSeries['imageKind'] = 'mid-slice-file';
  if (onlyDir && seriesPerDir.get(onlyDir)?.size === 1) {
    image = onlyDir;
    imageKind = 'directory';
  } else if (files.length === 1) {
    image = files[0];
    imageKind = 'file';
  }
  return {
    seriesInstanceUID: uid,
    seriesNumber: h.seriesNumber,
    description: h.seriesDescription,
    protocolName: first.protocolName,
    modality: h.modality,
    ...o,
    role,
    reason,
    slices: ordered.shape[0],
    rows: h.rows,
    columns: h.columns,
    pixelSpacing: ps,
    sliceSpacing: mixed ? null : ordered.sliceSpacing,
    fov: ps ? [round(h.rows * ps[0]), round(h.columns * ps[1])] : null,
    repetitionTime: first.repetitionTime,
    echoTime: first.echoTime,
    inversionTime: first.inversionTime,
    enhanced: list.some((f) => f.header.frameInfo !== undefined),
    files,
    image,
    imageKind,
    issues: [...new Set(ordered.issues.map((i) => i.kind))],
  };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** True when the slice normals of a series differ by more than 10 degrees. */
function mixedNormals(geometries: Array<{ imageOrientationPatient: number[] | null }>): boolean {
  const normals: Vec3[] = [];
  for (const g of geometries) {
    const o = g.imageOrientationPatient;
    if (!o) continue;
    normals.push([o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]]);
  }
  const a = normals[0];
  if (!a) return false;
  return normals.some(
    (b) => Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2]) < Math.cos((10 * Math.PI) / 180),
  );
}
