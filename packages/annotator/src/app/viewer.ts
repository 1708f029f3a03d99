// One series on a canvas: slice slider, window/level, zoom (wheel) and pan (right or shift drag),
// and the labelled boxes drawn, moved and resized with the mouse. Box coordinates are pixel
// edges: a box {x, y, width, height} covers columns x..x+width-1 and rows y..y+height-1.
import type { Label, PixelBox } from '../columns.js';
import type { LoadedSeries } from './series.js';
import type { PlacedBox } from './store.js';

export const COLOURS: Record<Label, string> = {
  L1: '#ff6b6b',
  L2: '#ffd43b',
  L3: '#69db7c',
  L4: '#4dabf7',
  CSF: '#e599f7',
};
const HANDLE = 7; // screen pixels around a corner that grab it

type Drag =
  | { kind: 'draw'; label: Label; x0: number; y0: number }
  | { kind: 'move'; label: Label; start: PixelBox; px: number; py: number }
  | { kind: 'resize'; label: Label; ax: number; ay: number }
  | { kind: 'pan'; sx: number; sy: number; ox: number; oy: number };

export interface ViewerCallbacks {
  /** The current label to draw. */
  label(): Label;
  /** A gesture finished: the box for `label` is now `box` on slice `slice`. */
  commit(label: Label, box: PixelBox, slice: number): void;
  /** The viewer was clicked (becomes the one arrow keys nudge), and `label` picked if a box was hit. */
  focus(label: Label | undefined): void;
}

export class Viewer {
  slice: number;
  window = 1;
  level = 0;
  zoom = 1;
  panX = 0;
  panY = 0;
  boxes: Partial<Record<Label, PlacedBox>> = {};
  /** Excluded vertebrae and why: their boxes are drawn crossed out with the reason. */
  excluded: Partial<Record<Label, string>> = {};
  selected: Label | undefined;
  private drag: Drag | undefined;
  private live: { label: Label; box: PixelBox } | undefined;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly bitmap = document.createElement('canvas');

  constructor(
    readonly canvas: HTMLCanvasElement,
    readonly series: LoadedSeries,
    private readonly cb: ViewerCallbacks,
  ) {
    this.ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    this.slice = series.midIndex;
    this.autoWindow();
    canvas.addEventListener('mousedown', (e) => this.down(e));
    window.addEventListener('mousemove', (e) => this.move(e));
    window.addEventListener('mouseup', (e) => this.up(e));
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    canvas.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
  }

  get image() {
    return this.series.slices[this.slice];
  }

  /** Window/level from the 1st-99th percentile of the current slice. */
  autoWindow(): void {
    const sorted = Float32Array.from(this.image.data).sort();
    const lo = sorted[Math.floor(sorted.length * 0.01)] ?? 0;
    const hi = sorted[Math.floor(sorted.length * 0.99)] ?? 1;
    this.window = Math.max(1e-6, hi - lo);
    this.level = (hi + lo) / 2;
  }

  /** Screen pixels per image pixel. */
  get scale(): number {
    const fit = Math.min(this.canvas.width / this.image.columns, this.canvas.height / this.image.rows);
    return fit * this.zoom;
  }
  /** Canvas position of image edge coordinate (x, y). */
  toScreen(x: number, y: number): [number, number] {
    return [this.panX + x * this.scale, this.panY + y * this.scale];
  }
  toImage(e: MouseEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    const cx = ((e.clientX - r.left) * this.canvas.width) / r.width;
    const cy = ((e.clientY - r.top) * this.canvas.height) / r.height;
    return [(cx - this.panX) / this.scale, (cy - this.panY) / this.scale];
  }

