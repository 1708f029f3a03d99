import {
  excludedCounts,
  type RunPaths,
  type SkippedRow,
  skippedToCsv,
  writeFileAtomic,
} from '@op-screen/study';
import { createStepProgress } from '@op-screen/train';
import { OpScreenError } from '../../errors.js';
import type { RunConfig } from '../../run/config.js';
import { loadVertebrae, type VertebraImage } from '../../run/data.js';
import type { ReproduceDeps } from '../../run/types.js';
import type { Cohort } from './cohort.js';

export interface LoadedImages {
  images: VertebraImage[];
  /** Manifest rows and images that could not be used, by manifest line (written to skipped.csv). */
  skipped: SkippedRow[];
  /** Rows the manifest's `exclude` column excluded, counted by reason. */
  excluded: ReturnType<typeof excludedCounts>;
}

/** Stage 2: read every row's slice, crop the vertebra, measure the VBQ signals; skipped rows go to skipped.csv. */
export async function loadImages(
  cohort: Cohort,
  cfg: Pick<RunConfig, 'wholeImage'>,
  deps: Pick<ReproduceDeps, 'read' | 'crop' | 'checkCrop'>,
  paths: RunPaths,
  log: (line: string) => void,
  /** False on queue workers: skipped.csv is the coordinator's to write. */
  writeSkipped = true,
): Promise<LoadedImages> {
  const loadBar = createStepProgress('reading images', cohort.rows.length);
  const loaded = await loadVertebrae(
    cohort.rows,
    deps.read,
    deps.crop,
    (d) => loadBar.update(d),
    deps.checkCrop,
    { wholeImage: cfg.wholeImage === true },
  );
  loadBar.stop();
  const skipped = [...cohort.manifest.skipped, ...loaded.skipped].sort((a, b) => a.line - b.line);
  if (writeSkipped) await writeFileAtomic(paths.skipped, skippedToCsv(skipped));
  const excluded = excludedCounts(cohort.manifest.skipped, cohort.manifest.rows);
  const excludedText = Object.entries(excluded).map(([k, n]) => `${n} ${k.replace('_', ' ')}`);
  const kept = cohort.manifest.rows.some((r) => r.exclude);
  log(
    `${loaded.images.length} images usable, ${skipped.length} manifest rows skipped (see skipped.csv)` +
      (excludedText.length
        ? kept
          ? `; marked for exclusion by the manifest but included (--include-excluded): ${excludedText.join(', ')}`
          : `; excluded by the manifest: ${excludedText.join(', ')}`
        : ''),
  );
  const noRoi = loaded.skipped.filter((r) => r.code === 'NO_ROI').length;
  if (loaded.images.length === 0 && noRoi > 0)
    throw new OpScreenError(
      'NO_ROI',
      `${noRoi} manifest rows have no roi on a slice that shows several vertebrae, and no row is usable; draw the L1-L4 boxes with op-screen annotate, or allow whole images explicitly (wholeImage) when each image already is one vertebra.`,
      cohort.manifestPath,
      'wholeImage',
    );
  if (loaded.images.length === 0)
    throw new OpScreenError(
      'NO_USABLE_ROWS',
      `no usable manifest rows in ${cohort.manifestPath}; see ${paths.skipped} for the reasons.`,
      cohort.manifestPath,
    );
  return { images: loaded.images, skipped, excluded };
}
