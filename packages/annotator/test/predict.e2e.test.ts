// `op-screen annotate --model` end to end in Debian's Chromium: a tiny real run trained by the
// test (`reproduce --preset tiny --epochs 1`), the CLI started with it, the page's in-browser
// probabilities (fold-ensemble mean, WebGL or the wasm fallback) checked against `op-screen
// predict` on the same rows, the patient's pooled probability, Grad-CAM overlays drawn, the
// backend shown, only 127.0.0.1 requested; the README screenshot with predictions.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { type CliPrediction, cliPredictionRows, OP_SCREEN_CLI, trainedRun } from './cohort.js';

const SCREENSHOT = fileURLToPath(new URL('../docs/screenshot.png', import.meta.url));

interface Snapshot {
  patient: string;
  backend: string;
  ms: number;
  gradCamMs: number | null;
  sequences: Record<
    string,
    {
      vertebrae: Array<{
        level: string;
        score: number;
        probability: number;
        folds: number[];
        positive: boolean;
      }>;
      patient: number | null;
      patientProbability: number | null;
      answer: string | null;
      imageThreshold: number;
      patientThreshold: number;
      scoreMs: number;
    }
  >;
}

function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [OP_SCREEN_CLI, 'annotate', ...args, '--no-open'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('\n'))
        resolve({ child, url: (JSON.parse(out.split('\n')[0] as string) as { url: string }).url });
    });
    child.on('exit', (code) => reject(new Error(`annotate exited ${code}: ${err}`)));
  });
}

const snapshot = (page: Page) =>
  page.evaluate(
    () =>
      (
        window as unknown as { __annotator: { predictions(): unknown } }
      ).__annotator.predictions() as Snapshot,
  );

/** Waits for the patient's probabilities and then its Grad-CAM overlays. */
async function predictedPatient(page: Page, id: string): Promise<Snapshot> {
  await page.waitForSelector(`body[data-predicted='${id}']`, { timeout: 90_000 });
  await page.waitForSelector(`body[data-cams='${id}']`, { timeout: 90_000 });
  return snapshot(page);
}

/** Every pixel's alpha summed over the page's Grad-CAM canvases of one sequence, per level. */
const camAlpha = (page: Page, seq: string) =>
  page.evaluate((s) => {
    const out: Record<string, number> = {};
    for (const c of document.querySelectorAll<HTMLCanvasElement>(`.panel[data-seq='${s}'] canvas.cam`)) {
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
      let a = 0;
      for (let i = 3; i < d.length; i += 4) a += d[i] as number;
      out[c.dataset.label as string] = a;
    }
    return out;
  }, seq);

