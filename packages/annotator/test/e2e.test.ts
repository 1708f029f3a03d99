// The annotator end to end in Debian's Chromium (playwright-core): two patients annotated with
// the mouse, boxes copied T1 -> T2, a vertebra excluded, undo/redo, reload, a conflicting edit on
// disk, a real `reproduce --epochs 1` on the manifest the page wrote, and a record that the page
// talked only to 127.0.0.1 (the README screenshot, with
// predictions, is taken by predict.e2e.test.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnnotateServer, startAnnotateServer } from '../src/server.js';
import { launchChromium } from './chromium.js';
import { OP_SCREEN_CLI, reproduceTiny, synthCohort } from './cohort.js';

type Box = { x: number; y: number; width: number; height: number };
const fmt = (b: Box) => `${b.x},${b.y},${b.width},${b.height}`;

async function canvasOrigin(page: Page, seq: 'T1' | 'T2') {
  const r = await page.locator(`.panel[data-seq='${seq}'] canvas.view`).boundingBox();
  if (!r) throw new Error('no canvas');
  return { left: r.x, top: r.y, scale: r.width / 128 }; // synth images are 128x128, shown whole
}
/** Drags from image edge point (x0, y0) to (x1, y1) with the left button. */
async function drag(page: Page, seq: 'T1' | 'T2', x0: number, y0: number, x1: number, y1: number) {
  const o = await canvasOrigin(page, seq);
  const at = (x: number, y: number) => [o.left + x * o.scale + 1, o.top + y * o.scale + 1] as const;
  await page.mouse.move(...at(x0, y0));
  await page.mouse.down();
  await page.mouse.move(...at((x0 + x1) / 2, (y0 + y1) / 2), { steps: 3 });
  await page.mouse.move(...at(x1, y1), { steps: 3 });
  await page.mouse.up();
}
async function drawBox(page: Page, seq: 'T1' | 'T2', key: string, b: Box) {
  await page.keyboard.press(key);
  await drag(page, seq, b.x, b.y, b.x + b.width, b.y + b.height);
}
async function waitSaved(page: Page) {
  await page.waitForFunction(() => {
    const a = (window as unknown as { __annotator?: { status(): string } }).__annotator;
    return a?.status() === 'saved';
  });
}
async function openPatient(page: Page, id: string) {
  await page.waitForSelector(`body[data-ready='true'][data-patient='${id}']`);
}
const model = (page: Page) =>
  page.evaluate(() => (window as unknown as { __annotator: { model(): unknown } }).__annotator.model());

