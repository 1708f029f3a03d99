import { invalidParameter } from './errors.js';

/**
 * How a kernel reads past the image edge, named as in `scipy.ndimage`:
 * - `reflect`  (d c b a | a b c d | d c b a): half-sample symmetric, the edge pixel repeats.
 * - `mirror`   (d c b | a b c d | c b a): whole-sample symmetric, the edge pixel does not repeat.
 * - `nearest`  (a a a | a b c d | d d d): the edge pixel extends.
 * - `wrap`     (a b c d | a b c d | a b c d): periodic.
 * - `constant` (k k k | a b c d | k k k): a constant `cval` (default 0).
 */
export type BorderMode = 'reflect' | 'mirror' | 'nearest' | 'wrap' | 'constant';

export const BORDER_MODES: readonly BorderMode[] = ['reflect', 'mirror', 'nearest', 'wrap', 'constant'];

export function checkBorderMode(mode: unknown): BorderMode {
  if (typeof mode !== 'string' || !(BORDER_MODES as readonly string[]).includes(mode)) {
    throw invalidParameter('mode', mode, `one of ${BORDER_MODES.join(', ')}`);
  }
  return mode as BorderMode;
}

/** Maps a possibly out-of-range index to [0, n), or -1 for `constant` mode outside the image. */
export function mapIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'wrap':
      return ((i % n) + n) % n;
    case 'reflect': {
      const p = 2 * n;
      let j = ((i % p) + p) % p;
      if (j >= n) j = p - 1 - j;
      return j;
    }
    case 'mirror': {
      if (n === 1) return 0;
      const p = 2 * n - 2;
      let j = ((i % p) + p) % p;
      if (j >= n) j = p - j;
      return j;
    }
  }
}

/**
 * Index table for offsets -radius..n-1+radius: `table[i + radius]` is the source index of i
 * (or -1 for constant borders). Built once per call, so inner loops do no border arithmetic.
 */
export function borderTable(n: number, radius: number, mode: BorderMode): Int32Array {
  const t = new Int32Array(n + 2 * radius);
  for (let i = -radius; i < n + radius; i++) t[i + radius] = mapIndex(i, n, mode);
  return t;
}
