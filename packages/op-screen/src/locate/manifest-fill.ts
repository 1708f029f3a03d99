// Fills a manifest's missing boxes from automatic localisation: roi (per level), slice and
// csf_roi, with roi_source (auto / manual) and roi_confidence. A box a person drew (roi set and
// roi_source not "auto") is never replaced without `force`. The file is rewritten atomically,
// keeping its delimiter, line ends, column order and every other cell.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LocateResult, Locator } from '@op-screen/locate';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { OpScreenError } from '../errors.js';
import { detectDelimiter, formatRoi } from '../manifest/index.js';
import { writeFileAtomic } from '../run/rundir.js';

export interface FillOptions {
  /** Unused by the fill itself (`locate` does the work); kept for callers that pass it. */
  locator?: Locator;
  /** Replace manual boxes too. */
  force?: boolean;
  /** Boxes below this confidence are not written (default 0.5). */
  minConfidence?: number;
  /** Locates one image (tests and callers may wrap it); default readLocateInput + locateVertebrae. */
  locate: (image: string) => Promise<LocateResult>;
  onImage?: (done: number, total: number) => void;
  /** Images located at once (default 1); `locate` must allow it (the CLI's runs in child processes). */
  concurrency?: number;
}

export interface FillReport {
  rows: number;
  /** Rows whose roi was written now. */
  filled: number;
  /** Rows that kept a manual box. */
  keptManual: number;
  /** Rows left without a box, by line number, with the reason (warning or error code). */
  notFilled: Array<{ line: number; code: string; reason: string }>;
  /** Images that could not be read (each counted once), by the first line that names it. */
  unreadable: Array<{ line: number; code: string; reason: string }>;
  /**
   * Where a patient's T1 and T2 rows of one level were both located: the distance between the two
   * centres in patient mm (the manifest pairs the series of one study, so they share a frame of
   * reference; a moved patient between the series shows here too).
   */
  disagreementMm: Array<{ lines: [number, number]; level: string; mm: number }>;
}

const NEW_COLUMNS = ['roi', 'slice', 'csf_roi', 'roi_source', 'roi_confidence'] as const;

