import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/** A progress bar on a TTY (stderr); otherwise silent, the callers log one line per step. */
export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label.padEnd(18)} [{bar}] {value}/{total} {info}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { info: '' });
  return {
    update(done, payload) {
      bar.update(done, {
        info: payload
          ? Object.entries(payload)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')
          : '',
      });
    },
    stop() {
      bar.stop();
    },
  };
}
