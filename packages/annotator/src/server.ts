import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SaveRequest } from './columns.js';
import { AnnotatorError } from './errors.js';
import { type LoadedManifest, loadAnnotationManifest, saveOwnedColumns } from './manifest-file.js';
import { type LoadedModel, loadModelDir } from './model-dir.js';

export interface AnnotateServerOptions {
  /** The manifest CSV to annotate (edited in place; the original is kept once as FILE.orig). */
  manifest: string;
  /**
   * A finished `op-screen reproduce` run (RUN_DIR, or RUN_DIR/model) for in-browser predictions:
   * its fold models, preprocessing and thresholds are served to the page.
   */
  model?: string;
  /** Port on 127.0.0.1; 0 or absent picks a free one. */
  port?: number;
  /** Directory of the built page (default: this package's dist/app). */
  appDir?: string;
  /** Where the `{"url": ...}` line goes (default process.stdout); null prints nothing. */
  stdout?: NodeJS.WritableStream | null;
}

export interface AnnotateServer {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

// The page may talk to this server only; the CSP makes the browser refuse anything else.
const CSP =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function defaultAppDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // dist/index.js -> dist/app; src/server.ts (tests) -> ../dist/app
  for (const d of [join(here, 'app'), join(here, '..', 'dist', 'app')])
    if (existsSync(join(d, 'app.js'))) return d;
  throw new AnnotatorError(
    'APP_NOT_BUILT',
    'the page is not built; run the package build (pnpm build) first',
  );
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Uint8Array,
  type = 'text/plain; charset=utf-8',
) {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': CSP,
  });
  res.end(body);
}
const sendJson = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, JSON.stringify(value), 'application/json');

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    n += (chunk as Buffer).length;
    if (n > limit) throw new AnnotatorError('BAD_SAVE', `request body above ${limit} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** The token from the URL, the `x-annotate-token` header or the page's cookie (set by `GET /?token=`). */
function tokenOk(req: IncomingMessage, url: URL, token: string, cookieName: string): boolean {
  const cookie = (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === cookieName)?.[1];
  const given =
    url.searchParams.get('token') ?? (req.headers['x-annotate-token'] as string | undefined) ?? cookie ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A request path that is refused before any lookup: `..`, `.`, empty segments (`//`, absolute paths), NUL or backslashes. */
export function isUnsafePath(rawPath: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return true;
  }
  if (/[\0\\]/.test(decoded)) return true;
  const segments = decoded.split('/').slice(1);
  return segments.some((s, i) => s === '..' || s === '.' || (s === '' && i < segments.length - 1));
}

/**
 * Starts the annotator's server on 127.0.0.1: the page and its assets, the manifest's state and
 * the files it references, nothing else; every request must carry the per-run token. Prints one
 * JSON line `{"url": "http://127.0.0.1:PORT/?token=..."}`.
 */
export async function startAnnotateServer(options: AnnotateServerOptions): Promise<AnnotateServer> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new AnnotatorError('BAD_OPTION', `--port must be an integer 0-65535 (got ${options.port})`);
  const appDir = options.appDir ?? defaultAppDir();
  const assets = new Map<string, string>();
  for (const name of await readdir(appDir))
    if (name !== 'index.html') assets.set(`/app/${name}`, join(appDir, name));
  const indexHtml = await readFile(join(appDir, 'index.html'), 'utf8');
  const model: LoadedModel | undefined =
    options.model === undefined ? undefined : await loadModelDir(options.model);
  let loaded: LoadedManifest = await loadAnnotationManifest(options.manifest);
  const token = randomBytes(24).toString('base64url');
  let saving: Promise<unknown> = Promise.resolve();
  let hostOk = (_h: string | undefined) => false;
  let cookieName = 'op_screen_token';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!hostOk(req.headers.host)) return send(res, 421, 'wrong Host header');
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    if (isUnsafePath(rawPath)) return send(res, 400, 'refused path');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!tokenOk(req, url, token, cookieName)) return send(res, 403, 'missing or wrong token');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/') {
      // The page's lazily loaded chunks (the codecs) are fetched without the query: the cookie
      // carries the token for them. Per port, so two annotators on one machine do not clash.
      res.setHeader('set-cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
      return send(res, 200, indexHtml.replaceAll('__TOKEN__', encodeURIComponent(token)), TYPES['.html']);
    }
    if (req.method === 'GET' && path === '/api/manifest') {
      loaded = await loadAnnotationManifest(options.manifest);
      return sendJson(res, 200, loaded.state);
    }
    if (req.method === 'PUT' && path === '/api/manifest') {
      const body = JSON.parse(await readBody(req, 16 * 1024 * 1024)) as SaveRequest;
      const write = saving.then(() => saveOwnedColumns(options.manifest, body));
      saving = write.catch(() => {});
      return sendJson(res, 200, { version: await write });
    }
    if (req.method === 'GET' && path === '/api/model')
      // no model: 204, not 404, so the page's probe leaves no error in the browser console
      return model ? sendJson(res, 200, model.info) : send(res, 204, '');
    const file =
      req.method === 'GET'
        ? (assets.get(path) ?? loaded.files.get(path) ?? model?.files.get(path))
        : undefined;
    if (file === undefined) return send(res, 404, 'not found');
    return send(res, 200, await readFile(file), TYPES[extname(file)] ?? 'application/octet-stream');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof AnnotatorError)
        return sendJson(res, err.code === 'MANIFEST_CHANGED' ? 409 : 400, {
          code: err.code,
          message: err.message,
        });
      if (err instanceof SyntaxError)
        return sendJson(res, 400, { code: 'BAD_SAVE', message: 'body is not JSON' });
      sendJson(res, 500, { code: 'INTERNAL', message: (err as Error).message });
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => ok());
  });
  const actual = (server.address() as AddressInfo).port;
  hostOk = (h) => h === `127.0.0.1:${actual}` || h === `localhost:${actual}`;
  cookieName = `op_screen_token_${actual}`;
  const url = `http://127.0.0.1:${actual}/?token=${token}`;
  if (options.stdout !== null) (options.stdout ?? process.stdout).write(`${JSON.stringify({ url })}\n`);
  return {
    url,
    port: actual,
    token,
    server,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
