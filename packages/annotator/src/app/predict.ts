// In-page predictions with a finished run's fold models (`--model`), loaded lazily as its own
// chunk: tfjs with WebGL, falling back to WebAssembly (its binaries served by this server from
// /app/, never a CDN); each boxed vertebra's crop through the run's own preprocessing
// (@op-screen/preprocess, the spec from the run's meta.json), the fold ensemble's mean probability
// as `op-screen predict` computes it, the patient's mean (the run's patient-level pooling) and a
// Grad-CAM heat map per crop (mean over the folds), with @op-screen/efficientnet's browser entry
// (and, on wasm, @op-screen/wasm-kernels, as op-screen's Node side).
import { gradCam, loadModelFrom } from '@op-screen/efficientnet';
import { cropRoi, type Slice2D } from '@op-screen/mri-io';
import { createPipeline, imageFromData, type PipelineSpec } from '@op-screen/preprocess';
import { registerWasmKernels } from '@op-screen/wasm-kernels';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgl';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { PixelBox } from '../columns.js';
import type { ModelInfo, RecalibrationMap } from '../model-dir.js';

export type BackendChoice = 'webgl' | 'wasm';

export interface BackendState {
  backend: BackendChoice;
  /** Why each backend tried before it was not used. */
  skipped: string[];
}

export interface VertebraInput {
  level: string;
  slice: Slice2D;
  box: PixelBox;
}

export interface VertebraPrediction {
  level: string;
  /** Mean of the fold models' probabilities (what `op-screen predict` reports as score). */
  score: number;
  /** The mean of the fold models' scores, each through its own recalibration map (predict's `probability`). */
  probability: number;
  folds: number[];
  /** probability >= the run's image-level threshold. */
  positive: boolean;
  /** The preprocessed crop the models saw (for {@link Predictor.gradCam}). */
  input: Float32Array;
}

/**
 * A recalibration map applied to one score, with the arithmetic of @op-screen/metrics'
 * `applyRecalibration` (which `op-screen predict` uses): sigmoid(a + b logit(p)), p clipped to
 * [1e-15, 1 - 1e-15]. The page's e2e test checks it against predict's output.
 */
export function recalibrate(p: number, map: { intercept: number; slope: number }): number {
  const q = Math.min(1 - 1e-15, Math.max(1e-15, p));
  return 1 / (1 + Math.exp(-(map.intercept + map.slope * Math.log(q / (1 - q)))));
}

/** Grad-CAM heat map (mean over folds, [0, 1]) of `height` x `width`. */
export interface CamMap {
  heatmap: Float32Array;
  height: number;
  width: number;
}

export interface SequencePrediction {
  vertebrae: VertebraPrediction[];
  /** Levels not scored and why (box outside the slice, ...). */
  skipped: Array<{ level: string; reason: string }>;
  /** Mean of the vertebra probabilities; null when none was scored. */
  patient: number | null;
  /** `patient` through the run's patient-level map (predict's `patient_probability`); null when none was scored. */
  patientProbability: number | null;
  /** The three-way answer on the run's band (predict's `answer`); null without a band or a score. */
  answer: 'low' | 'indeterminate' | 'high' | null;
  imageThreshold: number;
  patientThreshold: number;
  /** Main-thread milliseconds of the fold forward passes. */
  scoreMs: number;
}

/** The WebGL renderer when it is a software one (SwiftShader, llvmpipe...), else null. */
function softwareWebgl(): string | null {
  try {
    const gl =
      document.createElement('canvas').getContext('webgl2') ??
      document.createElement('canvas').getContext('webgl');
    if (!gl) return 'no WebGL context';
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(
      ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER),
    );
    return /swiftshader|llvmpipe|softpipe|software/i.test(renderer)
      ? `software renderer (${renderer})`
      : null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * WebGL when the GPU is a real one, else WebAssembly (`prefer` tries only that one). Software
 * WebGL (headless Chromium's SwiftShader) compiles a shader per op and runs it on the CPU: far
 * slower than wasm's SIMD kernels, so `auto` skips it and says why. The wasm files come from
 * this server's /app/.
 */
export async function initBackend(prefer?: BackendChoice): Promise<BackendState> {
  setWasmPaths('/app/'); // the cookie carries the token for these fetches
  // The wasm backend lacks Conv2DBackpropFilter (Grad-CAM's tape reaches it) and op-screen's Node
  // side runs these kernels too: the same kernels on both sides.
  registerWasmKernels();
  const skipped: string[] = [];
  for (const name of prefer ? [prefer] : (['webgl', 'wasm'] as const)) {
    const soft = name === 'webgl' && !prefer ? softwareWebgl() : null;
    if (soft) {
      skipped.push(`webgl: ${soft}`);
      continue;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        // A WebGL context can exist without float textures usable for compute; check one op.
        if (name === 'webgl') tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync());
        return { backend: name, skipped };
      }
      skipped.push(`${name}: failed to initialise`);
    } catch (err) {
      skipped.push(`${name}: ${((err as Error).message ?? String(err)).split('\n')[0]}`);
    }
  }
  throw new Error(`no tfjs backend available (${skipped.join('; ')})`);
}

/**
 * fetch that reads the whole body before resolving. tfjs awaits every shard's response before
 * reading any body; over HTTP/1.1 (6 connections per host) a model of more than 6 shards then
 * deadlocks: the 7th request waits for a connection whose body nobody reads.
 */