describe('annotator in Chromium', () => {
  const cohort = synthCohort(2, 5);
  let server: AnnotateServer;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startAnnotateServer({ manifest: cohort.manifest, stdout: null });
    context = await launchChromium();
    context.on('request', (r) => requests.push(r.url()));
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await openPatient(page, 'SYN0001');
  });
  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  const P1: Record<string, Box> = {
    L1: { x: 30, y: 5, width: 30, height: 20 },
    L2: { x: 30, y: 30, width: 30, height: 20 },
    L3: { x: 30, y: 55, width: 30, height: 20 },
    L4: { x: 30, y: 80, width: 30, height: 20 },
    CSF: { x: 70, y: 50, width: 4, height: 12 },
  };

  it('starts with both patients to do, the mid-sagittal slice shown', async () => {
    expect(await page.textContent('#n-todo')).toBe('2');
    expect(await page.inputValue(".panel[data-seq='T1'] input.slice")).toBe('2'); // 5 slices
  });

  it('draws, moves, resizes and nudges boxes with undo/redo, copies them to T2, excludes L3', async () => {
    for (const key of ['1', '2', '4']) await drawBox(page, 'T1', key, P1[`L${key}`] as Box);
    await page.locator(".panel[data-seq='T1'] input.slice").fill('1');
    await drawBox(page, 'T1', '3', P1.L3 as Box); // on slice 1
    await page.locator(".panel[data-seq='T1'] input.slice").fill('2');
    await drawBox(page, 'T1', 'c', P1.CSF as Box);
    await drag(page, 'T1', 45, 15, 47, 16); // move L1 by (2, 1)
    await drag(page, 'T1', 60, 50, 64, 52); // L2's bottom-right corner
    await page.keyboard.press('4');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+Shift+z'); // L4 ends 1 px right
    await page.click('#copy');
    await page.selectOption("#excludes select[data-level='L3']", 'fracture');
    await waitSaved(page);
    expect(await page.textContent('#n-done')).toBe('1');
    expect(await page.textContent('#n-vertebrae-excluded')).toBe('1');
    await expect.poll(() => page.locator('.panel[data-seq="T2"] .previews canvas').count()).toBe(5);
    const sum = await page.getAttribute(
      '.panel[data-seq="T1"] .previews canvas[data-label="L1"]',
      'data-sum',
    );
    expect(Number(sum)).toBeGreaterThan(0);
  });

  it('annotates the second patient after N, drawing T1, copying and then moving a T2 box', async () => {
    await page.keyboard.press('n');
    await openPatient(page, 'SYN0002');
    for (const key of ['1', '2', '3', '4']) {
      const y = 8 + (Number(key) - 1) * 24;
      await drawBox(page, 'T1', key, { x: 36, y, width: 32, height: 20 });
    }
    await drawBox(page, 'T1', 'c', { x: 75, y: 40, width: 3, height: 15 });
    await page.click('#copy');
    await drag(page, 'T2', 50, 20, 49, 23); // T2 L1 moves by (-1, 3)
    await waitSaved(page);
    expect(await page.textContent('#n-done')).toBe('2');
  });

  it('wrote exactly those cells, kept every other column and the row order, and kept FILE.orig', async () => {
    const expected: Record<string, [string, string, string, string]> = {};
    const p1: Record<string, Box> = {
      ...P1,
      L1: { x: 32, y: 6, width: 30, height: 20 },
      L2: { x: 30, y: 30, width: 34, height: 22 },
      L4: { ...P1.L4, x: 31 },
    };
    for (const seq of ['T1', 'T2'])
      for (const l of ['L1', 'L2', 'L3', 'L4']) {
        expected[`SYN0001 ${seq} ${l}`] = [
          fmt(p1[l] as Box),
          l === 'L3' ? '1' : '2',
          fmt(P1.CSF as Box),
          l === 'L3' ? 'fracture' : '',
        ];
        const y = 8 + (Number(l[1]) - 1) * 24;
        const b =
          seq === 'T2' && l === 'L1'
            ? { x: 35, y: y + 3, width: 32, height: 20 }
            : { x: 36, y, width: 32, height: 20 };
        expected[`SYN0002 ${seq} ${l}`] = [fmt(b), '2', '75,40,3,15', ''];
      }
    const rows = parse(readFileSync(cohort.manifest), { columns: true }) as Record<string, string>[];
    const before = parse(cohort.original, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0] as object)).toEqual([
      ...Object.keys(before[0] as object),
      'exclude',
      'roi_source',
      'roi_confidence',
    ]);
    for (const r of rows) expect([r.roi_source, r.roi_confidence]).toEqual(['manual', '']);
    expect(rows.map((r) => [r.patient_id, r.sequence, r.level, r.image, r.t_score])).toEqual(
      before.map((r) => [r.patient_id, r.sequence, r.level, r.image, r.t_score]),
    );
    for (const r of rows)
      expect([r.roi, r.slice, r.csf_roi, r.exclude], `${r.patient_id} ${r.sequence} ${r.level}`).toEqual(
        expected[`${r.patient_id} ${r.sequence} ${r.level}`],
      );
    expect(readFileSync(`${cohort.manifest}.orig`, 'utf8')).toBe(cohort.original);
  });

  it('finds everything back after a reload', async () => {
    const before = await model(page);
    await page.reload();
    await openPatient(page, 'SYN0002');
    expect(await model(page)).toEqual(before);
    expect(await page.textContent('#n-done')).toBe('2');
    await page.keyboard.press('p');
    await openPatient(page, 'SYN0001');
    expect(await page.inputValue("#excludes select[data-level='L3']")).toBe('fracture');
    await page.keyboard.press('3');
  });

  it('trains on the manifest the page wrote: reproduce --epochs 1 honours its boxes and exclusion', () => {
    // Two annotated patients are too few for grouped folds, so 10 more synthetic patients (with
    // synth's own boxes, renamed EXT....) are appended; the page's rows are used exactly as written.
    const extra = join(cohort.dir, 'extra');
    const cli = (args: string[]) =>
      execFileSync(process.execPath, [OP_SCREEN_CLI, ...args], { stdio: 'pipe' });
    cli(['synth', '--out', extra, '--patients', '10', '--seed', '11']);
    const written = parse(readFileSync(cohort.manifest), { columns: true }) as Record<string, string>[];
    const columns = Object.keys(written[0] as object);
    const extraRows = (
      parse(readFileSync(join(extra, 'manifest.csv')), { columns: true }) as Record<string, string>[]
    ).map(
      (r): Record<string, string> => ({
        ...r,
        patient_id: (r.patient_id ?? '').replace('SYN', 'EXT'),
        image: `extra/${r.image}`,
      }),
    );
    const trainManifest = join(cohort.dir, 'train.csv');
    writeFileSync(
      trainManifest,
      stringify([columns, ...[...written, ...extraRows].map((r) => columns.map((c) => r[c] ?? ''))]),
    );
    const out = join(cohort.dir, 'run');
    reproduceTiny(trainManifest, out);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      excluded: Record<string, number>;
    };
    // every manifest row is counted (both sequences): synth's own fractures plus the vertebra the
    // page excluded (SYN0001 L3, written on its T1 and T2 rows)
    const extraFractures = extraRows.filter((r) => r.exclude === 'fracture').length;
    expect(report.excluded.fracture ?? 0).toBe(extraFractures + 2);
    // a test patient has a row per fold; each scored vertebra once
    const scored = [
      ...new Set(
        (parse(readFileSync(join(out, 'predictions.csv')), { columns: true }) as Record<string, string>[])
          .filter((r) => r.patient_id?.startsWith('SYN'))
          .map((r) => `${r.patient_id} ${r.level}`),
      ),
    ].sort();
    expect(scored).toEqual([
      'SYN0001 L1',
      'SYN0001 L2',
      'SYN0001 L4',
      'SYN0002 L1',
      'SYN0002 L2',
      'SYN0002 L3',
      'SYN0002 L4',
    ]);
    // the manifest the page wrote is untouched by the run
    expect(parse(readFileSync(cohort.manifest), { columns: true })).toEqual(written);
  });

  it('zooms around the pointer and pans, drawing in image pixels at any zoom', async () => {
    type M = Record<string, { T1: { boxes: Record<string, { box: Box }> } }>;
    const l1 = async () => ((await model(page)) as M).SYN0001?.T1.boxes.L1?.box;
    const before = await l1();
    const o = await canvasOrigin(page, 'T1');
    const sx = o.left + 80 * o.scale + 1;
    const sy = o.top + 100 * o.scale + 1;
    await page.keyboard.press('1');
    await page.mouse.move(sx, sy);
    await page.mouse.wheel(0, -100); // zoom x1.25 around (80, 100)
    await page.waitForTimeout(100);
    const dragAt = async (dx: number, dy: number, shift = false) => {
      if (shift) await page.keyboard.down('Shift');
      await page.mouse.move(sx, sy);
      await page.mouse.down();
      await page.mouse.move(sx + dx, sy + dy, { steps: 4 });
      await page.mouse.up();
      if (shift) await page.keyboard.up('Shift');
    };
    await dragAt(40, 40); // 40 css px = 8 image px at 5 css px per pixel
    expect(await l1()).toEqual({ x: 80, y: 100, width: 8, height: 8 });
    await dragAt(-40, -40, true); // pan: the image moves 8 px up-left under the pointer...
    expect(await l1()).toEqual({ x: 80, y: 100, width: 8, height: 8 });
    // ...so the pointer is now on the box's bottom-right corner (88, 108): dragging resizes it.
    await dragAt(40, 20);
    expect(await l1()).toEqual({ x: 80, y: 100, width: 16, height: 12 });
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    expect(await l1()).toEqual(before);
    await waitSaved(page);
  });

  it('refuses to overwrite a manifest changed on disk, and says so in the page', async () => {
    const changed = readFileSync(cohort.manifest, 'utf8').replace('SYN0002,T2,L4', 'SYN0002,T2,L4 ');
    writeFileSync(cohort.manifest, changed);
    await page.keyboard.press('1');
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector("#status[data-state='conflict']");
    expect(await page.textContent('#status')).toContain('changed on disk');
    expect(readFileSync(cohort.manifest, 'utf8')).toBe(changed);
  });

  it('made no request outside 127.0.0.1 and threw no error', () => {
    const origin = `http://127.0.0.1:${server.port}/`;
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'))).toEqual([]);
    expect(errors).toEqual([]);
  });
});
