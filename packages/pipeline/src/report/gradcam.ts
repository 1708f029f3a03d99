import { encode } from 'fast-png';
import type { GradCamImage } from '../run/types.js';
import { esc } from './format.js';
import type { ReportSection } from './section.js';

/** Jet-like colour map for heatmaps (value in [0,1]). */
function heatColor(v: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.max(0, Math.min(1, x)));
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))];
}

/** PNG data URI of the network input (first channel, min-max scaled) blended with the Grad-CAM heatmap. */
export function gradCamPng(g: GradCamImage, scale = 3): string {
  const n = g.size;
  const ch = g.input.length / (n * n);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n * n; i++) {
    const v = g.input[i * ch] as number;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const hn = Math.round(Math.sqrt(g.heatmap.length));
  const W = n * scale;
  const data = new Uint8Array(W * W * 3 * 2);
  for (let y = 0; y < W; y++)
    for (let x = 0; x < W; x++) {
      const sx = Math.floor(x / scale);
      const sy = Math.floor(y / scale);
      const gray = (((g.input[(sy * n + sx) * ch] as number) - lo) / (hi - lo || 1)) * 255;
      const h = g.heatmap[
        Math.min(hn - 1, Math.floor((sy * hn) / n)) * hn + Math.min(hn - 1, Math.floor((sx * hn) / n))
      ] as number;
      const [r, gg, b] = heatColor(h);
      const o = (y * 2 * W + x) * 3;
      data[o] = data[o + 1] = data[o + 2] = gray;
      const o2 = (y * 2 * W + W + x) * 3;
      data[o2] = 0.5 * gray + 0.5 * r;
      data[o2 + 1] = 0.5 * gray + 0.5 * gg;
      data[o2 + 2] = 0.5 * gray + 0.5 * b;
    }
  const png = encode({ width: 2 * W, height: W, data, channels: 3, depth: 8 });
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** The report.json fields of the gradcam section. */
export const gradcamShape = {};

/** Grad-CAM overlays of a few hold-out test images (the run's artefacts; nothing in report.json). */
export const gradcamSection: ReportSection = {
  name: 'gradcam',
  shape: gradcamShape,
  html(_report, extras) {
    if (!extras.gradcams.length) return '';
    const parts = ['<h2>Grad-CAM (fold 1 model, hold-out test images)</h2><div class="grid">'];
    for (const g of extras.gradcams)
      parts.push(
        `<figure><img alt="Grad-CAM" src="${gradCamPng(g)}"><figcaption>${esc(g.sequence)} ${esc(g.level)}, label ${g.label}, score ${g.score.toFixed(3)}</figcaption></figure>`,
      );
    parts.push('</div>');
    return parts.join('\n');
  },
};
