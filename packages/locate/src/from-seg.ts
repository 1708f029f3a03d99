// Boxes from a label map another tool made (SPINEPS, TotalSpineSeg, TotalSegmentator, or any
// VerSe-coded mask): the same result shape as locateVertebrae, so their users can feed op-screen.
// The label map must be on the image's grid (those tools write it so); boxes are in its pixels.
import type { Slice2D } from '@op-screen/mri-io';
import { LocateError, type LocateWarning } from './errors.js';
import { boxInMm, LEVELS, type Level, type LocatedBox, type LocateResult, STUDY_LEVELS } from './locate.js';
import { type LocateInput, toSagittalStack } from './stack.js';
import { type BodyCentre, bodyCentres } from './targets.js';

/** Label value of each level, per tool. */
export const LABEL_TABLES: Record<
  'verse' | 'spineps' | 'totalspineseg' | 'totalsegmentator',
  Partial<Record<Level | 'S1', number>>
> = {
  // VerSe (Sekuboyina et al. 2021): C1-C7 = 1-7, T1-T12 = 8-19, L1-L5 = 20-24, L6 = 25, sacrum = 26, T13 = 28.
  verse: { T11: 18, T12: 19, L1: 20, L2: 21, L3: 22, L4: 23, L5: 24, S1: 26 },
  // SPINEPS instance masks use VerSe numbers for vertebrae (IVDs add 100, endplates 200: ignored).
  spineps: { T11: 18, T12: 19, L1: 20, L2: 21, L3: 22, L4: 23, L5: 24, S1: 26 },
  // TotalSpineSeg step-2 output: C1-C7 = 11-17, T1-T12 = 21-32, L1-L5 = 41-45, sacrum = 50.
  totalspineseg: { T11: 31, T12: 32, L1: 41, L2: 42, L3: 43, L4: 44, L5: 45, S1: 50 },
  // TotalSegmentator v2 "total" task (CT): vertebrae_S1 = 26, L5-L1 = 27-31, T12 = 32, T11 = 33.
  // Its MR task has one "vertebrae" class with no levels, which cannot be numbered.
  totalsegmentator: { T11: 33, T12: 32, L1: 31, L2: 30, L3: 29, L4: 28, L5: 27, S1: 26 },
};
export type LabelTableName = keyof typeof LABEL_TABLES;

export interface FromSegmentationOptions {
  /** A named table or a custom `{ "L1": value, ... }`. */
  labels: LabelTableName | Partial<Record<Level | 'S1', number>>;
  /** Use this slice instead of the one with the largest L1-L4 area. */
  slice?: number;
}

/** Each level's pixels on one slice (centroid, area, bounding box), through `table`. */
function levelBoxes(s: Slice2D, table: Partial<Record<string, number>>): Map<string, BodyCentre> {
  const byValue = new Map<number, string>();
  for (const [k, v] of Object.entries(table)) if (v !== undefined) byValue.set(v, k);
  const out = new Map<string, BodyCentre>();
  for (const b of bodyCentres(s)) {
    const level = byValue.get(b.label);
    if (level) out.set(level, b);
  }
  return out;
}

/** The located-result shape from a label map; confidence is 1 for every level the map holds. */
export function fromSegmentation(labelMap: LocateInput, options: FromSegmentationOptions): LocateResult {
  const table = typeof options.labels === 'string' ? LABEL_TABLES[options.labels] : options.labels;
  if (!table)
    throw new LocateError(
      'BAD_LABELS',
      `unknown label table "${String(options.labels)}"; use verse, spineps, totalspineseg or totalsegmentator, or pass a table`,
    );
  const { slices } = toSagittalStack(labelMap);
  let k = options.slice ?? -1;
  if (k < 0) {
    let best = 0;
    slices.forEach((s, i) => {
      const boxes = levelBoxes(s, table);
      const area = STUDY_LEVELS.reduce((sum, l) => sum + (boxes.get(l)?.area ?? 0), 0);
      if (area > best) {
        best = area;
        k = i;
      }
    });
    if (k < 0) {
      throw new LocateError(
        'BAD_LABELS',
        'the label map holds none of L1-L4 under this table: check --labels (each tool numbers levels differently)',
      );
    }
  }
  const s = slices[k];
  const boxes = levelBoxes(s, table);
  const warnings: LocateWarning[] = [];
  const levels: Partial<Record<Level, LocatedBox>> = {};
  for (const l of LEVELS) {
    const a = boxes.get(l);
    if (!a || a.area < 10) continue;
    const rect = { x: a.left, y: a.top, width: a.right - a.left + 1, height: a.bottom - a.top + 1 };
    levels[l] = boxInMm(s, rect, [a.r, a.c], 1);
  }
  const missing = STUDY_LEVELS.filter((l) => !levels[l]);
  if (missing.length)
    warnings.push({
      code: 'LEVELS_MISSING',
      message: `${missing.join(', ')} not in the label map on slice ${k}`,
    });
  let csf: LocatedBox | null = null;
  const l3 = levels.L3;
  if (l3) {
    const px = s.pixelSpacing[1];
    const x = Math.min(s.columns - 1, Math.round(l3.rect.x + l3.rect.width + 2 / px));
    const w = Math.max(1, Math.min(s.columns - x, Math.round(6 / px)));
    const y = Math.round(l3.rect.y + l3.rect.height / 4);
    const h = Math.max(1, Math.round(l3.rect.height / 2));
    csf = boxInMm(s, { x, y, width: w, height: h }, [y + (h - 1) / 2, x + (w - 1) / 2], 1);
  }
  return { slice: k, sliceCount: slices.length, levels, csf, numbering: null, warnings, weightsSha256: '' };
}
