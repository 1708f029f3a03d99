// Node-only: the shipped weights from the package's weights/ folder, and a series from a path.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { assembleVolume, MriIoError, orderSeries, readImage, readSeriesDirectory } from '@op-screen/mri-io';
import { MODEL_CARD } from './card.js';
import { LocateError } from './errors.js';
import { type LocateOptions, type LocateResult, locateVertebrae } from './locate.js';
import { type Locator, locatorFromBytes } from './locator.js';
import type { LocateInput } from './stack.js';

/**
 * The shipped locator (weights/locate-v1.bin, sha256 checked against the model card), or the
 * weights file at `path` (no hash to check against).
 */
export async function loadLocator(path?: string): Promise<Locator> {
  const file = path ?? fileURLToPath(new URL('../weights/locate-v1.bin', import.meta.url));
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    throw new LocateError(
      'BAD_WEIGHTS',
      `cannot read the weights (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      file,
    );
  }
  return locatorFromBytes(bytes, path ? undefined : MODEL_CARD.sha256, file);
}

export interface ReadLocateInputOptions {
  /** With several series in a directory, the one to use. */
  seriesInstanceUID?: string;
}

/** A NIfTI file, an (enhanced) DICOM file or a DICOM series directory, as a locate input. */
export async function readLocateInput(
  path: string,
  options: ReadLocateInputOptions = {},
): Promise<LocateInput> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (err) {
    throw new MriIoError('NOT_FOUND', 'no such file or directory; check the path', path, { cause: err });
  }
  if (isDir) {
    const dir = await readSeriesDirectory(path);
    let series = dir.series;
    if (options.seriesInstanceUID)
      series = series.filter((s) => s.seriesInstanceUID === options.seriesInstanceUID);
    if (series.length === 0)
      throw new MriIoError('EMPTY_SERIES', 'no readable DICOM image series in the directory', path);
    if (series.length > 1) {
      throw new MriIoError(
        'BAD_ARGUMENT',
        `the directory holds ${series.length} series; pass seriesInstanceUID to choose one`,
        path,
      );
    }
    return assembleVolume(series[0]);
  }
  const image = await readImage(path);
  if (image.kind === 'nifti') return image;
  return assembleVolume(orderSeries(image.seriesInstanceUID ?? '', [image]));
}

/** {@link readLocateInput} then {@link locateVertebrae}. */
export async function locateFile(
  path: string,
  locator: Locator,
  options: LocateOptions & ReadLocateInputOptions = {},
): Promise<LocateResult> {
  return locateVertebrae(await readLocateInput(path, options), locator, options);
}
