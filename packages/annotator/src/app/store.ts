// The page's annotation model: per patient and sequence the labelled boxes, per vertebra the
// exclusion; converted to and from the manifest's owned cells; undo/redo over whole snapshots.
import {
  type AnnotationRow,
  type ExcludeReason,
  formatBox,
  type Label,
  LEVELS,
  type Level,
  type OwnedCells,
  type PixelBox,
  parseBox,
  parseExclude,
  parseSliceIndex,
  SEQUENCES,
  type Sequence,
} from '../columns.js';

/** A box and the slice it was drawn on (undefined: the series' default mid-sagittal slice). */
export interface PlacedBox {
  box: PixelBox;
  slice: number | undefined;
  /** Set while the box is an automatic proposal nobody has accepted or corrected. */
  proposal?: { confidence: number };
}
export interface SequenceBoxes {
  boxes: Partial<Record<Label, PlacedBox>>;
}
export interface PatientAnnotation {
  T1: SequenceBoxes;
  T2: SequenceBoxes;
  exclude: Partial<Record<Level, ExcludeReason>>;
}
export type Model = Record<string, PatientAnnotation>;
export type PatientStatus = 'done' | 'todo' | 'excluded';

const empty = (): PatientAnnotation => ({ T1: { boxes: {} }, T2: { boxes: {} }, exclude: {} });

/** Builds the model from the manifest rows' owned cells. */
export function modelFromRows(rows: AnnotationRow[]): Model {
  const model: Model = {};
  for (const r of rows) {
    if (!model[r.patientId]) model[r.patientId] = empty();
    const p = model[r.patientId];
    const box = parseBox(r.cells.roi);
    const auto = r.cells.roi_source?.trim().toLowerCase() === 'auto';
    const proposal = auto ? { confidence: Number(r.cells.roi_confidence) || 0 } : undefined;
    if (box)
      p[r.sequence].boxes[r.level] = {
        box,
        slice: parseSliceIndex(r.cells.slice),
        ...(proposal ? { proposal } : {}),
      };
    const csf = parseBox(r.cells.csf_roi);
    if (csf && !p[r.sequence].boxes.CSF)
      p[r.sequence].boxes.CSF = { box: csf, slice: undefined, ...(proposal ? { proposal } : {}) };
    const ex = parseExclude(r.cells.exclude);
    if (ex && !p.exclude[r.level]) p.exclude[r.level] = ex;
  }
  return model;
}

/** The owned cells a row should hold under `model`. */
export function cellsFor(model: Model, row: AnnotationRow): OwnedCells {
  const p = model[row.patientId] ?? empty();
  const placed = p[row.sequence].boxes[row.level];
  return {
    roi: formatBox(placed?.box),
    slice: placed?.slice === undefined ? '' : String(placed.slice),
    csf_roi: formatBox(p[row.sequence].boxes.CSF?.box),
    exclude: p.exclude[row.level] ?? '',
    roi_source: placed ? (placed.proposal ? 'auto' : 'manual') : '',
    roi_confidence: placed?.proposal ? placed.proposal.confidence.toFixed(3) : '',
  };
}

/** Accepts every proposal of a patient (both sequences, CSF too): they become manual boxes. */
export function acceptProposals(p: PatientAnnotation): number {
  let n = 0;
  for (const s of SEQUENCES)
    for (const placed of Object.values(p[s].boxes)) {
      if (placed?.proposal) {
        delete placed.proposal;
        n++;
      }
    }
  return n;
}

export function patientStatus(p: PatientAnnotation): PatientStatus {
  if (LEVELS.every((l) => p.exclude[l])) return 'excluded';
  // a proposal nobody accepted leaves the patient to do
  const complete = SEQUENCES.every(
    (s: Sequence) =>
      p[s].boxes.CSF &&
      !p[s].boxes.CSF.proposal &&
      LEVELS.every((l) => p.exclude[l] || (p[s].boxes[l] && !p[s].boxes[l]?.proposal)),
  );
  return complete ? 'done' : 'todo';
}

/** Undo/redo over snapshots of the whole model (a manifest's model is a few hundred KB at most). */
export class History {
  private past: string[] = [];
  private future: string[] = [];
  constructor(private current: Model) {}
  get model(): Model {
    return this.current;
  }
  /** Applies an edit to a copy of the model and makes it current. */
  edit(change: (m: Model) => void): Model {
    const next = structuredClone(this.current);
    change(next);
    this.past.push(JSON.stringify(this.current));
    this.future = [];
    this.current = next;
    return next;
  }
  undo(): boolean {
    const prev = this.past.pop();
    if (prev === undefined) return false;
    this.future.push(JSON.stringify(this.current));
    this.current = JSON.parse(prev) as Model;
    return true;
  }
  redo(): boolean {
    const next = this.future.pop();
    if (next === undefined) return false;
    this.past.push(JSON.stringify(this.current));
    this.current = JSON.parse(next) as Model;
    return true;
  }
}
