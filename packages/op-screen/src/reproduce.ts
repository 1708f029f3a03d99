import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type ReproduceOptions as PipelineOptions,
  type ReproduceDeps,
  type ReproduceResult,
  reproduce as runPipeline,
} from '@op-screen/pipeline';
import { parseQueueUrl, queueExecutor } from '@op-screen/queue';

export interface ReproduceOptions extends Omit<PipelineOptions, 'executor'> {
  /**
   * `redis://` or `rediss://` URL: the run becomes a coordinator that trains its folds on BullMQ
   * workers (`op-screen worker`) and evaluates when they have finished. Never stored in the run.
   */
  queue?: string;
}

/** This package's CLI (`dist/cli.js`, whose `train-unit` trains one unit), when it is built. */
function cliCommand(): string[] | undefined {
  const cli = fileURLToPath(new URL('./cli.js', import.meta.url));
  return existsSync(cli) ? [process.execPath, cli] : undefined;
}

/**
 * `op-screen reproduce` (@op-screen/pipeline's `reproduce`), with two kinds of wiring: `queue`
 * trains the units on BullMQ workers, and `jobs` > 1 trains them in child processes of this
 * package's CLI.
 */
export async function reproduce(opts: ReproduceOptions, deps?: ReproduceDeps): Promise<ReproduceResult> {
  const { queue, ...rest } = opts;
  // Parsed before the run directory exists, so a mistyped URL leaves nothing behind.
  const target = queue ? parseQueueUrl(queue) : undefined;
  const unitCommand = rest.unitCommand ?? cliCommand();
  return runPipeline(
    {
      ...rest,
      ...(unitCommand ? { unitCommand } : {}),
      ...(target
        ? {
            executor: (run) =>
              queueExecutor(target, run.paths, run.fingerprint, run.arch, run.folds, run.log),
          }
        : {}),
    },
    deps,
  );
}
