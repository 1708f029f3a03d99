// Fills a manifest's missing boxes from automatic localisation: roi (per level), slice and
// csf_roi, with roi_source (auto / manual) and roi_confidence. A box a person drew (roi set and
// roi_source not "auto") is never replaced without `force`. The cells are written by
// @op-screen/study's editManifestCells: atomically, untouched rows byte for byte, and refused when
// the file changed while the series were being located.
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LocateResult, Locator } from '@op-screen/locate';
import { type CellEdit, editManifestCells, formatRoi, readManifestTable } from '@op-screen/study';

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
  const table = await readManifestTable(path);
  const records = table.rows;
  const header = table.columns;
  const cellOf = (r: string[], name: string) => {
    const i = header.indexOf(name);
    return i < 0 ? '' : (r[i] ?? '');
  };
  const base = dirname(resolve(path));
  const report: FillReport = {
    rows: records.length,
    filled: 0,
    keptManual: 0,
    notFilled: [],
    unreadable: [],
    disagreementMm: [],
  };
  const centres = new Map<string, { line: number; sequence: string; mm: readonly number[] }[]>();
  const images = new Map<string, number>(); // image -> first record index
  records.forEach((r, i) => {
    const img = cellOf(r, 'image').trim();
    if (img && !images.has(img)) images.set(img, i);
  });
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
  const edits: CellEdit[] = [];
  records.forEach((r, i) => {
    const line = i + 2;
    const cells: Record<string, string> = {};
    const edit = () => edits.push({ index: i, cells });
    const level = cellOf(r, 'level').trim().toUpperCase();
    const img = cellOf(r, 'image').trim();
    const source = cellOf(r, 'roi_source').trim().toLowerCase();
    const manual = cellOf(r, 'roi').trim() !== '' && source !== 'auto';
    if (manual && !o.force) {
      if (source === '') {
        cells.roi_source = 'manual';
        edit();
      }
      report.keptManual++;
      return;
    }
    const res = results.get(img);
    if (!res) return;
    if ('error' in res) {
      if (images.get(img) === i)
        report.unreadable.push({ line, code: res.error.code, reason: res.error.reason });
      report.notFilled.push({ line, code: res.error.code, reason: 'the image could not be read' });
      return;
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
        Object.assign(cells, { roi: '', roi_confidence: '', roi_source: '' });
        edit();
      }
      return;
    }
    if (box.centerMm) {
      const key = `${cellOf(r, 'patient_id')}\u0000${level}`;
      const list = centres.get(key) ?? [];
      list.push({ line, sequence: cellOf(r, 'sequence').trim().toUpperCase(), mm: box.centerMm });
      centres.set(key, list);
    }
    cells.roi = formatRoi(box.rect);
    cells.slice = String(res.slice);
    cells.roi_source = 'auto';
    cells.roi_confidence = box.confidence.toFixed(3);
    const csfManual = cellOf(r, 'csf_roi').trim() !== '' && source !== 'auto';
    if (res.csf && (!csfManual || o.force)) cells.csf_roi = formatRoi(res.csf.rect);
    edit();
    report.filled++;
  });
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
  await editManifestCells(path, edits, { version: table.version, columns: NEW_COLUMNS });
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