describe('annotate --model in Chromium', () => {
  let run: ReturnType<typeof trainedRun>;
  let cli: Map<string, number>;
  let cliRows: Map<string, CliPrediction>;
  let child: ChildProcess | undefined;
  let url: string;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const errors: string[] = [];
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    let t = performance.now();
    run = trainedRun();
    timings.train = performance.now() - t;
    t = performance.now();
    cliRows = cliPredictionRows(run.run, run.manifest);
    cli = new Map([...cliRows].map(([k, r]) => [k, r.score]));
    timings.cliPredict = performance.now() - t;
    ({ child, url } = await startCli(['--manifest', run.manifest, '--model', run.run]));
    context = await launchChromium();
    context.on('request', (r) => requests.push(r.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    t = performance.now();
    await page.goto(url);
  }, 400_000);
  afterAll(async () => {
    await context?.close();
    child?.kill('SIGTERM');
    // the run's models are ~90 MB: do not leave them in the temp directory
    if (run) rmSync(run.dir, { recursive: true, force: true });
    console.log(`annotate --model timings (ms): ${JSON.stringify(timings)}`);
  });

  const maxDiff: number[] = [];
  async function checkPatient(id: string, expectedLevels: number) {
    const snap = await predictedPatient(page, id);
    expect(snap.patient).toBe(id);
    let n = 0;
    // the run trained T1 only: the T2 panel says so and scores nothing
    expect(snap.sequences.T2).toBeUndefined();
    expect(await page.textContent(".panel[data-seq='T2'] .prediction")).toBe('no T2 model in this run');
    expect(await page.locator(".panel[data-seq='T2'] canvas.cam").count()).toBe(0);
    for (const seq of ['T1']) {
      const s = snap.sequences[seq];
      expect(s, seq).toBeDefined();
      if (!s) continue;
      const scores: number[] = [];
      for (const v of s.vertebrae) {
        const expected = cli.get(`${id} ${seq} ${v.level}`);
        expect(expected, `${id} ${seq} ${v.level} scored by op-screen predict`).toBeDefined();
        const d = Math.abs(v.score - (expected as number));
        maxDiff.push(d);
        expect(d, `${id} ${seq} ${v.level}: page ${v.score}, CLI ${expected}`).toBeLessThan(1e-4);
        expect(v.folds).toHaveLength(2);
        // the run's recalibration map, applied as predict applies it, and the threshold on its scale
        const row = cliRows.get(`${id} ${seq} ${v.level}`);
        expect(Math.abs(v.probability - (row?.probability as number))).toBeLessThan(1e-4);
        expect(v.positive).toBe(v.probability >= s.imageThreshold);
        scores.push(v.probability);
        n++;
      }
      // the CLI scored exactly these vertebrae of this patient and sequence (exclusions honoured)
      const cliLevels = [...cli.keys()]
        .filter((k) => k.startsWith(`${id} ${seq} `))
        .map((k) => k.split(' ')[2]);
      expect(s.vertebrae.map((v) => v.level).sort()).toEqual(cliLevels.sort());
      expect(s.patient).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / scores.length, 10);
      const text = await page.textContent(`.panel[data-seq='${seq}'] .prediction`);
      // the patient's probability and three-way answer are predict's
      const row = cliRows.get(`${id} ${seq} ${s.vertebrae[0]?.level}`);
      expect(Math.abs((s.patientProbability as number) - (row?.patientProbability as number))).toBeLessThan(
        1e-4,
      );
      expect(s.answer).toBe(row?.answer);
      expect(['low', 'indeterminate', 'high']).toContain(s.answer);
      expect(text).toContain(`patient p ${(s.patientProbability as number).toFixed(3)}`);
      expect(text).toContain(`threshold ${s.patientThreshold.toFixed(3)}`);
      for (const v of s.vertebrae)
        expect(await page.textContent(`.panel[data-seq='${seq}'] .prob[data-level='${v.level}']`)).toBe(
          `p ${v.probability.toFixed(3)}`,
        );
      // a Grad-CAM overlay over every scored crop, with something drawn on it
      const alpha = await camAlpha(page, seq);
      expect(Object.keys(alpha).sort()).toEqual(s.vertebrae.map((v) => v.level).sort());
      for (const [level, a] of Object.entries(alpha))
        expect(a, `${seq} ${level} Grad-CAM`).toBeGreaterThan(0);
    }
    expect(n).toBe(expectedLevels);
    return snap;
  }

  it("shows each vertebra's fold-ensemble probability equal to op-screen predict's, for two patients", async () => {
    const t = performance.now();
    // SYN0001's L1 is excluded by synth (fracture): 3 vertebrae
    const snap = await checkPatient('SYN0001', 3);
    timings.firstPrediction = performance.now() - t;
    expect(['webgl', 'wasm']).toContain(snap.backend);
    const shown = await page.textContent('#model');
    expect(shown).toContain(`backend ${snap.backend}`);
    if (snap.backend === 'wasm') expect(shown).toMatch(/webgl: /); // why WebGL was not used
    await page.keyboard.press('n');
    const second = await checkPatient('SYN0002', 4);
    timings.scoreOnePatient = second.ms;
    timings.scoreOnePatientForward = second.sequences.T1?.scoreMs ?? -1;
    timings.scoreOnePatientGradCam = second.gradCamMs ?? -1;
    console.log(
      `backend ${snap.backend}; max |page - CLI| = ${Math.max(...maxDiff).toExponential(2)} over ${maxDiff.length} vertebrae`,
    );
  });

  it('re-scores a nudged box and restores the score on undo (and agrees on wasm where WebGL was used)', async () => {
    const before = (await snapshot(page)).sequences.T1?.vertebrae.find((v) => v.level === 'L2')?.score;
    await page.keyboard.press('2');
    await page.keyboard.press('Shift+ArrowDown');
    await expect
      .poll(async () => (await snapshot(page)).sequences.T1?.vertebrae.find((v) => v.level === 'L2')?.score)
      .not.toBe(before);
    await page.keyboard.press('Control+z');
    await expect
      .poll(async () => (await snapshot(page)).sequences.T1?.vertebrae.find((v) => v.level === 'L2')?.score)
      .toBe(before);
    // Headless Chromium's WebGL is SwiftShader, which the page skips for wasm (tested above); on
    // a machine with a GPU the page used WebGL, and the wasm fallback must agree as well.
    if ((await snapshot(page)).backend === 'wasm') return;
    const forced = await context.newPage();
    forced.on('pageerror', (e) => errors.push(e.message));
    await forced.goto(`${url}&backend=wasm#patient=SYN0001`);
    await forced.waitForSelector("body[data-predicted='SYN0001']", { timeout: 90_000 });
    const snap = await snapshot(forced);
    expect(snap.backend).toBe('wasm');
    expect(await forced.textContent('#model')).toContain('backend wasm');
    expect(snap.sequences.T1?.vertebrae).toHaveLength(3);
    for (const v of snap.sequences.T1?.vertebrae ?? [])
      expect(Math.abs(v.score - (cli.get(`SYN0001 T1 ${v.level}`) as number))).toBeLessThan(1e-4);
    await forced.close();
  });

  it('takes the README screenshot with predictions and Grad-CAM', async () => {
    await page.keyboard.press('p');
    await predictedPatient(page, 'SYN0001');
    await page.screenshot({ path: SCREENSHOT });
  });

  it('fetched the fold models and the wasm binaries from 127.0.0.1 only, and threw no error', () => {
    const origin = new URL(url).origin;
    expect(requests.some((u) => /\/model\/T1\/fold-0\/model\.json\?token=/.test(u))).toBe(true);
    expect(requests.some((u) => /\/model\/T1\/fold-1\/group1-shard1of\d+\.bin/.test(u))).toBe(true);
    expect(requests.some((u) => /\/app\/tfjs-backend-wasm(-simd)?\.wasm$/.test(u))).toBe(true);
    expect(
      requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:')),
    ).toEqual([]);
    expect(errors).toEqual([]);
  });
});
