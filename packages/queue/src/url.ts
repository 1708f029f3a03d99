import { OpScreenError } from '@op-screen/pipeline';
import type { RedisOptions } from 'bullmq';

/** A parsed `--queue` URL: BullMQ connection options and a printable form without the password. */
export interface QueueTarget {
  connection: RedisOptions;
  /** `redis://host:port/db` with any password replaced by `***`: the only form that is logged. */
  display: string;
  /** `redis://host:port/db` without user or password (for "start workers with" hints). */
  bare: string;
}

/**
 * Parses `redis://[user[:password]@]host[:port][/db]` or `rediss://...` (TLS). A password in the
 * URL wins; otherwise `OP_SCREEN_REDIS_PASSWORD` is used. Commands retry while Redis restarts
 * (maxRetriesPerRequest: null, as BullMQ requires for workers).
 */
export function parseQueueUrl(url: string, env: NodeJS.ProcessEnv = process.env): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OpScreenError('QUEUE_URL', `--queue must be a redis:// or rediss:// URL (got something else).`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new OpScreenError(
      'QUEUE_URL',
      `--queue must be a redis:// or rediss:// URL (got ${u.protocol}//...).`,
    );
  if (!u.hostname) throw new OpScreenError('QUEUE_URL', '--queue URL has no host.');
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0)
    throw new OpScreenError('QUEUE_URL', `--queue URL: the database must be a number (got "/${dbText}").`);
  const password = u.password ? decodeURIComponent(u.password) : env.OP_SCREEN_REDIS_PASSWORD || undefined;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const connection: RedisOptions = {
    host,
    port,
    db,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    // Reconnect forever, at most every 2 s, so a restarted Redis is picked up quickly.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
  if (username) connection.username = username;
  if (password) connection.password = password;
  if (u.protocol === 'rediss:') connection.tls = { servername: host };
  const auth = username || password ? `${username ?? ''}${password ? ':***' : ''}@` : '';
  const display = `${u.protocol}//${auth}${u.hostname}:${port}/${db}`;
  return { connection, display, bare: `${u.protocol}//${u.hostname}:${port}/${db}` };
}

/** Replaces any occurrence of the password in a message (errors from the Redis client). */
export function redact(text: string, target: QueueTarget): string {
  const pw = target.connection.password;
  return pw ? text.split(pw).join('***') : text;
}
