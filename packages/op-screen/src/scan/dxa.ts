import { readFile } from 'node:fs/promises';
import { OpScreenError } from '@op-screen/pipeline';
import { LEVEL_NAMES, type ManifestLevel } from '@op-screen/study';
import { parse } from 'csv-parse/sync';

/** One DXA T-score of one vertebra, keyed by the hospital PatientID (never written anywhere). */
export interface DxaEntry {
  level: ManifestLevel;
  tScore: number;
  /** YYYY-MM-DD, or null when the CSV has no date column (or the cell is empty). */
  date: string | null;
  /** CSV line (header = 1), for reports. */
  line: number;
}

export interface DxaTable {
  /** PatientID -> entries. */
  byPatient: Map<string, DxaEntry[]>;
  format: 'wide' | 'long';
  /** Rows that could not be read: line and reason, never the row's identifiers. */
  skipped: Array<{ line: number; reason: string }>;
}

/** Default window, in days, between a dated DXA and the MRI study date. */
export const DEFAULT_DXA_WINDOW_DAYS = 365;

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)\s*$/;

function parseDate(raw: string | undefined): string | null | 'bad' {
  const s = (raw ?? '').trim();
  if (s === '') return null;
  let m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(s); // DD.MM.YYYY, common in European exports
  if (m) return `${m[3]}-${m[2]}-${m[1]}`;
  return 'bad';
}

/**
 * Parses a DXA CSV: wide (`patient_id,L1,L2,L3,L4[,date]`) or long
 * (`patient_id,level,t_score[,date]`), patient_id being the hospital PatientID. Dates:
 * YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY. Bad cells skip that value with the line number.
 */
export function parseDxa(text: string, path: string): DxaTable {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
    });
  } catch (err) {
    throw new OpScreenError('DXA_UNREADABLE', `${path} is not valid CSV (${(err as Error).message}).`, path);
  }
  const header = records.length ? Object.keys(records[0] as object) : [];
  if (!header.includes('patient_id'))
    throw new OpScreenError('DXA_UNREADABLE', `${path} lacks the column "patient_id".`, path);
  const long = header.includes('level') && header.includes('t_score');
  const wide = LEVEL_NAMES.some((l) => header.includes(l.toLowerCase()));
  if (!long && !wide)
    throw new OpScreenError(
      'DXA_UNREADABLE',
      `${path} has neither level,t_score columns (long) nor L1..L4 columns (wide).`,
      path,
    );
  const byPatient = new Map<string, DxaEntry[]>();
  const skipped: DxaTable['skipped'] = [];
  for (const [i, rec] of records.entries()) {
    const line = i + 2;
    const id = (rec.patient_id ?? '').trim();
    const skip = (reason: string) => {
      skipped.push({ line, reason });
    };
    if (!id) {
      skip('patient_id is empty');
      continue;
    }
    const date = parseDate(rec.date);
    if (date === 'bad') {
      skip('date is not YYYY-MM-DD, YYYYMMDD or DD.MM.YYYY');
      continue;
    }
    const add = (level: ManifestLevel, raw: string | undefined) => {
      if (raw === undefined || raw.trim() === '') return;
      if (!NUMBER.test(raw) || Math.abs(Number(raw)) > 10)
        return skip(`${level} T-score is not a number in [-10, 10]`);
      const list = byPatient.get(id) ?? [];
      list.push({ level, tScore: Number(raw), date, line });
      byPatient.set(id, list);
    };
    if (long) {
      const level = (rec.level ?? '').trim().toUpperCase();
      if ((LEVEL_NAMES as readonly string[]).includes(level)) add(level as ManifestLevel, rec.t_score);
      else skip('level must be one of L1, L2, L3, L4');
    } else {
      for (const l of LEVEL_NAMES) add(l, rec[l.toLowerCase()]);
    }
  }
  return { byPatient, format: long ? 'long' : 'wide', skipped };
}

export async function readDxa(path: string): Promise<DxaTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new OpScreenError(
      'DXA_UNREADABLE',
      `cannot read the DXA file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      path,
    );
  }
  return parseDxa(text, path);
}

function days(a: string, b: string): number {
  return Math.abs(Date.parse(`${a}T00:00:00Z`) - Date.parse(`${b}T00:00:00Z`)) / 86_400_000;
}

export type DxaMatch =
  | { status: 'matched'; tScores: Partial<Record<ManifestLevel, number>>; days: number | null }
  | { status: 'missing' | 'out-of-window' | 'ambiguous' };

/**
 * T-scores of one patient for an MRI study on `studyDate`. The rule, per level: entries with a
 * date count only within `windowDays` of the study and the closest wins (ties: the later DXA);
 * undated entries are used only when the level has exactly one (several: `ambiguous`). A
 * patient with no usable entry is `missing` (no row at all) or `out-of-window`.
 */
export function matchDxa(
  entries: DxaEntry[] | undefined,
  studyDate: string | null,
  windowDays: number,
): DxaMatch {
  if (!entries || entries.length === 0) return { status: 'missing' };
  const tScores: Partial<Record<ManifestLevel, number>> = {};
  let maxDays: number | null = null;
  let ambiguous = false;
  for (const level of LEVEL_NAMES) {
    const list = entries.filter((e) => e.level === level);
    const dated = list.filter((e) => e.date !== null);
    if (dated.length > 0 && studyDate) {
      const near = dated
        .map((e) => ({ e, d: days(e.date as string, studyDate) }))
        .filter((x) => x.d <= windowDays)
        .sort((a, b) => a.d - b.d || ((b.e.date as string) < (a.e.date as string) ? -1 : 1));
      if (near[0]) {
        tScores[level] = near[0].e.tScore;
        maxDays = Math.max(maxDays ?? 0, near[0].d);
      }
      continue;
    }
    const undated = list.filter((e) => e.date === null || !studyDate);
    if (undated.length === 1) tScores[level] = undated[0].tScore;
    else if (undated.length > 1) ambiguous = true;
  }
  if (Object.keys(tScores).length > 0) return { status: 'matched', tScores, days: maxDays };
  return { status: ambiguous ? 'ambiguous' : 'out-of-window' };
}
