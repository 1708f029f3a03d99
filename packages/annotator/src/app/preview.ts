// The crop each box makes, after the study's preprocessing (@op-screen/preprocess's
// study-efficientnet-b4 preset: grayscale, Laplacian sharpen, median, 1-99 percentile clip,
// min-max, 380x380 bilinear), run in the page, shown as the network would see it.
import { cropRoi, type Slice2D } from '@op-screen/mri-io';
import { createPipeline, imageFromData } from '@op-screen/preprocess';
import type { PixelBox } from '../columns.js';

const pipeline = createPipeline('study-efficientnet-b4');

/** The preprocessed crop (380x380, values in [0, 1]). */
export function preprocessCrop(slice: Slice2D, box: PixelBox): { data: Float32Array; size: number } {
  const c = cropRoi(slice, box, { clip: true });
  const out = pipeline.run(imageFromData(c.data, { height: c.rows, width: c.columns, channels: 1 }));
  return { data: out.data, size: out.width };
}

export function drawPreview(canvas: HTMLCanvasElement, slice: Slice2D, box: PixelBox): void {
  const { data, size } = preprocessCrop(slice, box);
  const tmp = document.createElement('canvas');
  tmp.width = size;
  tmp.height = size;
  const tctx = tmp.getContext('2d') as CanvasRenderingContext2D;
  const img = tctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const v = Math.round(Math.max(0, Math.min(1, data[i])) * 255);
    img.data.set([v, v, v, 255], 4 * i);
  }
  tctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  canvas.dataset.sum = data.reduce((a, b) => a + b, 0).toFixed(3);
}
