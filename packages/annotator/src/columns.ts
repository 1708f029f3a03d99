// The manifest columns the annotator owns, and their text forms. Pure: shared by the server
// (Node) and the page.
import type { Rect } from '@op-screen/mri-io';

export const LEVELS = ['L1', 'L2', 'L3', 'L4'] as const;
export type Level = (typeof LEVELS)[number];
export const SEQUENCES = ['T1', 'T2'] as const;
export type Sequence = (typeof SEQUENCES)[number];
/** Box labels: the four vertebrae and the CSF reference box. */
export const LABELS = [...LEVELS, 'CSF'] as const;
export type Label = (typeof LABELS)[number];

/** Why a vertebra is left out (the study excluded fractured and severely degenerated ones). */
export const EXCLUDE_REASONS = ['fracture', 'severe_degeneration'] as const;
export type ExcludeReason = (typeof EXCLUDE_REASONS)[number];

/**
 * The columns the annotator writes; every other column is left as it was. `roi_source` is
 * `auto` for a box `op-screen locate` proposed and nobody has accepted or corrected yet (with its
 * `roi_confidence`), `manual` for a box a person drew, accepted or corrected.
 */
export const OWNED_COLUMNS = ['roi', 'slice', 'csf_roi', 'exclude', 'roi_source', 'roi_confidence'] as const;
export type OwnedColumn = (typeof OWNED_COLUMNS)[number];

/**
 * A box in pixels of one slice: @op-screen/mri-io's `Rect` (top-left column `x`, row `y`, `width`,
 * `height`), as the manifest's `roi` parses into everywhere.
 */
export type PixelBox = Rect;

/** The annotator's columns of one manifest row, as text exactly as they appear in the CSV. */
export type OwnedCells = Record<OwnedColumn, string>;

/** "x,y,w,h" to a box; undefined for an empty cell or one that is not four non-negative integers with w, h > 0. */
export function parseBox(text: string): PixelBox | undefined {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*$/.exec(text);
  if (!m) return undefined;
  const [x, y, width, height] = m.slice(1).map(Number) as [number, number, number, number];
  return width > 0 && height > 0 ? { x, y, width, height } : undefined;
}

export function formatBox(b: PixelBox | undefined): string {
  return b ? `${b.x},${b.y},${b.width},${b.height}` : '';
}

export function parseExclude(text: string): ExcludeReason | undefined {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  return (EXCLUDE_REASONS as readonly string[]).includes(t) ? (t as ExcludeReason) : undefined;
}

export function parseSliceIndex(text: string): number | undefined {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : undefined;
}

/** One manifest row as the page sees it: where it is, what it is, and the owned cells. */
export interface AnnotationRow {
  /** 0-based index among the CSV's data records (header excluded), the row's identity when saving. */
  index: number;
  patientId: string;
  sequence: Sequence;
  level: Level;
  cells: OwnedCells;
}

/** One series the page may read: the URLs of its files (the server serves these and nothing else). */
export interface SeriesFiles {
  patientId: string;
  sequence: Sequence;
  files: string[];
}

/** What GET /api/manifest returns. */
export interface AnnotationState {
  /** sha256 of the manifest bytes this state was read from; a save must name it. */
  version: string;
  rows: AnnotationRow[];
  series: SeriesFiles[];
  /** Rows the annotator cannot handle (bad sequence/level), by 1-based CSV line, with the reason. */
  ignored: Array<{ line: number; reason: string }>;
}

/** What PUT /api/manifest accepts: the version it edits, and the owned cells of changed rows. */
export interface SaveRequest {
  version: string;
  rows: Array<{ index: number; cells: OwnedCells }>;
}
