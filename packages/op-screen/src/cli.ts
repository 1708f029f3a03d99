import { Command } from 'commander';
import { registerAnnotateCommand } from './commands/annotate.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerInspectCommand } from './commands/inspect.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerQueueCommand } from './commands/queue.js';
import { registerReproduceCommand } from './commands/reproduce.js';
import { registerScanCommand } from './commands/scan.js';
import { registerSynthCommand } from './commands/synth.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerZooCommand } from './commands/zoo.js';
import { doctor } from './doctor.js';
import { VERSION } from './version.js';

const program = new Command();
program
  .name('op-screen')
  .description(
    'Opportunistic osteoporosis screening from lumbar-spine MRI (research software, not a diagnostic device)',
  )
  .version(VERSION, '-V, --version', 'print the op-screen version');

program
  .command('doctor')
  .description('print versions, the compute backend it would use and the cache directory')
  .option('--json', 'print JSON')
  .action(async (opts: { json?: boolean }) => {
    const report = await doctor();
    if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else
      for (const [k, v] of Object.entries(report))
        process.stdout.write(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}\n`);
  });

registerInspectCommand(program);
registerEvaluateCommand(program);
registerZooCommand(program);
registerSynthCommand(program);
registerReproduceCommand(program);
registerPredictCommand(program);
registerScanCommand(program);
registerAnnotateCommand(program);
registerWorkerCommand(program);
registerQueueCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`op-screen: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
