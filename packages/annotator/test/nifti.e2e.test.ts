// The annotator on real NIfTI (a Zukic case from ../shared/data/real-spine) in Debian's Chromium:
// the page reads .nii.gz itself, with the slice order and orientation of mri-io's readSlice in
// Node (so a box drawn there is the box reproduce crops), and one unreadable patient is marked in
// the queue while the others stay workable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSlice } from '@op-screen/mri-io';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnnotateServer, startAnnotateServer } from '../src/server.js';
import { launchChromium } from './chromium.js';

const REAL = join(__dirname, '../../../../shared/data/real-spine/zukic');
const T1 = join(REAL, 'VB1_02', 'image.nii.gz');
const T2 = join(REAL, 'VB1_03', 'image.nii.gz');

type PageSeries = { count: number; midIndex: number; rows: number; columns: number; data: number[] };
const seriesIn = (page: Page, pid: string, seq: string, slice?: number) =>
  page.evaluate(
    ([p, s, k]) =>
      (
        window as unknown as {
          __annotator: { series(p: string, s: string, k?: number): Promise<PageSeries> };
        }
      ).__annotator.series(p as string, s as string, k as number | undefined),
    [pid, seq, slice] as const,
  );

describe('annotator on real NIfTI in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'annotator-nifti-'));
  let server: AnnotateServer;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // a gzip stream cut short: what a failed copy leaves
    writeFileSync(join(dir, 'broken.nii.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
    const rows = ['patient_id,sequence,level,image,t_score'];
    for (const level of ['L1', 'L2', 'L3', 'L4']) {
      rows.push(`REAL01,T1,${level},${T1},`, `REAL01,T2,${level},${T2},`);
      rows.push(`BROKEN01,T1,${level},broken.nii.gz,`);
    }
    writeFileSync(join(dir, 'manifest.csv'), `${rows.join('\n')}\n`);
    server = await startAnnotateServer({ manifest: join(dir, 'manifest.csv'), stdout: null });
    context = await launchChromium();
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(server.url);
    await page.waitForSelector("body[data-ready='true'][data-patient='REAL01']");
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await server?.close();
  });

  it('shows the .nii.gz slices exactly as readSlice reads them in Node (index, orientation, values)', async () => {
    for (const [seq, file] of [
      ['T1', T1],
      ['T2', T2],
    ] as const) {
      const node = await readSlice(file);
      const inPage = await seriesIn(page, 'REAL01', seq);
      expect([inPage.count, inPage.midIndex, inPage.rows, inPage.columns]).toEqual([
        node.source.count,
        node.source.index,
        node.rows,
        node.columns,
      ]);
      expect(Float32Array.from(inPage.data)).toEqual(node.data);
      const other = await readSlice(file, { slice: 3 });
      expect(Float32Array.from((await seriesIn(page, 'REAL01', seq, 3)).data)).toEqual(other.data);
    }
    expect(await page.inputValue(".panel[data-seq='T1'] input.slice")).toBe(
      String((await readSlice(T1)).source.index),
    );
  });

  it('marks an unreadable patient in the queue, says why, and the others stay workable', async () => {
    await page.keyboard.press('n');
    await page.waitForSelector("body[data-ready='true'][data-patient='BROKEN01']");
    await page.waitForSelector("#queue li[data-patient='BROKEN01'][data-unreadable='true']");
    expect(await page.textContent(".panel.unreadable[data-seq='T1'] p")).toMatch(/T1 could not be read: .+/);
    // the patient has no T2 rows: that is said, and is not an error
    expect(await page.textContent(".panel.absent[data-seq='T2'] p")).toBe(
      'no T2 rows for this patient in the manifest',
    );
    expect(await page.getAttribute("#queue li[data-patient='BROKEN01']", 'title')).toMatch(
      /could not be read/,
    );
    await page.keyboard.press('p');
    await page.waitForSelector("body[data-ready='true'][data-patient='REAL01']");
    expect(await page.locator(".panel[data-seq='T1'] canvas.view").count()).toBe(1);
    expect(await page.locator('#queue li[data-unreadable]').count()).toBe(1);
    expect(errors).toEqual([]);
    // started without --model: the page's model probe gets 204, no 404 in the console
    expect(consoleErrors).toEqual([]);
  });
});
