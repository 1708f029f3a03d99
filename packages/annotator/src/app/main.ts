// The annotator page: queue, two viewers (T1, T2), exclusions, shortcuts, undo/redo, and a save
// to the manifest after every edit.
import {
  type AnnotationRow,
  type AnnotationState,
  EXCLUDE_REASONS,
  type ExcludeReason,
  LABELS,
  type Label,
  LEVELS,
  type Level,
  type OwnedCells,
  type PixelBox,
  SEQUENCES,
  type Sequence,
} from '../columns.js';
import { mapBox } from '../geometry.js';
import { modelLoaded, predictions, renderPredictions, startModel } from './model-ui.js';
import { drawPreview } from './preview.js';
import { type LoadedSeries, loadSeries } from './series.js';
import { acceptProposals, cellsFor, History, type Model, modelFromRows, patientStatus } from './store.js';
import { COLOURS, Viewer } from './viewer.js';

const token = new URLSearchParams(location.search).get('token') ?? '';
const $ = <T extends HTMLElement>(sel: string) => document.querySelector(sel) as T;

interface Session {
  state: AnnotationState;
  saved: Map<number, OwnedCells>;
  version: string;
  history: History;
  patients: string[];
  current: string;
  label: Label;
  active: Sequence;
  viewers: Partial<Record<Sequence, Viewer>>;
  cache: Map<string, Promise<LoadedSeries>>;
  /** Patients a series of which could not be read, with why: marked in the queue, never fatal. */
  unreadable: Map<string, string>;
  saving: boolean;
  pending: boolean;
  blocked: boolean;
}
let S: Session;

function setStatus(state: string, text: string): void {
  const el = $('#status');
  el.dataset.state = state;
  el.textContent = text;
}

async function api<T>(method: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/manifest?token=${token}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json()) as T & { code?: string; message?: string };
  if (!res.ok) throw Object.assign(new Error(json.message ?? `HTTP ${res.status}`), { code: json.code });
  return json;
}

/** Sends every row whose owned cells differ from what is on disk; one save at a time. */
async function save(): Promise<void> {
  if (S.blocked) return;
  if (S.saving) {
    S.pending = true;
    return;
  }
  const rows = S.state.rows
    .map((r) => ({ index: r.index, cells: cellsFor(S.history.model, r) }))
    .filter(({ index, cells }) => JSON.stringify(cells) !== JSON.stringify(S.saved.get(index)));
  if (rows.length === 0) return setStatus('saved', 'all changes saved');
  S.saving = true;
  setStatus('saving', 'saving…');
  try {
    const { version } = await api<{ version: string }>('PUT', { version: S.version, rows });
    S.version = version;
    for (const r of rows) S.saved.set(r.index, r.cells);
    setStatus('saved', 'all changes saved');
  } catch (err) {
    const conflict = (err as { code?: string }).code === 'MANIFEST_CHANGED';
    S.blocked = conflict;
    setStatus(
      conflict ? 'conflict' : 'error',
      conflict
        ? 'Not saved: the manifest changed on disk since this page loaded it. Reload the page to load the new version.'
        : `Not saved: ${(err as Error).message}`,
    );
  } finally {
    S.saving = false;
  }
  if (S.pending) {
    S.pending = false;
    await save();
  }
}

function edit(change: (m: Model) => void): void {
  S.history.edit(change);
  refresh();
  void save();
}

function seriesFor(pid: string, seq: Sequence): Promise<LoadedSeries> {
  const key = `${pid}\u0000${seq}`;
  let p = S.cache.get(key);
  if (!p) {
    const files = S.state.series.find((s) => s.patientId === pid && s.sequence === seq)?.files ?? [];
    p = loadSeries(files, token);
    S.cache.set(key, p);
  }
  return p;
}

function renderQueue(): void {
  const counts = { done: 0, todo: 0, excluded: 0 };
  const items = S.patients.map((pid) => {
    const status = patientStatus(S.history.model[pid]);
    counts[status]++;
    const li = document.createElement('li');
    li.textContent = pid;
    li.dataset.patient = pid;
    li.dataset.status = status;
    const why = S.unreadable.get(pid);
    if (why) {
      li.dataset.unreadable = 'true';
      li.title = why;
    }
    if (pid === S.current) li.className = 'current';
    li.onclick = () => void showPatient(pid);
    return li;
  });
  $('#queue').replaceChildren(...items);
  const vertebrae = S.patients.reduce((n, pid) => n + Object.keys(S.history.model[pid].exclude).length, 0);
  $('#progress').innerHTML =
    `patients: done <b id="n-done">${counts.done}</b> · to do <b id="n-todo">${counts.todo}</b> · excluded <b id="n-excluded">${counts.excluded}</b> of ${S.patients.length}` +
    ` · vertebrae excluded <b id="n-vertebrae-excluded">${vertebrae}</b>`;
}

