// The page's model side when the server was started with `--model`: fetches the run's meta
// (/api/model), loads the predictor chunk (tfjs + the fold models) only then, shows the backend,
// and after every change of the current patient's boxes the probabilities, the patient's pooled
// probability against the run's threshold and the Grad-CAM overlays on the crop previews.
import type { Slice2D } from '@op-screen/mri-io';
import type { Label, PixelBox, Sequence } from '../columns.js';
import type { ModelInfo } from '../model-dir.js';
import type {
  BackendChoice,
  BackendState,
  Predictor,
  SequencePrediction,
  VertebraPrediction,
} from './predict.js';
import type { LoadedSeries } from './series.js';

type PredictModule = typeof import('./predict.js');

export interface PatientBoxes {
  boxes: Partial<Record<Label, { box: PixelBox; slice: number | undefined }>>;
}

/** What the page exposes as `__annotator.predictions()` (no heat maps). */
export interface PredictionSnapshot {
  patient: string;
  backend: string;
  /** Main-thread milliseconds of the last scoring (crops, preprocessing, folds, drawing) and of its Grad-CAMs (drawn after, one crop per task). */
  ms: number;
  gradCamMs: number | null;
  sequences: Record<string, Omit<SequencePrediction, 'vertebrae'> & { vertebrae: unknown[] }>;
}

let mod: PredictModule | undefined;
let predictor: Predictor | undefined;
let backend: BackendState | undefined;
let last: PredictionSnapshot | undefined;
let generation = 0;

const el = (sel: string) => document.querySelector(sel) as HTMLElement;

function say(state: string, text: string): void {
  const m = el('#model');
  m.hidden = false;
  m.dataset.state = state;
  m.textContent = text;
}

/** Loads the run's models when the server has one; resolves false when it has none. */
export async function startModel(token: string, prefer: string | null): Promise<boolean> {
  const res = await fetch(`/api/model?token=${token}`);
  if (res.status === 204) return false;
  if (!res.ok) throw new Error(`model: HTTP ${res.status}`);
  const info = (await res.json()) as ModelInfo;
  say('loading', `model: loading ${info.arch}, ${info.folds} folds x ${info.sequences.join('+')}…`);
  try {
    mod = await import('./predict.js');
    backend = await mod.initBackend(
      prefer === 'webgl' || prefer === 'wasm' ? (prefer as BackendChoice) : undefined,
    );
    predictor = await mod.Predictor.load(info, token);
  } catch (err) {
    say('error', `model not loaded: ${(err as Error).message}`);
    throw err;
  }
  const fallback = backend.skipped.length ? ` (${backend.skipped.join('; ')})` : '';
  say(
    'ready',
    `model: ${info.arch} ${info.inputSize}x${info.inputSize}, ${info.folds} folds · backend ${backend.backend}${fallback}`,
  );
  document.body.dataset.backend = backend.backend;
  performance.mark('op-screen:model-ready');
  return true;
}

export const modelLoaded = (): boolean => predictor !== undefined;
export const predictions = (): PredictionSnapshot | undefined => last;

/** Scores the current patient's boxes of every shown sequence and draws the results. */
export function renderPredictions(
  patient: string,
  shown: Partial<Record<Sequence, LoadedSeries>>,
  model: Record<Sequence, PatientBoxes>,
  exclude: Partial<Record<string, string>>,
): void {
  if (!predictor || !mod || !backend) return;
  const gen = ++generation;
  document.body.dataset.predicted = '';
  document.body.dataset.cams = '';
  const t0 = performance.now();
  const snapshot: PredictionSnapshot = {
    patient,
    backend: backend.backend,
    ms: 0,
    gradCamMs: null,
    sequences: {},
  };
  const cams: Array<{ seq: Sequence; fig: HTMLElement; v: VertebraPrediction }> = [];
  for (const [seq, series] of Object.entries(shown) as Array<[Sequence, LoadedSeries]>) {
    const panel = document.querySelector(`.panel[data-seq='${seq}']`) as HTMLElement | null;
    const out = panel?.querySelector('.prediction') as HTMLElement | null;
    if (!panel || !out) continue;
    if (!predictor.has(seq)) {
      out.textContent = `no ${seq} model in this run`;
      continue;
    }
    const inputs = (['L1', 'L2', 'L3', 'L4'] as const)
      .filter((l) => model[seq].boxes[l] && !exclude[l])
      .map((level) => {
        const placed = model[seq].boxes[level] as { box: PixelBox; slice: number | undefined };
        return { level, box: placed.box, slice: series.slices[placed.slice ?? series.midIndex] as Slice2D };
      });
    const r = predictor.predict(seq, inputs);
    if (gen !== generation) return;
    for (const v of r.vertebrae) {
      const fig = panel.querySelector(`.previews canvas[data-label='${v.level}']`)?.parentElement;
      if (!fig) continue;
      cams.push({ seq, fig, v });
      const p = document.createElement('div');
      p.className = 'prob';
      p.dataset.level = v.level;
      p.dataset.positive = String(v.positive);
      p.textContent = `p ${v.probability.toFixed(3)}`;
      fig.append(p);
    }
    const pooled = r.patientProbability;
    out.dataset.positive = String(pooled !== null && pooled >= r.patientThreshold);
    out.dataset.answer = r.answer ?? '';
    const answer =
      r.answer === null
        ? ''
        : ` · answer: ${r.answer === 'indeterminate' ? 'indeterminate, refer to DXA' : r.answer}`;
    out.textContent =
      pooled === null
        ? `${seq}: no scored vertebra`
        : `${seq} patient p ${pooled.toFixed(3)} (from the mean of ${r.vertebrae.length}) ${pooled >= r.patientThreshold ? '≥' : '<'} threshold ${r.patientThreshold.toFixed(3)}: ${pooled >= r.patientThreshold ? 'positive' : 'negative'}${answer} · vertebra threshold ${r.imageThreshold.toFixed(3)}${r.skipped.length ? ` · not scored: ${r.skipped.map((s) => s.level).join(', ')}` : ''}`;
    snapshot.sequences[seq] = {
      ...r,
      vertebrae: r.vertebrae.map(({ input: _x, ...v }) => v),
    };
  }
  snapshot.ms = performance.now() - t0;
  last = snapshot;
  document.body.dataset.predicted = patient;
  if (performance.getEntriesByName('op-screen:first-prediction').length === 0)
    performance.mark('op-screen:first-prediction');
  // Grad-CAM costs ~10x the forward pass: one crop per task after the numbers are on screen, so
  // the page stays responsive and an edit in between cancels the rest.
  let camMs = 0;
  const next = async (i: number) => {
    if (gen !== generation || !predictor || !mod) return;
    const item = cams[i];
    if (!item) {
      snapshot.gradCamMs = camMs;
      document.body.dataset.cams = patient;
      if (performance.getEntriesByName('op-screen:first-gradcam').length === 0)
        performance.mark('op-screen:first-gradcam');
      return;
    }
    const t = performance.now();
    const canvas = document.createElement('canvas');
    canvas.className = 'cam';
    canvas.width = 90;
    canvas.height = 90;
    canvas.dataset.label = item.v.level;
    const cam = await predictor.gradCam(item.seq, item.v.input);
    if (gen !== generation) return; // an edit came in while this crop was computed
    mod.drawCam(canvas, cam);
    item.fig.querySelector('canvas')?.after(canvas);
    camMs += performance.now() - t;
    setTimeout(() => void next(i + 1), 0);
  };
  setTimeout(() => void next(0), 0);
}
