// Automatic boxes (op-screen locate) in the annotator, in Debian's Chromium: they show as
// proposals with their confidence, one key accepts a patient's proposals, dragging one corrects
// it, and the rows become `manual`. Counts the key and mouse actions per patient against drawing
// by hand (the flow of e2e.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnnotateServer, startAnnotateServer } from '../src/server.js';
import { launchChromium } from './chromium.js';
import { OP_SCREEN_CLI } from './cohort.js';

const SHIFT = 6; // patient 2's T1 L2 proposal is 6 px too far right

function proposalCohort(): { manifest: string; truth: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'op-screen-proposals-'));
  execFileSync(process.execPath, [OP_SCREEN_CLI, 'synth', '--out', dir, '--patients', '2', '--seed', '9'], {
    stdio: 'ignore',
  });
  const manifest = join(dir, 'manifest.csv');
  const rows = parse(readFileSync(manifest, 'utf8'), { columns: true }) as Record<string, string>[];
  const columns = [
    'patient_id',
    'sequence',
    'level',
    'image',
    't_score',
    'roi',
    'slice',
    'csf_roi',
    'roi_source',
    'roi_confidence',
  ];
  const truth: Record<string, string> = {};
  const out = rows.map((r) => {
    truth[`${r.patient_id} ${r.sequence} ${r.level}`] = r.roi ?? '';
    let roi = r.roi ?? '';
    if (r.patient_id === 'SYN0002' && r.sequence === 'T1' && r.level === 'L2') {
      const [x, y, w, h] = roi.split(',').map(Number) as [number, number, number, number];
      roi = [x + SHIFT, y, w, h].join(',');
    }
    return columns.map((c) =>
      c === 'roi' ? roi : c === 'roi_source' ? 'auto' : c === 'roi_confidence' ? '0.870' : (r[c] ?? ''),
    );
  });
  writeFileSync(manifest, stringify([columns, ...out]));
  return { manifest, truth };
}

async function waitSaved(page: Page) {
  await page.waitForFunction(
    () => (window as unknown as { __annotator?: { status(): string } }).__annotator?.status() === 'saved',
  );
}

describe('proposals in the annotator', () => {
  const cohort = proposalCohort();
  let server: AnnotateServer;
  let context: BrowserContext;
  let page: Page;
  const actions: Record<string, number> = {};

  beforeAll(async () => {
    server = await startAnnotateServer({ manifest: cohort.manifest, stdout: null });
    context = await launchChromium();
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready='true'][data-patient='SYN0001']");
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  it('shows proposals and counts a patient with only proposals as still to do', async () => {
    expect(await page.textContent('#n-todo')).toBe('2');
    const m = (await page.evaluate(() =>
      (window as unknown as { __annotator: { model(): unknown } }).__annotator.model(),
    )) as Record<string, { T1: { boxes: Record<string, { proposal?: { confidence: number } }> } }>;
    expect(m.SYN0001?.T1.boxes.L1?.proposal).toEqual({ confidence: 0.87 });
  });

  it('accepts a whole patient with one key', async () => {
    await page.keyboard.press('a');
    actions.accept = 1;
    await waitSaved(page);
    expect(await page.textContent('#n-done')).toBe('1');
  });

  it('corrects one proposal by dragging it, then accepts the rest', async () => {
    await page.keyboard.press('n');
    await page.waitForSelector("body[data-ready='true'][data-patient='SYN0002']");
    const [x, y, w, h] = (cohort.truth['SYN0002 T1 L2'] as string).split(',').map(Number) as [
      number,
      number,
      number,
      number,
    ];
    const r = await page.locator(".panel[data-seq='T1'] canvas.view").boundingBox();
    if (!r) throw new Error('no canvas');
    const s = r.width / 128;
    const at = (px: number, py: number) => [r.x + px * s + 1, r.y + py * s + 1] as const;
    await page.mouse.move(...at(x + SHIFT + w / 2, y + h / 2));
    await page.mouse.down();
    await page.mouse.move(...at(x + w / 2, y + h / 2), { steps: 4 });
    await page.mouse.up();
    await page.keyboard.press('a');
    actions.correctOneAndAccept = 2;
    await waitSaved(page);
    expect(await page.textContent('#n-done')).toBe('2');
  });

  it('wrote every row as manual, with the corrected box, and no confidence left', () => {
    const rows = parse(readFileSync(cohort.manifest), { columns: true }) as Record<string, string>[];
    for (const r of rows) {
      const key = `${r.patient_id} ${r.sequence} ${r.level}`;
      expect([r.roi, r.roi_source, r.roi_confidence], key).toEqual([cohort.truth[key], 'manual', '']);
    }
    // By hand (e2e.test.ts, second patient): 5 boxes x (label key + drag) + copy to T2 + one
    // correction = 12 actions. With proposals: 1 (all right) or 2 (one corrected).
    const byHand = 5 * 2 + 1 + 1;
    console.log(JSON.stringify({ actionsPerPatient: { byHand, ...actions } }));
    expect(actions.accept).toBeLessThan(byHand);
  });
});