  render(): void {
    const img = this.image;
    this.bitmap.width = img.columns;
    this.bitmap.height = img.rows;
    const bctx = this.bitmap.getContext('2d') as CanvasRenderingContext2D;
    const out = bctx.createImageData(img.columns, img.rows);
    const lo = this.level - this.window / 2;
    for (let i = 0; i < img.data.length; i++) {
      const v = Math.max(0, Math.min(255, ((img.data[i] - lo) / this.window) * 255));
      out.data[4 * i] = v;
      out.data[4 * i + 1] = v;
      out.data[4 * i + 2] = v;
      out.data[4 * i + 3] = 255;
    }
    bctx.putImageData(out, 0, 0);
    const c = this.ctx;
    c.fillStyle = '#000';
    c.fillRect(0, 0, this.canvas.width, this.canvas.height);
    c.imageSmoothingEnabled = false;
    c.drawImage(this.bitmap, this.panX, this.panY, img.columns * this.scale, img.rows * this.scale);
    for (const [label, placed] of Object.entries(this.boxes) as Array<[Label, PlacedBox]>) {
      const box = this.live?.label === label ? this.live.box : placed.box;
      const onSlice = label === 'CSF' || (placed.slice ?? this.series.midIndex) === this.slice;
      this.drawBox(label, box, onSlice);
    }
    if (this.live && !this.boxes[this.live.label]) this.drawBox(this.live.label, this.live.box, true);
  }

  private drawBox(label: Label, b: PixelBox, onSlice: boolean): void {
    const c = this.ctx;
    const [x0, y0] = this.toScreen(b.x, b.y);
    const [x1, y1] = this.toScreen(b.x + b.width, b.y + b.height);
    c.strokeStyle = COLOURS[label];
    c.lineWidth = label === this.selected ? 2.5 : 1.5;
    const proposal = this.boxes[label]?.proposal;
    // a proposal (op-screen locate, not yet accepted): long dashes and its confidence
    c.setLineDash(proposal ? [10, 5] : onSlice ? [] : [4, 4]);
    c.strokeRect(x0, y0, x1 - x0, y1 - y0);
    c.setLineDash([]);
    c.fillStyle = COLOURS[label];
    c.font = '12px sans-serif';
    const reason = this.excluded[label];
    const name = proposal ? `${label} proposed ${proposal.confidence.toFixed(2)}` : label;
    c.fillText(reason ? `${label} excluded: ${reason.replace('_', ' ')}` : name, x0 + 2, y0 - 3);
    if (reason) {
      c.beginPath();
      c.moveTo(x0, y0);
      c.lineTo(x1, y1);
      c.moveTo(x1, y0);
      c.lineTo(x0, y1);
      c.stroke();
    }
    if (label === this.selected)
      for (const [hx, hy] of [
        [x0, y0],
        [x1, y0],
        [x0, y1],
        [x1, y1],
      ])
        c.fillRect((hx as number) - 3, (hy as number) - 3, 6, 6);
  }

  /** The box under an image point: a corner (resize) first, then the inside (move); selected box wins. */
  private hit(x: number, y: number): { label: Label; corner?: [number, number] } | undefined {
    const tol = HANDLE / this.scale;
    const entries = (Object.entries(this.boxes) as Array<[Label, PlacedBox]>).sort(
      ([a], [b]) => Number(b === this.selected) - Number(a === this.selected),
    );
    for (const [label, { box: b }] of entries) {
      for (const [cx, cy, ax, ay] of [
        [b.x, b.y, b.x + b.width, b.y + b.height],
        [b.x + b.width, b.y, b.x, b.y + b.height],
        [b.x, b.y + b.height, b.x + b.width, b.y],
        [b.x + b.width, b.y + b.height, b.x, b.y],
      ] as Array<[number, number, number, number]>)
        if (Math.abs(x - cx) <= tol && Math.abs(y - cy) <= tol) return { label, corner: [ax, ay] };
    }
    for (const [label, { box: b }] of entries)
      if (x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height) return { label };
    return undefined;
  }

