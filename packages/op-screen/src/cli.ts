import { Command, CommanderError } from 'commander';
import { registerAnnotateCommand } from './commands/annotate.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { EXIT_OK, EXIT_USAGE, renderError, wantsJson } from './commands/errors.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerInspectCommand } from './commands/inspect.js';
import { registerLocateCommand } from './commands/locate.js';
import { registerLocateWorkerCommand } from './commands/locate-worker.js';
import { registerPredictCommand } from './commands/predict.js';
import { registerQueueCommand } from './commands/queue.js';
import { registerReproduceCommand } from './commands/reproduce.js';
import { registerScanCommand } from './commands/scan.js';
import { registerSynthCommand } from './commands/synth.js';
import { registerTrainUnitCommand } from './commands/train-unit.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerZooCommand } from './commands/zoo.js';
import { VERSION } from './version.js';

const program = new Command();
program
  .name('op-screen')
  .description(
    'Opportunistic osteoporosis screening from lumbar-spine MRI (research software, not a diagnostic device)',
  )
  .version(VERSION, '-V, --version', 'print the op-screen version')
  // Usage errors are thrown (not printed and exited by commander) so that they are rendered in the
  // one error shape below, and exit 2. Subcommands inherit both settings.
  .exitOverride()
  .configureOutput({ outputError: () => {} });

registerDoctorCommand(program);
registerInspectCommand(program);
registerEvaluateCommand(program);
registerZooCommand(program);
registerSynthCommand(program);
registerReproduceCommand(program);
registerPredictCommand(program);
registerScanCommand(program);
registerLocateCommand(program);
registerLocateWorkerCommand(program);
registerAnnotateCommand(program);
registerWorkerCommand(program);
registerQueueCommand(program);
registerTrainUnitCommand(program);

/** The command a command line names ("zoo forward"), for the error line; undefined before one. */
function commandName(argv: string[]): string | undefined {
  const names: string[] = [];
  let cmd: Command = program;
  for (const arg of argv) {
    if (arg.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(sub.name());
    cmd = sub;
  }
  return names.length ? names.join(' ') : undefined;
}

const args = process.argv.slice(2);
program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // --help and --version end through here too
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
      process.exitCode = EXIT_OK;
      return;
    }
    if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') {
      // a command group without its subcommand: the help is already on stderr
      if (wantsJson(args))
        renderError(new CommanderError(EXIT_USAGE, 'USAGE', 'a subcommand is required; see --help'), {
          json: true,
          write: (t) => process.stderr.write(t),
        });
      process.exitCode = EXIT_USAGE;
      return;
    }
  }
  process.exitCode = renderError(err, {
    json: wantsJson(args),
    command: commandName(args),
    write: (t) => process.stderr.write(t),
  });
});
