// An RGBA picture of a result a person can check at a glance: the chosen slice in grey, each
// level's box and name, the CSF box, and (for evaluation) the true boxes dashed.
import type { Rect, Slice2D } from '@op-screen/mri-io';
import { intensityWindow, normalise } from './intensity.js';
import { LEVELS, type LocateResult } from './locate.js';

export interface Rgba {
  data: Uint8Array;
  width: number;
  height: number;
}

const COLOURS: Record<string, [number, number, number]> = {
  T11: [160, 160, 255],
  T12: [120, 200, 255],
  L1: [255, 80, 80],
  L2: [255, 200, 0],
  L3: [80, 220, 80],
  L4: [0, 200, 255],
  L5: [220, 120, 255],
  csf: [255, 255, 255],
  truth: [255, 140, 0],
};

// 3x5 digits and the letters used in level names
const GLYPHS: Record<string, string[]> = {
  L: ['100', '100', '100', '100', '111'],
  T: ['111', '010', '010', '010', '010'],
  C: ['111', '100', '100', '100', '111'],
  S: ['111', '100', '111', '001', '111'],
  F: ['111', '100', '110', '100', '100'],
  '0': ['111', '101', '101', '101', '111'],
  '1': ['010', '110', '010', '010', '111'],
  '2': ['111', '001', '111', '100', '111'],
  '3': ['111', '001', '111', '001', '111'],
  '4': ['101', '101', '111', '001', '001'],
  '5': ['111', '100', '111', '001', '111'],
  '6': ['111', '100', '111', '101', '111'],
  '7': ['111', '001', '010', '010', '010'],
  '8': ['111', '101', '111', '101', '111'],
  '9': ['111', '101', '111', '001', '111'],
  '.': ['000', '000', '000', '000', '010'],
};

/** The slice (windowed to [0, 255]) with the result drawn on it, scaled up by `zoom`. */
export function renderOverlay(
  slice: Slice2D,
  result: LocateResult,
  options: { zoom?: number; truth?: Record<string, Rect> } = {},
): Rgba {
  const zoom = options.zoom ?? 2;
  const width = slice.columns * zoom;
  const height = slice.rows * zoom;
  const data = new Uint8Array(width * height * 4);
  const win = intensityWindow([slice]);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = Math.round(
        255 * normalise(slice.data[Math.floor(y / zoom) * slice.columns + Math.floor(x / zoom)], win),
      );
      const o = (y * width + x) * 4;
      data[o] = v;
      data[o + 1] = v;
      data[o + 2] = v;
      data[o + 3] = 255;
    }
  const put = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const o = (y * width + x) * 4;
    data[o] = c[0];
    data[o + 1] = c[1];
    data[o + 2] = c[2];
  };
  const rect = (r: Rect, c: [number, number, number], dashed = false) => {
    const x0 = r.x * zoom;
    const y0 = r.y * zoom;
    const x1 = (r.x + r.width) * zoom - 1;
    const y1 = (r.y + r.height) * zoom - 1;
    for (let x = x0; x <= x1; x++)
      if (!dashed || Math.floor((x - x0) / 4) % 2 === 0) {
        put(x, y0, c);
        put(x, y1, c);
      }
    for (let y = y0; y <= y1; y++)
      if (!dashed || Math.floor((y - y0) / 4) % 2 === 0) {
        put(x0, y, c);
        put(x1, y, c);
      }
  };
  const text = (s: string, x: number, y: number, c: [number, number, number]) => {
    const scale = Math.max(1, zoom);
    let cx = x;
    for (const ch of s) {
      const g = GLYPHS[ch];
      for (let gy = 0; gy < (g?.length ?? 0); gy++) {
        const row = (g as string[])[gy];
        for (let gx = 0; gx < row.length; gx++) {
          if (row[gx] !== '1') continue;
          for (let a = 0; a < scale; a++)
            for (let b = 0; b < scale; b++) put(cx + gx * scale + b, y + gy * scale + a, c);
        }
      }
      cx += 4 * scale;
    }
  };
  for (const r of Object.values(options.truth ?? {})) rect(r, COLOURS.truth, true);
  for (const level of LEVELS) {
    const b = result.levels[level];
    if (!b) continue;
    const c = COLOURS[level];
    rect(b.rect, c);
    text(
      `${level} ${b.confidence.toFixed(2).slice(1)}`,
      Math.max(0, (b.rect.x - 30) * zoom),
      b.rect.y * zoom + 2,
      c,
    );
  }
  if (result.csf) {
    rect(result.csf.rect, COLOURS.csf);
    text(
      'CSF',
      (result.csf.rect.x + result.csf.rect.width + 2) * zoom,
      result.csf.rect.y * zoom,
      COLOURS.csf,
    );
  }
  return { data, width, height };
}