function renderPreviews(seq: Sequence): void {
  const v = S.viewers[seq];
  if (!v) return;
  const holder = document.querySelector(`.panel[data-seq='${seq}'] .previews`) as HTMLElement;
  const figs = LABELS.filter((l) => v.boxes[l]).map((label) => {
    const placed = v.boxes[label] as { box: PixelBox; slice: number | undefined };
    const fig = document.createElement('figure');
    const c = document.createElement('canvas');
    c.width = 90;
    c.height = 90;
    c.dataset.label = label;
    const slice = v.series.slices[label === 'CSF' ? v.slice : (placed.slice ?? v.series.midIndex)];
    drawPreview(c, slice, placed.box);
    const cap = document.createElement('figcaption');
    cap.textContent = label;
    cap.style.color = COLOURS[label];
    fig.append(c, cap);
    return fig;
  });
  holder.replaceChildren(...figs);
}

/** With --model: the fold models' probabilities and Grad-CAM overlays for the current boxes. */
function showPredictions(): void {
  if (!modelLoaded()) return;
  const shown = Object.fromEntries(Object.entries(S.viewers).map(([seq, v]) => [seq, v.series]));
  const p = S.history.model[S.current];
  try {
    renderPredictions(S.current, shown, p, p.exclude);
  } catch (err) {
    setStatus('error', `prediction failed: ${(err as Error).message}`);
  }
}

/** Pushes the model of the current patient into the viewers and controls. */
function refresh(): void {
  const p = S.history.model[S.current];
  for (const seq of SEQUENCES) {
    const v = S.viewers[seq];
    if (!v) continue;
    v.boxes = structuredClone(p[seq].boxes);
    v.excluded = { ...p.exclude };
    v.render();
  }
  // After the image is on screen: the study preprocessing of the crops (and, with --model, the
  // fold models on them) takes a while.
  const pid = S.current;
  setTimeout(() => {
    if (S.current !== pid) return;
    for (const seq of SEQUENCES) renderPreviews(seq);
    showPredictions();
  }, 0);
  for (const level of LEVELS) {
    const sel = document.querySelector(`#excludes select[data-level='${level}']`) as HTMLSelectElement;
    sel.value = p.exclude[level] ?? '';
  }
  renderQueue();
}

function buildPanel(seq: Sequence, series: LoadedSeries, slot: HTMLElement): Viewer {
  const panel = document.createElement('section');
  panel.className = 'panel';
  panel.dataset.seq = seq;
  panel.innerHTML = `<h2>${seq}</h2><canvas class="view" width="512" height="512"></canvas>
    <div class="controls">
      <span>slice</span><input type="range" class="slice" min="0" step="1"><span class="slice-no"></span>
      <span>window</span><input type="range" class="window" min="0" max="1000"><span></span>
      <span>level</span><input type="range" class="level" min="0" max="1000"><span></span>
    </div><div class="previews"></div><div class="prediction"></div>`;
  slot.append(panel);
  const viewer = new Viewer(panel.querySelector('canvas') as HTMLCanvasElement, series, {
    label: () => S.label,
    focus: (label) => {
      S.active = seq;
      if (label) selectLabel(label);
    },
    commit: (label, box, slice) =>
      edit((m) => {
        m[S.current][seq].boxes[label] = { box, slice: label === 'CSF' ? undefined : slice };
      }),
  });
  const q = <T extends HTMLElement>(c: string) => panel.querySelector(c) as T;
  const sl = q<HTMLInputElement>('.slice');
  sl.max = String(series.slices.length - 1);
  sl.value = String(viewer.slice);
  q('.slice-no').textContent = String(viewer.slice);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of series.slices)
    for (const v of s.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  const range = Math.max(1e-6, max - min);
  const win = q<HTMLInputElement>('.window');
  const lev = q<HTMLInputElement>('.level');
  win.value = String(Math.round((viewer.window / range) * 1000));
  lev.value = String(Math.round(((viewer.level - min) / range) * 1000));
  sl.oninput = () => {
    viewer.slice = Number(sl.value);
    q('.slice-no').textContent = sl.value;
    viewer.render();
  };
  win.oninput = () => {
    viewer.window = Math.max(1e-6, (Number(win.value) / 1000) * range);
    viewer.render();
  };
  lev.oninput = () => {
    viewer.level = min + (Number(lev.value) / 1000) * range;
    viewer.render();
  };
  return viewer;
}

