// The facade's locate stage: the shipped locator on the zoo's backend, one series or a manifest.

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { selectBackendFromEnv } from '@op-screen/backend';
import * as loc from '@op-screen/locate';
import { type FillReport, fillManifestBoxes } from './manifest-fill.js';
import { locatePool } from './pool.js';

export { type FillOptions, type FillReport, fillManifestBoxes, locateSummary } from './manifest-fill.js';

/** The `--json` shape of one located series (README of @op-screen/locate, "CLI"). */
export interface LocateJson {
  slice: number;
  levels: Record<string, BoxJson>;
  csf: BoxJson | null;
  numbering: loc.LocateResult['numbering'];
  warnings: loc.LocateWarning[];
  weightsSha256: string;
}

export interface BoxJson {
  box: [number, number, number, number];
  centerMm: [number, number, number] | null;
  cornersMm: Array<[number, number, number]> | null;
  confidence: number;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

function boxJson(b: loc.LocatedBox): BoxJson {
  return {
    box: [b.rect.x, b.rect.y, b.rect.width, b.rect.height],
    centerMm: b.centerMm ? (b.centerMm.map(r3) as [number, number, number]) : null,
    cornersMm: b.cornersMm ? b.cornersMm.map((c) => c.map(r3) as [number, number, number]) : null,
    confidence: r3(b.confidence),
  };
}

export function locateJson(r: loc.LocateResult): LocateJson {
  const levels: Record<string, BoxJson> = {};
  for (const l of loc.LEVELS) {
    const b = r.levels[l];
    if (b) levels[l] = boxJson(b);
  }
  return {
    slice: r.slice,
    levels,
    csf: r.csf ? boxJson(r.csf) : null,
    numbering: r.numbering,
    warnings: r.warnings,
    weightsSha256: r.weightsSha256,
  };
}

let ready: Promise<loc.Locator> | null = null;
/** The shipped locator on the zoo's backend (OP_SCREEN_BACKEND, else auto: wasm in Node), loaded once. */
export function shippedLocator(): Promise<loc.Locator> {
  if (!ready) ready = selectBackendFromEnv().then(() => loc.loadLocator());
  return ready;
}

/**
 * `locate --manifest` and `scan --locate`: fills the manifest's boxes, `jobs` series at a time in
 * child processes (default one per core; 1 = in this process). Each series is located alone, so
 * the manifest written is the same whatever `jobs` is.
 */
export async function fillWithJobs(
  manifest: string,
  o: {
    force?: boolean;
    minConfidence?: number;
    jobs?: number;
    onImage?: (done: number, total: number) => void;
  },
): Promise<FillReport> {
  const jobs = o.jobs ?? availableParallelism();
  const minConfidence = o.minConfidence ?? 0.5;
  if (jobs <= 1) {
    const locator = await shippedLocator();
    return fillManifestBoxes(manifest, {
      locator,
      force: o.force,
      minConfidence,
      onImage: o.onImage,
      locate: (image) => loc.locateFile(image, locator, { minConfidence }),
    });
  }
  const pool = locatePool(jobs, [process.execPath, cliPath()], minConfidence);
  try {
    return await fillManifestBoxes(manifest, {
      force: o.force,
      minConfidence,
      onImage: o.onImage,
      concurrency: jobs,
      locate: (image) => pool.locate(image),
    });
  } finally {
    pool.close();
  }
}

/** The CLI script of this package (dist/cli.js beside this module once built). */
function cliPath(): string {
  return fileURLToPath(new URL('./cli.js', import.meta.url));
}