export async function fillManifestBoxes(path: string, o: FillOptions): Promise<FillReport> {
  let text: string;
  try {
    text = (await readFile(path)).toString('utf8');
  } catch (err) {
    throw new OpScreenError(
      'MANIFEST_UNREADABLE',
      `cannot read the manifest (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      path,
    );
  }
  const delimiter = detectDelimiter(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const bom = text.startsWith('\uFEFF');
  let records: string[][];
  try {
    records = parse(text, {
      delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as string[][];
  } catch (err) {
    throw new OpScreenError('MANIFEST_UNREADABLE', `not valid CSV (${(err as Error).message})`, path);
  }
  if (records.length < 2)
    throw new OpScreenError('MANIFEST_UNREADABLE', 'the manifest has no data rows', path);
  const header = records[0].map((h) => h.trim().toLowerCase());
  for (const c of ['patient_id', 'sequence', 'level', 'image']) {
    if (!header.includes(c))
      throw new OpScreenError('MANIFEST_UNREADABLE', `the manifest lacks the column "${c}"`, path);
  }
  for (const c of NEW_COLUMNS)
    if (!header.includes(c)) {
      header.push(c);
      records[0].push(c);
    }
  const col = (name: string) => header.indexOf(name);
  const base = dirname(resolve(path));
  const report: FillReport = {
    rows: records.length - 1,
    filled: 0,
    keptManual: 0,
    notFilled: [],
    unreadable: [],
    disagreementMm: [],
  };
  const centres = new Map<string, { line: number; sequence: string; mm: readonly number[] }[]>();
  const images = new Map<string, number>(); // image -> first record index
  for (let i = 1; i < records.length; i++) {
    const r = records[i];
    while (r.length < header.length) r.push('');
    const img = r[col('image')].trim();
    if (img && !images.has(img)) images.set(img, i);
  }
  const results = new Map<string, LocateResult | { error: { code: string; reason: string } }>();
  let done = 0;
  const todo = [...images.keys()];
  const lane = async () => {
    for (let img = todo.shift(); img !== undefined; img = todo.shift()) {
      const abs = isAbsolute(img) ? img : resolve(base, img);
      try {
        results.set(img, await o.locate(abs));
      } catch (err) {
        const e = err as { code?: string; message?: string };
        results.set(img, {
          error: {
            code: e.code ?? 'UNREADABLE_IMAGE',
            reason: (e.message ?? String(err)).split(abs).join('IMAGE'),
          },
        });
      }
      o.onImage?.(++done, images.size);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 1, images.size)) }, lane));
  const min = o.minConfidence ?? 0.5;
  for (let i = 1; i < records.length; i++) {
    const r = records[i];
    const line = i + 1;
    const img = r[col('image')].trim();
    const level = r[col('level')].trim().toUpperCase();
    const source = r[col('roi_source')].trim().toLowerCase();
    const manual = r[col('roi')].trim() !== '' && source !== 'auto';
    if (manual && !o.force) {
      if (source === '') r[col('roi_source')] = 'manual';
      report.keptManual++;
      continue;
    }
    const res = results.get(img);
    if (!res) continue;
    if ('error' in res) {
      if (images.get(img) === i)
        report.unreadable.push({ line, code: res.error.code, reason: res.error.reason });
      report.notFilled.push({ line, code: res.error.code, reason: 'the image could not be read' });
      continue;
    }
    const box = res.levels[level as 'L1'];
    if (!box || box.confidence < min) {
      const why = res.warnings.find((w) => w.code !== 'LOW_CONFIDENCE' || !box) ?? res.warnings[0];
      report.notFilled.push({
        line,
        code: box ? 'LOW_CONFIDENCE' : (why?.code ?? 'NOT_FOUND'),
        reason: box
          ? `${level} found with confidence ${box.confidence.toFixed(2)} < ${min}`
          : (why?.message ?? `${level} not found`),
      });
      // a stale automatic box would be worse than none
      if (source === 'auto') {
        r[col('roi')] = '';
        r[col('roi_confidence')] = '';
        r[col('roi_source')] = '';
      }
      continue;
    }
    if (box.centerMm) {
      const key = `${r[col('patient_id')]}\u0000${level}`;
      const list = centres.get(key) ?? [];
      list.push({ line, sequence: r[col('sequence')].trim().toUpperCase(), mm: box.centerMm });
      centres.set(key, list);
    }
    r[col('roi')] = formatRoi(box.rect);
    r[col('slice')] = String(res.slice);
    r[col('roi_source')] = 'auto';
    r[col('roi_confidence')] = box.confidence.toFixed(3);
    const csfManual = r[col('csf_roi')].trim() !== '' && source !== 'auto';
    if (res.csf && (!csfManual || o.force)) r[col('csf_roi')] = formatRoi(res.csf.rect);
    report.filled++;
  }
  for (const [key, list] of centres) {
    const t1 = list.find((c) => c.sequence === 'T1');
    const t2 = list.find((c) => c.sequence === 'T2');
    if (!t1 || !t2) continue;
    const mm = Math.hypot(t1.mm[0] - t2.mm[0], t1.mm[1] - t2.mm[1], t1.mm[2] - t2.mm[2]);
    report.disagreementMm.push({
      lines: [t1.line, t2.line],
      level: key.split('\u0000')[1],
      mm: Math.round(mm * 10) / 10,
    });
  }
  const out =
    (bom ? '\uFEFF' : '') +
    stringify(records, { delimiter, record_delimiter: eol === '\r\n' ? 'windows' : 'unix' });
  await writeFileAtomic(path, out);
  return report;
}

/** One line for people: what was filled, kept, left, and how far T1 and T2 disagree. */
export function locateSummary(r: FillReport): string {
  const d = r.disagreementMm.map((x) => x.mm).sort((a, b) => a - b);
  const med = d.length
    ? ` T1/T2 centres ${d.length} pairs, median ${d[Math.floor((d.length - 1) / 2)].toFixed(1)} mm, max ${d[d.length - 1].toFixed(1)} mm apart;`
    : '';
  return `located: ${r.filled} of ${r.rows} rows filled, ${r.keptManual} manual kept, ${r.notFilled.length} not filled, ${r.unreadable.length} unreadable image(s);${med}`.replace(
    /;$/,
    '',
  );
}