async function showPatient(pid: string): Promise<void> {
  S.current = pid;
  history.replaceState(null, '', `${location.pathname}${location.search}#patient=${encodeURIComponent(pid)}`);
  $('#patient').textContent = `patient ${pid}`;
  document.body.dataset.ready = 'false';
  $('#panels').replaceChildren();
  S.viewers = {};
  // One series after the other, each shown as soon as it is decoded: T1 gets the whole link and
  // the main thread first (the bench's time to first image).
  const slots = SEQUENCES.map(() => $('#panels').appendChild(document.createElement('div')));
  for (const [i, seq] of SEQUENCES.entries()) {
    const listed = S.state.series.some((s) => s.patientId === pid && s.sequence === seq);
    if (!listed) {
      // a patient with one sequence only: nothing to read, nothing wrong
      const panel = (slots[i] as HTMLElement).appendChild(document.createElement('section'));
      panel.className = 'panel absent';
      panel.dataset.seq = seq;
      panel.innerHTML = `<h2>${seq}</h2><p>no ${seq} rows for this patient in the manifest</p>`;
      continue;
    }
    let series: LoadedSeries;
    try {
      series = await seriesFor(pid, seq);
    } catch (err) {
      if (S.current !== pid) return;
      // one unreadable series marks its patient; the page and the other patients stay workable
      const why = `${seq} could not be read: ${(err as Error).message}`;
      S.unreadable.set(pid, S.unreadable.has(pid) ? `${S.unreadable.get(pid)}; ${why}` : why);
      const panel = (slots[i] as HTMLElement).appendChild(document.createElement('section'));
      panel.className = 'panel unreadable';
      panel.dataset.seq = seq;
      panel.innerHTML = `<h2>${seq}</h2><p class="unreadable"></p>`;
      (panel.querySelector('p') as HTMLElement).textContent =
        `${why}. Fix or replace the file; the other patients can be annotated meanwhile.`;
      renderQueue();
      continue;
    }
    if (S.current !== pid) return;
    S.viewers[seq] = buildPanel(seq, series, slots[i] as HTMLElement);
    refresh();
    if (performance.getEntriesByName('op-screen:first-image').length === 0)
      performance.mark('op-screen:first-image');
  }
  document.body.dataset.ready = 'true';
  document.body.dataset.patient = pid;
}

/** Maps every T1 box to T2 through patient coordinates (one undoable edit). */
function copyT1ToT2(): void {
  const t1 = S.viewers.T1;
  const t2 = S.viewers.T2;
  if (!t1 || !t2) return;
  const p = S.history.model[S.current];
  const mapped: Partial<Record<Label, { box: PixelBox; slice: number | undefined }>> = {};
  for (const label of LABELS) {
    const placed = p.T1.boxes[label];
    if (!placed) continue;
    const from = t1.series.geometry[label === 'CSF' ? t1.slice : (placed.slice ?? t1.series.midIndex)];
    const r = mapBox(placed.box, from, t2.series.geometry);
    if (r) mapped[label] = { box: r.box, slice: label === 'CSF' ? undefined : r.slice };
  }
  edit((m) => {
    m[S.current].T2.boxes = { ...m[S.current].T2.boxes, ...mapped };
  });
  if (t1.series.frameOfReference !== t2.series.frameOfReference)
    setStatus(
      'error',
      'T1 and T2 have different frames of reference: the copied boxes may be off; check them',
    );
}

function selectLabel(label: Label): void {
  S.label = label;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#labels button'))
    b.classList.toggle('active', b.dataset.label === label);
  for (const v of Object.values(S.viewers)) {
    v.selected = label;
    v.render();
  }
}

function step(delta: number): void {
  const i = S.patients.indexOf(S.current);
  const next = S.patients[Math.min(S.patients.length - 1, Math.max(0, i + delta))];
  if (next && next !== S.current) void showPatient(next);
}

