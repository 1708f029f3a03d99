import { spawn } from 'node:child_process';
import { startAnnotateServer } from '@op-screen/annotator';
import type { Command } from 'commander';
import { parseIntOption } from './options.js';

/** Opens `url` in the desktop's browser when there is one (xdg-open / open / start); never fails the command. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`could not open a browser (${cmd}); open the URL above\n`));
    child.unref();
  } catch {
    process.stderr.write('could not open a browser; open the URL above\n');
  }
}

/** Registers `op-screen annotate --manifest FILE [--model DIR] [--port N] [--no-open]` (@op-screen/annotator's server). */
export function registerAnnotateCommand(program: Command): void {
  program
    .command('annotate')
    .description(
      'draw L1-L4 and CSF boxes and mark excluded vertebrae in a browser page served on 127.0.0.1; every edit is saved to the manifest',
    )
    .requiredOption(
      '--manifest <file>',
      'manifest CSV to annotate (edited in place; the original is kept as FILE.orig)',
    )
    .option(
      '--model <dir>',
      'a finished reproduce run (RUN_DIR or RUN_DIR/model): its fold models score the boxed crops in the page, with Grad-CAM',
    )
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', parseIntOption)
    .option('--no-open', 'do not open a browser; just print the URL')
    .action(async (opts: { manifest: string; model?: string; port?: number; open: boolean }) => {
      const server = await startAnnotateServer({
        manifest: opts.manifest,
        model: opts.model,
        port: opts.port,
      });
      process.stderr.write('annotator running; press Ctrl+C to stop\n');
      if (opts.open) openBrowser(server.url);
      const stop = () => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
