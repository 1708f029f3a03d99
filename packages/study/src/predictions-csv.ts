import { type KeyedScore, MetricsError, mergeViews, type PredictionRow } from '@op-screen/metrics';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';

/**
 * The columns of a run's `predictions.csv` (`arch` first when several architectures were
 * compared). `split` is `train` or `val` (per fold) or `test` (the fold ensemble, `fold` = `all`);
 * `score` is written at full precision.
 */
export const PREDICTION_COLUMNS = ['patient_id', 'sequence', 'level', 'fold', 'split', 'label', 'score'];

/**
 * Columns after {@link PREDICTION_COLUMNS} in files written since recalibration: `probability`,
 * the score through its sequence's image-level recalibration map, and `answer`, the patient's
 * three-way answer for that sequence (`low`, `indeterminate`, `high`) on `test` rows, empty on the
 * folds' rows. Readers that need only the score ignore them.
 */
export const CALIBRATED_COLUMNS = ['probability', 'answer'];

/** One row of predictions.csv: one vertebra image's score in one fold's split, or the ensemble's test score. */
export interface PredictionRecord {
  /** Set for every row of a run that compared several architectures, never otherwise. */
  arch?: string;
  patientId: string;
  sequence: string;
  level: string;
  /** The fold (`0`, `1`, ...) for train/val rows, `all` for the fold ensemble's test rows. */
  fold: number | 'all';
  split: 'train' | 'val' | 'test';
  label: 0 | 1;
  score: number;
  /** The score recalibrated (image-level map of its sequence). */
  probability: number;
  /** The patient's answer for this sequence on test rows; null on the folds' rows. */
  answer: 'low' | 'indeterminate' | 'high' | null;
}

/**
 * predictions.csv's text (the one writer of it): every field quoted (a patient_id is the
 * manifest's text), scores at full precision (rounding to 6 digits made ties that changed AUCs
 * computed from the file), `arch` first when the rows carry it.
 */
export function predictionsCsv(rows: readonly PredictionRecord[]): string {
  const withArch = rows.length > 0 && rows[0]?.arch !== undefined;
  const columns = [...PREDICTION_COLUMNS, ...CALIBRATED_COLUMNS];
  const header = withArch ? ['arch', ...columns] : columns;
  const body = rows.map((r) => {
    const cells = [
      r.patientId,
      r.sequence,
      r.level,
      String(r.fold),
      r.split,
      String(r.label),
      String(r.score),
      String(r.probability),
      r.answer ?? '',
    ];
    return withArch ? [r.arch as string, ...cells] : cells;
  });
  return stringify([header, ...body], { quoted: true, quoted_empty: true });
}

/** True when a CSV text is a run's predictions.csv (by its header) rather than a plain `label, score` table. */
export function isRunPredictions(text: string): boolean {
  let header: string[];
  try {
    header = (parse(text, { bom: true, to_line: 1, relax_column_count: true }) as string[][])[0] ?? [];
  } catch {
    return false; // the plain reader says what is wrong with it
  }
  const h = header.map((c) => c.trim().toLowerCase());
  return PREDICTION_COLUMNS.every((c) => h.includes(c));
}

/** One result of a run as `report.json` has it: hold-out test rows of one sequence, or both. */
export interface RunResultRows {
  /** The architecture, for a run that compared several; null otherwise. */
  arch: string | null;
  /**
   * `T1`, `T2` or `both` (per vertebra, the mean of its T1 and T2 test probabilities). For T1 and
   * T2 this is report.json's result exactly. report.json's both recalibrates each fold model's mean
   * of T1 and T2 with its own map, which the file does not hold: its both AUC can differ slightly.
   */
  result: string;
  /** label, score and patient (as `group`) of each hold-out test vertebra. */
  rows: PredictionRow[];
}

/**
 * Reads a run's predictions.csv back into the results `report.json` was computed from: only the
 * `test` rows (never the folds' train/validation rows), per architecture and sequence, with the
 * patient as the group, and `both` merged per vertebra (the mean of its T1 and T2 rows). The score is the
 * row's `probability` (recalibrated, as report.json's blocks) when the file has that column, its
 * `score` otherwise (files written before recalibration).
 */
export function runResultRows(text: string, file?: string): RunResultRows[] {
  let records: Array<Record<string, string>>;
  try {
    records = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
    });
  } catch (err) {
    throw new MetricsError(
      'CSV_PARSE',
      `not a readable CSV table (${(err as { code?: string }).code ?? 'parse error'})`,
      file,
    );
  }
  const byArch = new Map<string, Map<string, KeyedScore[]>>();
  const labelOf = new Map<string, 0 | 1>();
  records.forEach((r, i) => {
    if (r.split !== 'test') return;
    const label = r.label === '1' ? 1 : r.label === '0' ? 0 : null;
    // the recalibrated probability (what report.json's blocks use) when the file has it
    const score = Number(r.probability !== undefined && r.probability !== '' ? r.probability : r.score);
    if (label === null || !Number.isFinite(score))
      throw new MetricsError('INVALID_LABEL', `line ${i + 2}: label must be 0 or 1 and score a number`, file);
    const arch = r.arch ?? '';
    const key = `${arch}\u0000${r.patient_id}\u0000${r.level}\u0000${r.sequence}`;
    labelOf.set(key, label);
    const seqs = byArch.get(arch) ?? new Map<string, KeyedScore[]>();
    byArch.set(arch, seqs);
    const list = seqs.get(r.sequence as string) ?? [];
    seqs.set(r.sequence as string, list);
    list.push({ key, score });
  });
  if (byArch.size === 0) throw new MetricsError('EMPTY_INPUT', 'the run predictions have no test rows', file);
  const unit = (key: string) => key.split('\u0000').slice(0, 3).join('\u0000');
  const toRows = (entries: KeyedScore[]): PredictionRow[] =>
    entries.map((e) => ({
      label: labelOf.get(e.key) as 0 | 1,
      score: e.score,
      group: e.key.split('\u0000')[1] as string,
    }));
  const out: RunResultRows[] = [];
  for (const [arch, seqs] of byArch) {
    for (const seq of ['T1', 'T2']) {
      const entries = seqs.get(seq);
      if (entries) out.push({ arch: arch || null, result: seq, rows: toRows(entries) });
    }
    const t1 = seqs.get('T1');
    const t2 = seqs.get('T2');
    if (t1 && t2) out.push({ arch: arch || null, result: 'both', rows: toRows(mergeViews([t1, t2], unit)) });
  }
  return out;
}