  private down(e: MouseEvent): void {
    e.preventDefault();
    // The canvas takes the keyboard back from a slider or list (arrows nudge, 1-4/C choose).
    (document.activeElement as HTMLElement | null)?.blur();
    if (e.button === 2 || e.shiftKey) {
      this.drag = { kind: 'pan', sx: e.clientX, sy: e.clientY, ox: this.panX, oy: this.panY };
      return;
    }
    if (e.button !== 0) return;
    const [x, y] = this.toImage(e);
    const h = this.hit(x, y);
    this.cb.focus(h?.label);
    if (h?.corner) {
      this.drag = { kind: 'resize', label: h.label, ax: h.corner[0], ay: h.corner[1] };
    } else if (h) {
      const start = (this.boxes[h.label] as PlacedBox).box;
      this.drag = { kind: 'move', label: h.label, start, px: x, py: y };
    } else {
      const label = this.cb.label();
      this.drag = { kind: 'draw', label, x0: Math.round(x), y0: Math.round(y) };
    }
    this.selected = h?.label ?? this.cb.label();
    this.render();
  }

  private clampBox(b: PixelBox): PixelBox {
    const cols = this.image.columns;
    const rows = this.image.rows;
    const w = Math.min(Math.max(1, b.width), cols);
    const h = Math.min(Math.max(1, b.height), rows);
    return {
      x: Math.min(Math.max(0, b.x), cols - w),
      y: Math.min(Math.max(0, b.y), rows - h),
      width: w,
      height: h,
    };
  }

  private spanBox(ax: number, ay: number, x: number, y: number): PixelBox {
    const cols = this.image.columns;
    const rows = this.image.rows;
    const bx = Math.min(cols, Math.max(0, Math.round(x)));
    const by = Math.min(rows, Math.max(0, Math.round(y)));
    const x0 = Math.min(ax, bx);
    const y0 = Math.min(ay, by);
    return { x: x0, y: y0, width: Math.abs(bx - ax), height: Math.abs(by - ay) };
  }

  private move(e: MouseEvent): void {
    const d = this.drag;
    if (!d) return;
    if (d.kind === 'pan') {
      const r = this.canvas.getBoundingClientRect();
      this.panX = d.ox + ((e.clientX - d.sx) * this.canvas.width) / r.width;
      this.panY = d.oy + ((e.clientY - d.sy) * this.canvas.height) / r.height;
      this.render();
      return;
    }
    const [x, y] = this.toImage(e);
    let box: PixelBox;
    if (d.kind === 'draw') box = this.spanBox(d.x0, d.y0, x, y);
    else if (d.kind === 'resize') box = this.spanBox(d.ax, d.ay, x, y);
    else
      box = this.clampBox({
        ...d.start,
        x: d.start.x + Math.round(x - d.px),
        y: d.start.y + Math.round(y - d.py),
      });
    this.live = { label: d.label, box };
    this.render();
  }

  private up(_e: MouseEvent): void {
    const d = this.drag;
    this.drag = undefined;
    const live = this.live;
    this.live = undefined;
    if (d && d.kind !== 'pan' && live && live.box.width >= 1 && live.box.height >= 1)
      this.cb.commit(live.label, live.box, this.slice);
    else this.render();
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const r = this.canvas.getBoundingClientRect();
    const cx = ((e.clientX - r.left) * this.canvas.width) / r.width;
    const cy = ((e.clientY - r.top) * this.canvas.height) / r.height;
    const before = this.scale;
    this.zoom = Math.min(16, Math.max(0.25, this.zoom * (e.deltaY < 0 ? 1.25 : 0.8)));
    const k = this.scale / before;
    this.panX = cx - (cx - this.panX) * k;
    this.panY = cy - (cy - this.panY) * k;
    this.render();
  }

  /** A box moved by (dx, dy) pixels, kept inside the image. */
  nudged(label: Label, dx: number, dy: number): PixelBox | undefined {
    const b = this.boxes[label]?.box;
    return b ? this.clampBox({ ...b, x: b.x + dx, y: b.y + dy }) : undefined;
  }
}
