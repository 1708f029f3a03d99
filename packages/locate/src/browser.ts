/** Package version, kept in step with package.json by the release process. */
export const VERSION: string = '0.0.0';
export const PACKAGE_NAME = '@op-screen/locate' as const;

import { MODEL_CARD } from './card.js';
// @op-screen/locate, browser entry: the same API over what the page gives it. The shipped
// weights are fetched from `DEFAULT_WEIGHTS_URL` (bundlers resolve it) or passed as bytes.
import { LocateError } from './errors.js';
import { type Locator, locatorFromBytes } from './locator.js';

export * from './common.js';

/** Where the shipped weights sit beside this module once bundled or served from the package. */
export const DEFAULT_WEIGHTS_URL: URL = new URL('../weights/locate-v1.bin', import.meta.url);

/** The shipped locator (fetched, sha256 checked against the model card), or one from bytes. */
export async function loadLocator(source: URL | string | Uint8Array = DEFAULT_WEIGHTS_URL): Promise<Locator> {
  if (source instanceof Uint8Array) return locatorFromBytes(source);
  const res = await fetch(source);
  if (!res.ok)
    throw new LocateError('BAD_WEIGHTS', `could not fetch the weights (HTTP ${res.status})`, String(source));
  const bytes = new Uint8Array(await res.arrayBuffer());
  return locatorFromBytes(
    bytes,
    String(source) === String(DEFAULT_WEIGHTS_URL) ? MODEL_CARD.sha256 : undefined,
    String(source),
  );
}
