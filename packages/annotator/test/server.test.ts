import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelDir, resolveModelDir } from '../src/model-dir.js';
import { type AnnotateServer, isUnsafePath, startAnnotateServer } from '../src/server.js';
import { synthCohort } from './cohort.js';

/** A raw HTTP GET: the path goes out exactly as given (fetch would normalise `..`). */
function rawGet(
  port: number,
  path: string,
  host = `127.0.0.1:${port}`,
  cookie?: string,
): Promise<{ status: number; body: string; setCookie?: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', headers: cookie ? { host, cookie } : { host } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(parts).toString('latin1'),
            setCookie: res.headers['set-cookie'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('annotate server', () => {
  let server: AnnotateServer;
  let printed = '';
  const cohort = synthCohort(2, 11);
  const t = () => `token=${server.token}`;
  beforeAll(async () => {
    server = await startAnnotateServer({
      manifest: cohort.manifest,
      stdout: { write: (s: string) => (printed += s) } as unknown as NodeJS.WritableStream,
    });
  });
  afterAll(() => server?.close());

  it('prints one JSON line with a 127.0.0.1 URL carrying the token, and listens on 127.0.0.1 only', () => {
    expect(printed.endsWith('\n')).toBe(true);
    const { url } = JSON.parse(printed) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    expect(server.server.address()).toMatchObject({ address: '127.0.0.1' });
  });

  it('serves the page, the state and the manifest files with the token', async () => {
    const page = await rawGet(server.port, `/?${t()}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`/app/app.js?token=${server.token}`);
    const state = JSON.parse((await rawGet(server.port, `/api/manifest?${t()}`)).body);
    expect(state.rows).toHaveLength(16);
    expect(state.series).toHaveLength(4);
    const file = state.series[0].files[0] as string;
    expect(file).toMatch(/^\/files\/series\/SYN0001\/T1\/IM000\d\.dcm$/);
    const dcm = await rawGet(server.port, `${file}?${t()}`);
    expect(dcm.status).toBe(200);
    expect(dcm.body.slice(128, 132)).toBe('DICM');
    expect((await rawGet(server.port, `/app/app.js?${t()}`)).status).toBe(200);
  });

  it("sets the token as this port's HttpOnly cookie with the page, and accepts it (chunks load without the query)", async () => {
    const page = await rawGet(server.port, `/?${t()}`);
    const name = `op_screen_token_${server.port}`;
    expect(page.setCookie).toEqual([`${name}=${server.token}; HttpOnly; SameSite=Strict; Path=/`]);
    expect((await rawGet(server.port, '/app/app.js', undefined, `${name}=${server.token}`)).status).toBe(200);
    expect((await rawGet(server.port, '/app/app.js', undefined, `${name}=nope`)).status).toBe(403);
    expect(
      (await rawGet(server.port, '/app/app.js', undefined, `op_screen_token_1=${server.token}`)).status,
    ).toBe(403);
  });

  it('refuses requests without the right token', async () => {
    for (const path of ['/', '/api/manifest', '/app/app.js', '/files/series/SYN0001/T1/IM0001.dcm'])
      expect((await rawGet(server.port, path)).status).toBe(403);
    expect((await rawGet(server.port, '/?token=wrong')).status).toBe(403);
  });

  it('refuses ../, absolute paths, files outside the manifest, directory listings and foreign Host headers', async () => {
    const refused = [
      '/files/series/SYN0001/T1/../../../manifest.csv',
      '/files/../manifest.csv',
      '/files/%2e%2e/manifest.csv',
      '/app/../package.json',
      '/files//etc/passwd',
      '/files/%2Fetc%2Fpasswd',
      '//etc/passwd',
      '/files/series%5c..%5cmanifest.csv',
    ];
    for (const path of refused) {
      const r = await rawGet(server.port, `${path}?${t()}`);
      expect(r.status, path).toBe(400);
    }
    for (const path of [
      '/etc/passwd',
      '/files/manifest.csv',
      '/files/series/SYN0001/T1/',
      '/files/series/SYN0001',
      `/files${cohort.manifest}`,
      '/app/',
    ]) {
      const r = await rawGet(server.port, `${path}?${t()}`);
      expect(r.status, path).toBe(404);
      expect(r.body).toBe('not found');
    }
    expect((await rawGet(server.port, `/?${t()}`, 'evil.example:80')).status).toBe(421);
  });

  it('isUnsafePath flags traversal and empty segments only', () => {
    expect(isUnsafePath('/files/a/b.dcm')).toBe(false);
    expect(isUnsafePath('/')).toBe(false);
    expect(isUnsafePath('/files/a/./b')).toBe(true);
    expect(isUnsafePath('/files/%ZZ')).toBe(true);
    expect(isUnsafePath('/files/a%00b')).toBe(true);
  });
});

/** A run directory shaped like `op-screen reproduce`'s: model/meta.json and T1/fold-K/model.json + a shard. */
function fakeRun(opts: { shard?: string } = {}): string {
  const run = mkdtempSync(join(tmpdir(), 'annotate-model-'));
  mkdirSync(join(run, 'model'));
  writeFileSync(join(run, 'report.json'), '{"secret": true}');
  writeFileSync(
    join(run, 'model', 'meta.json'),
    JSON.stringify({
      config: { arch: 'resnet18', inputSize: 32, channels: 1 },
      sequences: ['T1'],
      folds: 2,
      preprocessing: { pipeline: { name: 'quick-32', steps: [] } },
      thresholds: { T1: { image: 0.41, patient: 0.43 } },
    }),
  );
  for (const k of [0, 1]) {
    const dir = join(run, 'model', 'T1', `fold-${k}`);
    mkdirSync(dir, { recursive: true });
    const shard = opts.shard ?? 'group1-shard1of1.bin';
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: [shard] }] }));
    writeFileSync(join(dir, 'group1-shard1of1.bin'), Buffer.from([k, 1, 2, 3]));
    writeFileSync(join(dir, 'other.bin'), 'not listed');
  }
  return run;
}

describe('annotate server with --model', () => {
  const cohort = synthCohort(2, 12);
  const run = fakeRun();
  let server: AnnotateServer;
  const t = () => `token=${server.token}`;
  beforeAll(async () => {
    server = await startAnnotateServer({ manifest: cohort.manifest, model: run, stdout: null });
  });
  afterAll(() => server?.close());

  it('accepts the run directory or its model directory, and serves the run meta as JSON', async () => {
    expect(resolveModelDir(run)).toBe(join(run, 'model'));
    expect(resolveModelDir(join(run, 'model'))).toBe(join(run, 'model'));
    const r = await rawGet(server.port, `/api/model?${t()}`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({
      sequences: ['T1'],
      folds: 2,
      arch: 'resnet18',
      inputSize: 32,
      channels: 1,
      pipeline: { name: 'quick-32', steps: [] },
      thresholds: { T1: { image: 0.41, patient: 0.43 } },
      // a card written before recalibration: the page uses the scores as they are, and no band
      calibration: null,
      band: null,
      models: { T1: ['/model/T1/fold-0/model.json', '/model/T1/fold-1/model.json'] },
      pooling: 'mean',
    });
  });

  it("serves each fold's model.json and the shards it lists, with the token only", async () => {
    expect((await rawGet(server.port, `/model/T1/fold-1/model.json?${t()}`)).status).toBe(200);
    const shard = await rawGet(server.port, `/model/T1/fold-1/group1-shard1of1.bin?${t()}`);
    expect(shard.status).toBe(200);
    expect([...Buffer.from(shard.body, 'latin1')]).toEqual([1, 1, 2, 3]);
    for (const path of ['/api/model', '/model/T1/fold-0/model.json', '/model/T1/fold-0/group1-shard1of1.bin'])
      expect((await rawGet(server.port, path)).status, path).toBe(403);
  });

  it('refuses model files outside the list, ../ and the rest of the run directory', async () => {
    for (const path of [
      '/model/T1/fold-0/../../meta.json',
      '/model/T1/%2e%2e/fold-0/model.json',
      '/model//meta.json',
    ])
      expect((await rawGet(server.port, `${path}?${t()}`)).status, path).toBe(400);
    for (const path of [
      '/model/meta.json',
      '/model/T1/fold-0/other.bin',
      '/model/T1/fold-2/model.json',
      '/model/T1/fold-0/',
      '/model/report.json',
      '/report.json',
      `/model${run}/report.json`,
    ])
      expect((await rawGet(server.port, `${path}?${t()}`)).status, path).toBe(404);
  });

  it('answers 204 (no model, no console error in the page) on /api/model without --model', async () => {
    const plain = await startAnnotateServer({ manifest: cohort.manifest, stdout: null });
    try {
      expect((await rawGet(plain.port, `/api/model?token=${plain.token}`)).status).toBe(204);
    } finally {
      await plain.close();
    }
  });

  it('refuses a directory with no run, a shard path leaving the fold directory, a missing shard', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'annotate-nomodel-'));
    await expect(
      startAnnotateServer({ manifest: cohort.manifest, model: empty, stdout: null }),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', file: empty });
    await expect(loadModelDir(fakeRun({ shard: '../../meta.json' }))).rejects.toMatchObject({
      code: 'MODEL_UNREADABLE',
      message: expect.stringContaining('is not a file name beside model.json'),
    });
    await expect(loadModelDir(fakeRun({ shard: 'missing.bin' }))).rejects.toMatchObject({
      code: 'MODEL_UNREADABLE',
      message: expect.stringContaining('weight shard missing'),
    });
    const noFold = fakeRun();
    rmSync(join(noFold, 'model', 'T1', 'fold-1'), { recursive: true });
    await expect(loadModelDir(noFold)).rejects.toMatchObject({
      code: 'MODEL_UNREADABLE',
      message: expect.stringContaining('fold model T1 fold 1 is missing'),
    });
  });
});
