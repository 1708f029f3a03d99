// Finds Debian's redis-server (installing it with apt-get when running as root) and runs it on a
// free 127.0.0.1 port with its own directory and an fsynced append-only file, so a restart keeps
// the jobs. A missing Redis is an error: the queue tests never skip.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

export function findRedisServer(): string {
  const fromEnv = process.env.OP_SCREEN_REDIS_SERVER;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`OP_SCREEN_REDIS_SERVER=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = () => CANDIDATES.find((p) => existsSync(p));
  if (found()) return found() as string;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const APT_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () =>
      execFileSync('apt-get', [...APT_WAIT, 'install', '-y', '--no-install-recommends', 'redis-server'], {
        stdio: 'ignore',
        env,
      });
    try {
      install();
    } catch {
      execFileSync('apt-get', [...APT_WAIT, 'update'], { stdio: 'ignore', env });
      install();
    }
  }
  const after = found();
  if (!after)
    throw new Error(
      'redis-server not found: install Debian\'s "redis-server" (apt-get install -y redis-server) or set OP_SCREEN_REDIS_SERVER',
    );
  return after;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

async function answers(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.end();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

export interface RedisServer {
  port: number;
  password: string;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** A redis-server child on a free loopback port, password-protected, append-only with fsync always. */
export async function startRedis(password = 'queue-test-secret'): Promise<RedisServer> {
  const bin = findRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'op-screen-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    port,
    password,
    url: `redis://:${password}@127.0.0.1:${port}/0`,
    async start() {
      child = spawn(
        bin,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--save',
          '',
          '--requirepass',
          password,
          '--logfile',
          join(dir, 'redis.log'),
        ],
        { stdio: 'ignore' },
      );
      const deadline = Date.now() + 20_000;
      while (!(await answers(port))) {
        if (Date.now() > deadline)
          throw new Error(`redis-server did not listen on 127.0.0.1:${port} within 20 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (c.exitCode === null) c.kill('SIGKILL');
    },
  };
  await server.start();
  return server;
}
