import type { UnitMessage } from '@op-screen/pipeline';
import { trainUnit } from '@op-screen/pipeline';
import type { Command } from 'commander';

/**
 * `op-screen train-unit` (hidden): the child process of `reproduce --jobs N`. It takes training
 * units from its parent over IPC, one at a time, reports each epoch and the result, and exits when
 * the parent disconnects (also when the parent dies). Not for people: it has no options.
 */
export function registerTrainUnitCommand(program: Command): void {
  program
    .command('train-unit', { hidden: true })
    .description('internal: a reproduce --jobs child process')
    .action(async () => {
      if (!process.send) throw new Error('train-unit runs only as a child of op-screen reproduce --jobs');
      const send = (m: UnitMessage) => process.send?.(m);
      process.on('disconnect', () => process.exit(0));
      process.on('message', (m: UnitMessage) => {
        if (m.kind !== 'train') return;
        trainUnit(m.unit, {
          log: (l) => process.stderr.write(`${l}\n`),
          onEpoch: (e, epochs) =>
            send({ kind: 'epoch', epoch: e.epoch, epochs, loss: e.loss, valLoss: e.valLoss }),
        })
          .then((r) => send({ kind: 'done', epochs: r.epochs, seconds: r.seconds }))
          .catch((err: unknown) => {
            const e = err as { code?: string; message?: string };
            send({
              kind: 'failed',
              reason: `${e.code ?? 'TRAINING_FAILED'}: ${(e.message ?? String(err)).split('\n')[0]}`,
            });
          });
      });
      // stay alive for the parent's messages
      await new Promise(() => {});
    });
}
