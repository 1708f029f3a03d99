import * as loc from '@op-screen/locate';
import type { Command } from 'commander';
import { shippedLocator } from '../locate/index.js';
import type { LocateWorkerMessage } from '../locate/pool.js';

/**
 * `op-screen locate-worker` (hidden): a child process of `op-screen locate --manifest --jobs N`
 * (and `scan --locate`). It locates the series its parent sends over IPC, one at a time, and exits
 * when the parent disconnects or dies. Not for people: it has no options.
 */
export function registerLocateWorkerCommand(program: Command): void {
  program
    .command('locate-worker', { hidden: true })
    .description('internal: a locate --jobs child process')
    .action(async () => {
      if (!process.send) throw new Error('locate-worker runs only as a child of op-screen locate');
      const send = (m: LocateWorkerMessage) => process.send?.(m);
      process.on('disconnect', () => process.exit(0));
      const locator = await shippedLocator();
      process.on('message', (m: LocateWorkerMessage) => {
        if (m.kind !== 'locate') return;
        loc
          .locateFile(m.path, locator, { minConfidence: m.minConfidence })
          .then((result) => send({ kind: 'result', id: m.id, result }))
          .catch((err: unknown) => {
            const e = err as { code?: string; message?: string; file?: string };
            send({
              kind: 'error',
              id: m.id,
              code: e.code ?? 'LOCATE_FAILED',
              message: e.message ?? String(err),
              file: e.file,
            });
          });
      });
      await new Promise(() => {});
    });
}
