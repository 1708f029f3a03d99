import { basename, dirname } from 'node:path';
import type { Slice2D } from '@op-screen/mri-io';
import { centralMedian, type Region, regionMedian } from '@op-screen/preprocess';
import type { ManifestRow, PixelBox, SkippedRow } from '@op-screen/study';

/** One slice in real-world values (modality LUT applied), row-major [rows, columns]: mri-io's `Slice2D` without geometry. */
export type SliceImage = Pick<Slice2D, 'data' | 'rows' | 'columns'> & {
  /** How many slices (or frames) the image had; more than one means the row needs a `roi`. */
  source?: Pick<Slice2D['source'], 'count'>;
};

/** Reads the chosen slice (default: mid-sagittal) of a DICOM file, DICOM series directory or NIfTI file. */
export type SliceReader = (image: string, slice: number | undefined) => Promise<SliceImage>;

/** A ROI crop of a slice; boxes are clipped to the slice, an empty intersection is an error. */
export type Cropper = (slice: SliceImage, box: PixelBox) => Region;

/**
 * Typed warnings about a crop that make it useless for training or scoring (`CONSTANT_CROP` from
 * @op-screen/preprocess's pipeline check); a row with any is skipped with the warning's code.
 */
export type CropCheck = (crop: Region) => Array<{ code: string; message: string }>;

export interface VertebraImage {
  row: ManifestRow;
  crop: Region;
  /** Median real-world signal of the central half of the vertebral body ROI (VBQ numerator). */
  marrowSignal: number;
  /** Median CSF signal in csf_roi on the same slice, when the row has one. */
  csfSignal: number | undefined;
}

export interface LoadResult {
  images: VertebraImage[];
  skipped: SkippedRow[];
}

/**
 * A reader's message with every path cut to its file name: the directories above an image may
 * name the patient (`/export/Smith_John/T1/IM0001`), and rows are identified by line only. The
 * row's own image path (which may hold spaces) first, then anything else that looks like a path.
 */
export function withoutDirectories(message: string, image?: string): string {
  let m = message;
  if (image) {
    m = m.split(`(${image})`).join(`(file ${basename(image)})`);
    m = m.split(image).join(`(file ${basename(image)})`);
    m = m.split(dirname(image)).join('(directory)');
  }
  return m.replace(/(?<=^|[\s'"(=])(?:[A-Za-z]:)?(?:[\\/][^\s\\/'"()<>,;:]+)+[\\/]?/g, (path) => {
    const name = basename(path.replace(/[\\/]+$/, '').replace(/\\/g, '/'));
    return name ? `(file ${name})` : path;
  });
}

function boxInside(b: PixelBox, s: SliceImage): boolean {
  return b.x >= 0 && b.y >= 0 && b.x + b.width <= s.columns && b.y + b.height <= s.rows;
}

/**
 * Reads every manifest row's slice once per (image, slice), crops the vertebra and measures the
 * VBQ signals. Unreadable images and ROIs outside the slice are skipped with a reason.
 */
export async function loadVertebrae(
  rows: ManifestRow[],
  read: SliceReader,
  crop: Cropper,
  onProgress?: (done: number, total: number) => void,
  check?: CropCheck,
  opts: { wholeImage?: boolean } = {},
): Promise<LoadResult> {
  const cache = new Map<string, Promise<SliceImage>>();
  const images: VertebraImage[] = [];
  const skipped: SkippedRow[] = [];
  const sliceKey = (row: ManifestRow) => `${row.image}\u0000${row.slice ?? 'mid'}`;
  // rows without a box that share one slice would all be the same image
  const boxlessPerSlice = new Map<string, number>();
  for (const row of rows)
    if (!row.roi) boxlessPerSlice.set(sliceKey(row), (boxlessPerSlice.get(sliceKey(row)) ?? 0) + 1);
  let done = 0;
  for (const row of rows) {
    const key = sliceKey(row);
    let p = cache.get(key);
    if (!p) {
      p = read(row.image, row.slice);
      cache.set(key, p);
      // Keep memory bounded: a manifest lists one series' levels together.
      if (cache.size > 8) cache.delete(cache.keys().next().value as string);
    }
    try {
      const slice = await p;
      const slices = slice.source?.count ?? 1;
      const sharing = boxlessPerSlice.get(key) ?? 0;
      if (!row.roi && !opts.wholeImage && (slices > 1 || sharing > 1)) {
        skipped.push({
          line: row.line,
          code: 'NO_ROI',
          reason: `no roi, and the whole ${slices > 1 ? `slice of a ${slices}-slice series` : 'slice'} ${sharing > 1 ? `would be the same image for ${sharing} rows` : 'shows several vertebrae'}: draw the vertebra's box (op-screen annotate), or allow whole images explicitly`,
        });
        continue;
      }
      const box = row.roi ?? { x: 0, y: 0, width: slice.columns, height: slice.rows };
      if (!boxInside(box, slice)) {
        skipped.push({
          line: row.line,
          code: 'INVALID_ROW',
          reason: `roi ${box.x},${box.y},${box.width},${box.height} lies outside the ${slice.columns}x${slice.rows} slice`,
        });
        continue;
      }
      const region = crop(slice, box);
      const warning = check?.(region)[0];
      if (warning) {
        skipped.push({ line: row.line, code: warning.code as SkippedRow['code'], reason: warning.message });
        continue;
      }
      let csfSignal: number | undefined;
      if (row.csfRoi && boxInside(row.csfRoi, slice)) csfSignal = regionMedian(crop(slice, row.csfRoi));
      images.push({ row, crop: region, marrowSignal: centralMedian(region), csfSignal });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      skipped.push({
        line: row.line,
        code: 'UNREADABLE_IMAGE',
        reason: `${e.code ?? 'ERROR'}: ${withoutDirectories((e.message ?? String(err)).split('\n')[0] ?? '', row.image)}`,
      });
    } finally {
      onProgress?.(++done, rows.length);
    }
  }
  return { images, skipped };
}
