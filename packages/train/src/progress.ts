// Per-epoch progress: a cli-progress bar (images/s, loss, ETA) on a TTY, one line per epoch
// otherwise, nothing when disabled.
import { createRequire } from 'node:module';

interface Bar {
  start(total: number, value: number, payload?: Record<string, unknown>): void;
  update(value: number, payload?: Record<string, unknown>): void;
  setTotal(total: number): void;
  getTotal(): number;
  stop(): void;
}
interface CliProgress {
  SingleBar: new (opts: Record<string, unknown>, preset?: unknown) => Bar;
  Presets: { shades_classic: unknown };
}

const req = createRequire(import.meta.url);

export interface EpochProgress {
  startEpoch(epoch: number, epochs: number, expectedImages: number | undefined): void;
  update(images: number, loss: number, imagesPerSecond: number): void;
  endEpoch(line: string): void;
}

export function createProgress(
  mode: boolean | 'auto',
  stream: NodeJS.WriteStream = process.stderr,
): EpochProgress {
  const tty = Boolean(stream.isTTY);
  if (mode === false) return { startEpoch() {}, update() {}, endEpoch() {} };
  if (mode === 'auto' && !tty) {
    return {
      startEpoch() {},
      update() {},
      endEpoch(line) {
        stream.write(`${line}\n`);
      },
    };
  }
  const { SingleBar, Presets } = req('cli-progress') as CliProgress;
  let bar: Bar | undefined;
  let known = false;
  return {
    startEpoch(epoch, epochs, expected) {
      known = expected !== undefined;
      // the first epoch's image count is unknown until its iterator ends: no total, bar or ETA
      // then (a guessed total read as "8/9 img"); later epochs expect the previous epoch's count
      const format = known
        ? `epoch ${epoch + 1}/${epochs} {bar} {value}/{total} img | {ips} img/s | loss {loss} | ETA {eta_formatted}`
        : `epoch ${epoch + 1}/${epochs} {value} img | {ips} img/s | loss {loss}`;
      bar = new SingleBar(
        { format, stream, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
        Presets.shades_classic,
      );
      bar.start(expected ?? Number.MAX_SAFE_INTEGER, 0, { ips: '-', loss: '-' });
    },
    update(images, loss, ips) {
      if (!bar) return;
      if (known && images > bar.getTotal()) bar.setTotal(images);
      bar.update(images, { ips: ips.toFixed(2), loss: loss.toFixed(4) });
    },
    endEpoch(line) {
      bar?.stop();
      bar = undefined;
      stream.write(`${line}\n`);
    },
  };
}

/** A counted step of a command (reading images, scoring, writing a cohort). */
export interface StepProgress {
  update(done: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * The one progress bar of op-screen for counted steps: a cli-progress bar on a TTY (the epoch bar
 * above is the same bar with training fields); elsewhere silent, the callers log one line per step.
 */
export function createStepProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): StepProgress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const { SingleBar, Presets } = req('cli-progress') as CliProgress;
  const bar = new SingleBar(
    {
      format: `${label.padEnd(18)} [{bar}] {value}/{total} {info}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
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
