// Locating many series on all cores: child processes (`op-screen locate-worker`, hidden), each
// with the shipped locator on its own single-threaded wasm backend, fed one path at a time over
// IPC. Every series is located alone, so the results are those of one process.
import { type ChildProcess, spawn } from 'node:child_process';
import type { LocateResult } from '@op-screen/locate';

export type LocateWorkerMessage =
  | { kind: 'locate'; id: number; path: string; minConfidence: number }
  | { kind: 'result'; id: number; result: LocateResult }
  | { kind: 'error'; id: number; code: string; message: string; file?: string };

export interface LocatePool {
  locate(path: string): Promise<LocateResult>;
  close(): void;
}

/** `size` child processes running `command` + `locate-worker` (command: [node, .../cli.js]). */
export function locatePool(size: number, command: string[], minConfidence: number): LocatePool {
  const [cmd, ...pre] = command as [string, ...string[]];
  const idle: ChildProcess[] = [];
  const waiting: Array<(c: ChildProcess) => void> = [];
  const pending = new Map<
    number,
    { resolve: (r: LocateResult) => void; reject: (e: Error) => void; child: ChildProcess }
  >();
  let next = 0;
  const release = (c: ChildProcess) => {
    const w = waiting.shift();
    if (w) w(c);
    else idle.push(c);
  };
  for (let i = 0; i < size; i++) {
    const child = spawn(cmd, [...pre, 'locate-worker'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.on('message', (m: LocateWorkerMessage) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.kind === 'result') p.resolve(m.result);
      else if (m.kind === 'error')
        p.reject(Object.assign(new Error(m.message), { code: m.code, file: m.file }));
      release(child);
    });
    child.on('exit', (code, signal) => {
      for (const [id, p] of pending)
        if (p.child === child) {
          pending.delete(id);
          p.reject(
            Object.assign(new Error(`the locate process ended (${signal ?? `exit ${code}`})`), {
              code: 'LOCATE_FAILED',
            }),
          );
        }
    });
    idle.push(child);
  }
  const acquire = () =>
    new Promise<ChildProcess>((ok) => (idle.length ? ok(idle.shift() as ChildProcess) : waiting.push(ok)));
  return {
    async locate(path) {
      const child = await acquire();
      const id = next++;
      return new Promise<LocateResult>((resolve, reject) => {
        pending.set(id, { resolve, reject, child });
        child.send({ kind: 'locate', id, path, minConfidence } satisfies LocateWorkerMessage);
      });
    },
    close() {
      for (const c of [...idle, ...[...pending.values()].map((p) => p.child)])
        if (c.connected) c.disconnect();
    },
  };
}
