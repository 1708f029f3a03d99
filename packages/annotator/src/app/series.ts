// Fetches a series' files from the server and decodes them in the page with @op-screen/mri-io's
// browser build, in the spatial order mri-io's Node side uses (so `slice` indices agree).
import {
  type DicomImage,
  detectFormat,
  dicomSlice,
  type NiftiImage,
  niftiSagittalSlice,
  orderSeries,
  readDicom,
  readImage,
  type Slice2D,
} from '@op-screen/mri-io';
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

/** The plane geometry of each slice, for mapping boxes between series. */
function geometryOf(slices: Slice2D[]): PlaneGeometry[] {
  return slices.map(
    (s): PlaneGeometry => ({
      origin: s.origin ?? [0, 0, 0],
      rowCosines: s.rowCosines ?? [1, 0, 0],
      columnCosines: s.columnCosines ?? [0, 1, 0],
      pixelSpacing: s.pixelSpacing,
      rows: s.rows,
      columns: s.columns,
    }),
  );
}

/**
 * A NIfTI volume (`.nii` or `.nii.gz`): its sagittal slices exactly as mri-io's `readSlice` cuts
 * them in Node (`niftiSagittalSlice`: rows head to feet, columns anterior to posterior, index along
 * the normal), so a box drawn here is the box `reproduce` crops.
 */
function niftiSeries(image: NiftiImage): LoadedSeries {
  const mid = niftiSagittalSlice(image);
  const slices = Array.from({ length: mid.source.count }, (_, k) =>
    k === mid.source.index ? mid : niftiSagittalSlice(image, k),
  );
  return { slices, geometry: geometryOf(slices), midIndex: mid.source.index, frameOfReference: null };
}

export async function loadSeries(files: string[], token: string): Promise<LoadedSeries> {
  if (files.length === 0) throw new Error("the manifest's image file is missing");
  const bytes = await Promise.all(files.map((url) => fetchBytes(url, token)));
  if (bytes.length === 1 && detectFormat(bytes[0] as Uint8Array) === 'nifti') {
    const image = await readImage(bytes[0] as Uint8Array);
    if (image.kind === 'nifti') return niftiSeries(image);
  }
  const images = await Promise.all(
    bytes.map(async (b, i): Promise<DicomImage> => ({ ...(await readDicom(b)), file: files[i] as string })),
  );
  const byFile = new Map(images.map((img) => [img.file as string, img]));
  const ordered = orderSeries(images[0]?.seriesInstanceUID ?? 'series', images);
  const slices = ordered.files.map((f) => dicomSlice(byFile.get(f) as DicomImage));
  return {
    slices,
    geometry: geometryOf(slices),
    midIndex: ordered.midSagittalIndex,
    frameOfReference: images[0]?.frameOfReferenceUID ?? null,
  };
}
