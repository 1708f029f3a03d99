import { readJson, writeJsonAtomic } from '@op-screen/study';

interface TimingFile {
  sessions: Array<{ startedAt: string; seconds: number }>;
}

/** How often a running session's time is written to `timing.json` between epochs (ms). */
export const TIMING_SAVE_EVERY_MS = 15_000;

/**
 * Wall time over all sessions of a run: a resumed run adds its session to the interrupted ones in
 * `timing.json`, rewritten atomically after every epoch and every `everyMs` in between, so a killed
 * session's time is kept too (all but at most `everyMs` of it). Call `stop()` when the run ends.
 */
export class RunTimer {
  private constructor(
    private readonly path: string,
    private readonly timing: TimingFile,
    private readonly session: { startedAt: string; seconds: number },
    private readonly t0: number,
  ) {}

  private writes: Promise<void> = Promise.resolve();
  private tick: ReturnType<typeof setInterval> | undefined;

  static async start(
    path: string,
    t0 = performance.now(),
    everyMs = TIMING_SAVE_EVERY_MS,
  ): Promise<RunTimer> {
    const timing = (await readJson<TimingFile>(path)) ?? { sessions: [] };
    const session = { startedAt: new Date().toISOString(), seconds: 0 };
    timing.sessions.push(session);
    const timer = new RunTimer(path, timing, session, t0);
    // on disk at once: a session killed before its first epoch is still listed (with the time
    // it had when it started), and a later session never overwrites the list without it
    await timer.save();
    if (everyMs > 0) {
      // a failed periodic write is not the run's failure: the next epoch's save reports it
      timer.tick = setInterval(() => void timer.save().catch(() => {}), everyMs);
      timer.tick.unref();
    }
    return timer;
  }

  /** Stops the periodic saves (the run ended, or failed). */
  stop(): void {
    if (this.tick !== undefined) clearInterval(this.tick);
    this.tick = undefined;
  }

  get sessions(): number {
    return this.timing.sessions.length;
  }

  /** Records this session's time so far; returns the total over all sessions (seconds). */
  async save(): Promise<number> {
    this.session.seconds = (performance.now() - this.t0) / 1000;
    const snapshot = JSON.parse(JSON.stringify(this.timing)) as TimingFile;
    this.writes = this.writes.then(() => writeJsonAtomic(this.path, snapshot));
    await this.writes;
    return this.timing.sessions.reduce((sum, x) => sum + x.seconds, 0);
  }
}