async function bufferedFetch(url: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  const body = await res.arrayBuffer();
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

function lastActivation(model: tfl.LayersModel): string | undefined {
  const last = model.layers[model.layers.length - 1];
  return last ? (last.getConfig() as { activation?: string }).activation : undefined;
}

export class Predictor {
  private readonly pipeline;
  private constructor(
    readonly info: ModelInfo,
    private readonly models: Map<string, tfl.LayersModel[]>,
  ) {
    this.pipeline = createPipeline(info.pipeline as PipelineSpec);
  }

  static async load(info: ModelInfo, token: string): Promise<Predictor> {
    const models = new Map<string, tfl.LayersModel[]>();
    for (const seq of info.sequences) {
      const urls = info.models[seq] ?? [];
      const loaded: tfl.LayersModel[] = [];
      for (const u of urls)
        loaded.push(await loadModelFrom(tf.io.http(`${u}?token=${token}`, { fetchFunc: bufferedFetch })));
      models.set(seq, loaded);
    }
    return new Predictor(info, models);
  }

  has(seq: string): boolean {
    return this.models.has(seq);
  }

  /** The crop through the run's preprocessing: inputSize^2 x channels floats (as `op-screen predict` prepares it). */
  prepare(slice: Slice2D, box: PixelBox): Float32Array {
    const c = cropRoi(slice, box);
    return this.pipeline.run(imageFromData(c.data, { height: c.rows, width: c.columns, channels: 1 })).data;
  }

  /** Scores a patient's boxed vertebrae of one sequence with every fold model. */
  predict(seq: string, inputs: VertebraInput[]): SequencePrediction {
    const models = this.models.get(seq) ?? [];
    const t = this.info.thresholds[seq] ?? { image: 0.5, patient: 0.5 };
    const skipped: SequencePrediction['skipped'] = [];
    const ready: Array<{ level: string; x: Float32Array }> = [];
    for (const v of inputs) {
      try {
        ready.push({ level: v.level, x: this.prepare(v.slice, v.box) });
      } catch (err) {
        skipped.push({ level: v.level, reason: (err as Error).message });
      }
    }
    const t0 = performance.now();
    const { inputSize: s, channels: ch } = this.info;
    const n = ready.length;
    const perFold: Float32Array[] = [];
    if (n > 0) {
      const x = new Float32Array(n * s * s * ch);
      ready.forEach((r, i) => {
        x.set(r.x, i * s * s * ch);
      });
      for (const model of models)
        perFold.push(
          tf.tidy(() => {
            const out = tf.reshape(model.predict(tf.tensor4d(x, [n, s, s, ch])) as tf.Tensor, [-1]);
            return (lastActivation(model) === 'sigmoid' ? out : tf.sigmoid(out)).dataSync() as Float32Array;
          }),
        );
    }
    const maps = this.info.calibration?.[seq];
    const vertebrae = ready.map((r, i): VertebraPrediction => {
      // the same float64 accumulation as op-screen predict: sum of p / folds, fold 0 first
      let score = 0;
      for (const p of perFold) score += (p[i] as number) / models.length;
      // recalibrated: each fold model's score through its own map, then the same mean
      let probability = score;
      if (maps) {
        probability = 0;
        perFold.forEach((p, k) => {
          probability += recalibrate(p[i] as number, maps.folds[k] as RecalibrationMap) / models.length;
        });
      }
      return {
        level: r.level,
        score,
        probability,
        folds: perFold.map((p) => p[i] as number),
        positive: probability >= t.image,
        input: r.x,
      };
    });
    const patient = n > 0 ? vertebrae.reduce((a, v) => a + v.probability, 0) / n : null;
    const patientProbability = patient === null ? null : maps ? recalibrate(patient, maps.patient) : patient;
    const band = this.info.band?.[seq];
    const answer =
      patientProbability === null || !band
        ? null
        : patientProbability >= band.ruleIn
          ? 'high'
          : patientProbability < band.ruleOut
            ? 'low'
            : 'indeterminate';
    const scoreMs = performance.now() - t0;
    return {
      vertebrae,
      skipped,
      patient,
      patientProbability,
      answer,
      imageThreshold: t.image,
      patientThreshold: t.patient,
      scoreMs,
    };
  }

  /** Grad-CAM of one preprocessed crop: each fold model's heat map, averaged. */
  async gradCam(seq: string, input: Float32Array): Promise<CamMap> {
    const { inputSize: s, channels: ch } = this.info;
    const cams = [];
    for (const m of this.models.get(seq) ?? []) cams.push(await gradCam(m, input, [s, s, ch]));
    const height = cams[0]?.height ?? 0;
    const width = cams[0]?.width ?? 0;
    const heatmap = new Float32Array(height * width);
    for (const c of cams)
      for (let j = 0; j < heatmap.length; j++) heatmap[j] += (c.heatmap[j] as number) / cams.length;
    return { heatmap, height, width };
  }
}

/** Draws a heat map over a crop preview: transparent at 0, opaque red-yellow at 1, smoothed to the canvas. */
export function drawCam(canvas: HTMLCanvasElement, p: CamMap): void {
  const tmp = document.createElement('canvas');
  tmp.width = p.width;
  tmp.height = p.height;
  const tctx = tmp.getContext('2d') as CanvasRenderingContext2D;
  const img = tctx.createImageData(p.width, p.height);
  let sum = 0;
  for (let i = 0; i < p.heatmap.length; i++) {
    const v = Math.max(0, Math.min(1, p.heatmap[i] as number));
    sum += v;
    img.data.set([255, Math.round(255 * v), 0, Math.round(170 * v)], 4 * i);
  }
  tctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  canvas.dataset.sum = sum.toFixed(4);
}
