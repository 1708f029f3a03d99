import { parse } from 'csv-parse/sync';
import { MetricsError } from './errors.js';
import type { PredictionRow } from './evaluate.js';

/**
 * Parses a predictions table: CSV with a header and columns `label` (0/1) and `score`, optional
 * `score2` (a second scorer on the same cases) and `group` (patient id). Other columns are ignored.
 * `file` only labels error messages. Errors name the line and the reason, never a group value.
 */
export function parsePredictionsCsv(text: string, options: { file?: string } = {}): PredictionRow[] {
  const file = options.file;
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    }) as string[][];
  } catch (err) {
    throw new MetricsError('CSV_PARSE', `not a readable CSV table (${(err as Error).message})`, file);
  }
  if (records.length === 0)
    throw new MetricsError('EMPTY_INPUT', 'the file is empty; expected a header and rows', file);
  const header = records[0].map((h) => h.toLowerCase());
  const col = (name: string) => header.indexOf(name);
  const iLabel = col('label');
  const iScore = col('score');
  for (const [name, i] of [
    ['label', iLabel],
    ['score', iScore],
  ] as const) {
    if (i < 0) {
      throw new MetricsError(
        'MISSING_COLUMN',
        `no '${name}' column in the header (found: ${records[0].join(', ')}); columns label and score are required`,
        file,
      );
    }
  }
  const iScore2 = col('score2');
  const iGroup = col('group');
  if (records.length === 1) throw new MetricsError('EMPTY_INPUT', 'the table has a header but no rows', file);
  const number = (raw: string, what: string, line: number) => {
    const v = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(v)) {
      throw new MetricsError(
        'NON_FINITE_SCORE',
        `line ${line}: ${what} '${raw.slice(0, 20)}' is not a finite number; fix or drop that row`,
        file,
      );
    }
    return v;
  };
  const rows: PredictionRow[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    const line = r + 1;
    const rawLabel = rec[iLabel];
    const label = Number(rawLabel);
    if (rawLabel === '' || (label !== 0 && label !== 1)) {
      throw new MetricsError(
        'INVALID_LABEL',
        `line ${line}: label '${rawLabel.slice(0, 20)}' must be 0 or 1`,
        file,
      );
    }
    const row: PredictionRow = { label, score: number(rec[iScore], 'score', line) };
    if (iScore2 >= 0) row.score2 = number(rec[iScore2], 'score2', line);
    if (iGroup >= 0) {
      if (rec[iGroup] === '')
        throw new MetricsError(
          'INVALID_ARGUMENT',
          `line ${line}: group is empty; every row needs a group`,
          file,
        );
      row.group = rec[iGroup];
    }
    rows.push(row);
  }
  return rows;
}
