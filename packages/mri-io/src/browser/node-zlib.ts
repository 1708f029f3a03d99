import { Gunzip } from 'fflate';

type Listener = (arg?: unknown) => void;

/**
 * Browser stand-in for `node:zlib`'s `createGunzip` in the browser build, backed by fflate: the
 * subset `inflateGzipPrefix` uses (`on('data'|'end'|'error')`, `end(input)`, `destroy()`).
 * Errors carry Node's codes: a stream cut short is `Z_BUF_ERROR`, corrupt data `Z_DATA_ERROR`.
 */
export function createGunzip(options: { chunkSize?: number } = {}) {
  const listeners = new Map<string, Listener[]>();
  let destroyed = false;
  let ended = false;
  const emit = (event: string, arg?: unknown) => {
    for (const l of listeners.get(event) ?? []) if (!destroyed) l(arg);
  };
  const stream = new Gunzip((chunk, final) => {
    emit('data', chunk);
    if (final) ended = true;
  });
  const slice = options.chunkSize ?? 64 * 1024;
  return {
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return this;
    },
    destroy() {
      destroyed = true;
    },
    end(input: Uint8Array) {
      // Asynchronous like a Node stream, so listeners attached after end() still hear everything.
      queueMicrotask(() => {
        try {
          for (let pos = 0; pos < input.length && !destroyed && !ended; pos += slice) {
            const stop = Math.min(input.length, pos + slice);
            stream.push(input.subarray(pos, stop), stop === input.length);
          }
          if (!destroyed && !ended) {
            const err = Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
            emit('error', err);
            return;
          }
          emit('end');
        } catch (e) {
          const code = (e as { code?: number }).code === 0 ? 'Z_BUF_ERROR' : 'Z_DATA_ERROR';
          emit('error', Object.assign(new Error((e as Error).message), { code }));
        }
      });
    },
  };
}
