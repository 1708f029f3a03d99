#!/usr/bin/env node
// Measures the locator on real series it was not trained on: per level the identification rate,
// the in-plane centre error (mm) and the box IoU against the mask's box on the chosen slice; per
// series right / wrong / abstained. Writes results JSON and one overlay PNG per failure.
//   node scripts/evaluate.mjs --weights W.bin --cases VB1_02,... --out DIR [--data ROOT]
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readNifti } from '@op-screen/mri-io';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { encode } from 'fast-png';
import {
  bodyCentres,
  loadLocator,
  locateVertebrae,
  renderOverlay,
  toSagittalStack,
  VERSE_LEVELS,
} from '../dist/index.js';

const STUDY = ['L1', 'L2', 'L3', 'L4'];
const ID_RADIUS_MM = 20;

function iou(p, t) {
  const x0 = Math.max(p.x, t.x);
  const y0 = Math.max(p.y, t.y);
  const x1 = Math.min(p.x + p.width, t.x + t.width);
  const y1 = Math.min(p.y + p.height, t.y + t.height);
  const inter = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return inter / (p.width * p.height + t.width * t.height - inter);
}

export async function evaluateCases({ data, weights, cases, out }) {
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  await tf.setBackend('wasm');
  const locator = await loadLocator(weights);
  const all = [];
  for (const ds of ['myosegmentum', 'zukic'])
    for (const id of readdirSync(join(data, ds))) all.push({ ds, id, dir: join(data, ds, id) });
  const chosen = all.filter((c) => cases.includes(c.id));
  if (out) mkdirSync(out, { recursive: true });
  const rows = [];
  for (const c of chosen) {
    const image = await readNifti(join(c.dir, 'image.nii.gz'));
    const mask = await readNifti(join(c.dir, 'mask.nii.gz'));
    const t0 = performance.now();
    const res = await locateVertebrae(image, locator);
    const ms = performance.now() - t0;
    const masks = toSagittalStack(mask).slices;
    const slices = toSagittalStack(image).slices;
    const truthOn = (k) =>
      bodyCentres(masks[k])
        .filter((b) => b.area >= 20)
        .map((b) => ({ ...b, level: VERSE_LEVELS[b.label] }));
    const truth = truthOn(res.slice);
    // the mid slice of the mask, to tell a wrong slice from a wrong box
    let mid = 0;
    let area = -1;
    masks.forEach((m, k) => {
      const s = bodyCentres(m)
        .filter((b) => b.label >= 20 && b.label <= 23)
        .reduce((x, b) => x + b.area, 0);
      if (s > area) {
        area = s;
        mid = k;
      }
    });
    const ps = slices[res.slice].pixelSpacing;
    const levels = {};
    let wrong = 0;
    let absent = 0;
    for (const L of [...STUDY, 'L5']) {
      const p = res.levels[L];
      const t = truth.find((b) => b.level === L) ?? truthOn(mid).find((b) => b.level === L);
      if (!p) {
        if (STUDY.includes(L)) absent++;
        levels[L] = { found: false, inTruth: Boolean(t) };
        continue;
      }
      const dist = (b) => Math.hypot((b.r - p.centre[0]) * ps[0], (b.c - p.centre[1]) * ps[1]);
      const nearest = [...truth].sort((x, y) => dist(x) - dist(y))[0];
      const right = Boolean(nearest && nearest.level === L && dist(nearest) <= ID_RADIUS_MM);
      if (!right && STUDY.includes(L)) wrong++;
      const tRect = t
        ? { x: t.left, y: t.top, width: t.right - t.left + 1, height: t.bottom - t.top + 1 }
        : null;
      levels[L] = {
        found: true,
        right,
        nearest: nearest?.level ?? null,
        centreErrorMm: t ? dist(t) : null,
        iou: tRect ? iou(p.rect, tRect) : null,
        confidence: p.confidence,
      };
    }
    const outcome = wrong > 0 ? 'wrong' : absent > 0 ? 'abstained' : 'right';
    const row = {
      dataset: c.ds,
      id: c.id,
      slice: res.slice,
      truthMidSlice: mid,
      outcome,
      ms,
      levels,
      warnings: res.warnings.map((w) => w.code),
    };
    rows.push(row);
    if (out && outcome !== 'right') {
      const tr = {};
      for (const b of truth)
        tr[b.level] = { x: b.left, y: b.top, width: b.right - b.left + 1, height: b.bottom - b.top + 1 };
      const png = renderOverlay(slices[res.slice], res, { truth: tr });
      writeFileSync(
        join(out, `${c.id}.png`),
        encode({ width: png.width, height: png.height, data: png.data, channels: 4 }),
      );
      row.overlay = `${c.id}.png`;
    }
  }
  locator.dispose();
  return rows;
}

export function summarise(rows) {
  const per = {};
  for (const L of [...STUDY, 'L5']) {
    const found = rows.map((r) => r.levels[L]).filter((l) => l?.found);
    const inTruth = rows.filter((r) => r.levels[L]?.found || r.levels[L]?.inTruth).length;
    const errs = found
      .map((l) => l.centreErrorMm)
      .filter((v) => v !== null)
      .sort((x, y) => x - y);
    const ious = found.map((l) => l.iou).filter((v) => v !== null);
    per[L] = {
      series: rows.length,
      found: found.length,
      right: found.filter((l) => l.right).length,
      wrong: found.filter((l) => !l.right).length,
      identificationRate: found.filter((l) => l.right).length / Math.max(1, inTruth),
      medianCentreErrorMm: errs.length ? errs[Math.floor((errs.length - 1) / 2)] : null,
      meanIou: ious.length ? ious.reduce((s, v) => s + v, 0) / ious.length : null,
    };
  }
  const count = (o) => rows.filter((r) => r.outcome === o).length;
  const times = rows.map((r) => r.ms).sort((x, y) => x - y);
  return {
    series: rows.length,
    right: count('right'),
    wrong: count('wrong'),
    abstained: count('abstained'),
    rightRate: count('right') / Math.max(1, rows.length),
    medianMsPerSeries: times[Math.floor((times.length - 1) / 2)],
    levels: per,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: a } = parseArgs({
    options: {
      data: { type: 'string', default: resolve(import.meta.dirname, '../../../../shared/data/real-spine') },
      weights: { type: 'string' },
      cases: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const rows = await evaluateCases({
    data: a.data,
    weights: a.weights,
    cases: a.cases.split(','),
    out: a.out,
  });
  const summary = summarise(rows);
  if (a.out) writeFileSync(join(a.out, 'results.json'), `${JSON.stringify({ summary, rows }, null, 1)}\n`);
  console.log(JSON.stringify(summary, null, 1));
}
