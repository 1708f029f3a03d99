// Fetches a series' files from the server and decodes them in the page with @op-screen/mri-io's
// browser build, in the spatial order mri-io's Node side uses (so `slice` indices agree).
import { type DicomImage, dicomSlice, orderSeries, readDicom, type Slice2D } from '@op-screen/mri-io';
import type { PlaneGeometry } from '../geometry.js';

export interface LoadedSeries {
  slices: Slice2D[];
  geometry: PlaneGeometry[];
  midIndex: number;
  frameOfReference: string | null;
}

async function fetchBytes(url: string, token: string): Promise<Uint8Array> {
  const res = await fetch(`${url}?token=${token}`);
  if (!res.ok) throw new Error(`could not load ${url} (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function loadSeries(files: string[], token: string): Promise<LoadedSeries> {
  const images = await Promise.all(
    files.map(
      async (url): Promise<DicomImage> => ({ ...(await readDicom(await fetchBytes(url, token))), file: url }),
    ),
  );
  const byFile = new Map(images.map((img) => [img.file as string, img]));
  const ordered = orderSeries(images[0]?.seriesInstanceUID ?? 'series', images);
  const slices = ordered.files.map((f) => dicomSlice(byFile.get(f) as DicomImage));
  const geometry = slices.map(
    (s): PlaneGeometry => ({
      origin: s.origin ?? [0, 0, 0],
      rowCosines: s.rowCosines ?? [1, 0, 0],
      columnCosines: s.columnCosines ?? [0, 1, 0],
      pixelSpacing: s.pixelSpacing,
      rows: s.rows,
      columns: s.columns,
    }),
  );
  return {
    slices,
    geometry,
    midIndex: ordered.midSagittalIndex,
    frameOfReference: images[0]?.frameOfReferenceUID ?? null,
  };
}