function onKey(e: KeyboardEvent): void {
  const t = e.target as HTMLElement;
  // Lists and text fields keep their keys; a focused slider keeps only the arrows.
  const slider = t.tagName === 'INPUT' && (t as HTMLInputElement).type === 'range';
  if (t.tagName === 'SELECT' || (t.tagName === 'INPUT' && !slider) || (slider && e.key.startsWith('Arrow')))
    return;
  const k = e.key.toLowerCase();
  if ((e.ctrlKey || e.metaKey) && (k === 'y' || (k === 'z' && e.shiftKey))) return void redo(e);
  if ((e.ctrlKey || e.metaKey) && k === 'z') return void undo(e);
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (/^[1-4]$/.test(k)) selectLabel(`L${k}` as Label);
  else if (k === 'c') selectLabel('CSF');
  else if (k === 'a') edit((m) => void acceptProposals(m[S.current]));
  else if (k === 'n') step(1);
  else if (k === 'p') step(-1);
  else if (k.startsWith('arrow')) {
    e.preventDefault();
    const n = e.shiftKey ? 10 : 1;
    const d = { arrowleft: [-n, 0], arrowright: [n, 0], arrowup: [0, -n], arrowdown: [0, n] }[k] ?? [0, 0];
    const v = S.viewers[S.active];
    const box = v?.nudged(S.label, d[0] as number, d[1] as number);
    if (v && box)
      edit((m) => {
        const placed = m[S.current][S.active].boxes[S.label];
        if (placed) {
          placed.box = box;
          delete placed.proposal; // corrected by a person
        }
      });
  }
}

function undo(e?: Event): void {
  e?.preventDefault();
  if (S.history.undo()) {
    refresh();
    void save();
  }
}
function redo(e?: Event): void {
  e?.preventDefault();
  if (S.history.redo()) {
    refresh();
    void save();
  }
}

function buildControls(): void {
  $('#labels').replaceChildren(
    ...LABELS.map((label) => {
      const b = document.createElement('button');
      b.textContent = label;
      b.dataset.label = label;
      b.style.color = COLOURS[label];
      b.onclick = () => selectLabel(label);
      return b;
    }),
  );
  $('#excludes').replaceChildren(
    ...LEVELS.map((level: Level) => {
      const wrap = document.createElement('label');
      wrap.textContent = `${level} `;
      const sel = document.createElement('select');
      sel.dataset.level = level;
      sel.innerHTML = `<option value="">included</option>${EXCLUDE_REASONS.map(
        (r) => `<option value="${r}">excluded: ${r.replace('_', ' ')}</option>`,
      ).join('')}`;
      sel.onchange = () =>
        edit((m) => {
          if (sel.value) m[S.current].exclude[level] = sel.value as ExcludeReason;
          else delete m[S.current].exclude[level];
        });
      wrap.append(sel);
      return wrap;
    }),
  );
  $('#undo').onclick = () => undo();
  $('#redo').onclick = () => redo();
  $('#copy').onclick = () => copyT1ToT2();
  $('#prev').onclick = () => step(-1);
  $('#next').onclick = () => step(1);
  document.addEventListener('keydown', onKey);
}

async function main(): Promise<void> {
  const state = await api<AnnotationState>('GET');
  const patients = [...new Set(state.rows.map((r: AnnotationRow) => r.patientId))];
  const wanted = decodeURIComponent(/#patient=([^&]+)/.exec(location.hash)?.[1] ?? '');
  S = {
    state,
    saved: new Map(state.rows.map((r) => [r.index, r.cells])),
    version: state.version,
    history: new History(modelFromRows(state.rows)),
    patients,
    current: patients.includes(wanted) ? wanted : (patients[0] ?? ''),
    label: 'L1',
    active: 'T1',
    viewers: {},
    cache: new Map(),
    unreadable: new Map(),
    saving: false,
    pending: false,
    blocked: false,
  };
  // Rows written before the app owned `exclude` etc. compare equal once normalised.
  for (const r of state.rows) S.saved.set(r.index, cellsFor(S.history.model, r));
  buildControls();
  selectLabel('L1');
  setStatus('saved', 'loaded');
  (window as unknown as { __annotator: unknown }).__annotator = {
    model: () => S.history.model,
    version: () => S.version,
    status: () => $('#status').dataset.state,
    predictions,
    /** For tests: the loaded series of a patient (shape, chosen slice, one slice's values). */
    series: async (pid: string, seq: Sequence, slice?: number) => {
      const s = await seriesFor(pid, seq);
      const k = slice ?? s.midIndex;
      const sl = s.slices[k] as LoadedSeries['slices'][number];
      return {
        count: s.slices.length,
        midIndex: s.midIndex,
        rows: sl.rows,
        columns: sl.columns,
        data: Array.from(sl.data),
      };
    },
  };
  if (S.current) await showPatient(S.current);
  // The models load after the first image is on screen (they are a separate chunk).
  const prefer = new URLSearchParams(location.search).get('backend');
  if (await startModel(token, prefer)) showPredictions();
}

main().catch((err: unknown) => setStatus('error', `could not start: ${(err as Error).message}`));
