// Node-only: the shipped weights from the package's weights/ folder, and a series from a path.
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { assembleVolume, MriIoError, orderSeries, readDirectorySeries, readImage } from '@op-screen/mri-io';
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
  /**
   * Locate in a directory even when some of its files could not be read (default false:
   * `SERIES_INCOMPLETE`, as `readSlice` does; the slice a manifest row names must be the same
   * instance for every reader).
   */
  allowIncomplete?: boolean;
}

/**
 * A NIfTI file, an (enhanced) DICOM file or a DICOM series directory, as a locate input. A
 * directory's series is chosen by @op-screen/mri-io's `readDirectorySeries`, as `readSlice`
 * chooses it.
 */
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
  if (isDir) return assembleVolume(await readDirectorySeries(path, options));
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
