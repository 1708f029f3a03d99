// Checkpoint files: "OSCKPT01", u32 header length, JSON header, zero padding to 4 bytes, then
// float32 arrays back to back (little-endian). The header lists each array's section, name and
// shape, plus a 32-bit checksum of the data. Files are written atomically: temp file in the
// same directory, fsync, rename, fsync of the directory, so a kill leaves the old or the new
// checkpoint, never half of one.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TrainError } from './errors.js';

const MAGIC = 'OSCKPT01';

export interface ArrayEntry {
  section: string;
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export interface CheckpointFile<M> {
  meta: M;
  arrays: Map<string, Float32Array[]>;
}

function checksum(bytes: Uint8Array): number {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ (words[i] as number), 0x01000193) >>> 0;
  return h >>> 0;
}

/** JSON with ±Infinity and NaN kept (scheduler "best" starts at +Infinity). */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(value, (_k, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? { $num: String(v) } : v,
  );
}
export function parseExact<T>(text: string): T {
  return JSON.parse(text, (_k, v) => (v && typeof v === 'object' && '$num' in v ? Number(v.$num) : v)) as T;
}

export async function writeCheckpoint<M>(
  file: string,
  meta: M,
  sections: Array<{ section: string; names: string[]; shapes: number[][]; data: Float32Array[] }>,
): Promise<void> {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  const chunks: Float32Array[] = [];
  for (const s of sections) {
    s.data.forEach((d, i) => {
      entries.push({
        section: s.section,
        name: s.names[i] as string,
        shape: s.shapes[i] as number[],
        offset,
        length: d.length,
      });
      offset += d.length;
      chunks.push(d);
    });
  }
  const data = new Uint8Array(offset * 4);
  let pos = 0;
  for (const c of chunks) {
    data.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), pos);
    pos += c.byteLength;
  }
  let header = Buffer.from(
    stringifyExact({ meta, entries, checksum: checksum(data), floats: offset }),
    'utf8',
  );
  const pad = (4 - ((MAGIC.length + 4 + header.length) % 4)) % 4;
  header = Buffer.concat([header, Buffer.alloc(pad, 0x20)]);
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(header.length, MAGIC.length);
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.write(prefix);
    await fh.write(header);
    await fh.write(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const dir = await open(dirname(file), 'r');
  try {
    await dir.sync();
  } catch {
    // some filesystems refuse fsync on directories; the rename itself is still atomic
  } finally {
    await dir.close();
  }
}

export async function readCheckpoint<M>(file: string): Promise<CheckpointFile<M>> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new TrainError(
      'CHECKPOINT_CORRUPT',
      `cannot read checkpoint ${file}: ${(e as Error).message}`,
      file,
    );
  }
  const corrupt = (why: string) =>
    new TrainError(
      'CHECKPOINT_CORRUPT',
      `checkpoint ${file} is damaged (${why}); delete it or start without resume`,
      file,
    );
  if (buf.length < MAGIC.length + 4 || buf.toString('ascii', 0, MAGIC.length) !== MAGIC)
    throw corrupt('bad magic');
  const hlen = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + hlen;
  if (start > buf.length) throw corrupt('header runs past the end');
  let header: { meta: M; entries: ArrayEntry[]; checksum: number; floats: number };
  try {
    header = parseExact(buf.toString('utf8', MAGIC.length + 4, start));
  } catch {
    throw corrupt('header is not JSON');
  }
  if (buf.length - start !== header.floats * 4)
    throw corrupt(`expected ${header.floats * 4} data bytes, found ${buf.length - start}`);
  const data = new Uint8Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  if (checksum(data) !== header.checksum) throw corrupt('checksum mismatch');
  const floats = new Float32Array(data.buffer, 0, header.floats);
  const arrays = new Map<string, Float32Array[]>();
  for (const e of header.entries) {
    const list = arrays.get(e.section) ?? [];
    list.push(floats.subarray(e.offset, e.offset + e.length));
    arrays.set(e.section, list);
  }
  return { meta: header.meta, arrays };
}

export const LAST_CHECKPOINT = 'last.ckpt';
export const BEST_WEIGHTS = 'best.ckpt';

export function checkpointPaths(dir: string): { last: string; best: string } {
  return { last: join(dir, LAST_CHECKPOINT), best: join(dir, BEST_WEIGHTS) };
}

export async function removeStaleTemps(file: string): Promise<void> {
  await rm(`${file}.tmp-${process.pid}`, { force: true });
}
