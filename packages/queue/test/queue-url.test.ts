import { describe, expect, it } from 'vitest';
import { jobIdOf, parseQueueUrl, queueSettings, redact, runIdOf } from '../src/index.js';

describe('--queue URL', () => {
  it('parses host, port, db; the password never appears in the printable form', () => {
    const t = parseQueueUrl('redis://:s3cr%40t@queue-host:6380/2', {});
    expect(t.connection).toMatchObject({ host: 'queue-host', port: 6380, db: 2, password: 's3cr@t' });
    expect(t.connection.tls).toBeUndefined();
    expect(t.display).toBe('redis://:***@queue-host:6380/2');
    expect(t.display).not.toContain('s3cr');
    expect(redact('NOAUTH wrong password s3cr@t for x', t)).toBe('NOAUTH wrong password *** for x');
  });

  it('rediss:// turns on TLS; defaults port 6379 and db 0; OP_SCREEN_REDIS_PASSWORD when the URL has none', () => {
    const t = parseQueueUrl('rediss://cache.example.org', { OP_SCREEN_REDIS_PASSWORD: 'from-env' });
    expect(t.connection).toMatchObject({
      host: 'cache.example.org',
      port: 6379,
      db: 0,
      password: 'from-env',
    });
    expect(t.connection.tls).toEqual({ servername: 'cache.example.org' });
    expect(t.display).toBe('rediss://:***@cache.example.org:6379/0');
    // A password in the URL wins over the environment.
    expect(
      parseQueueUrl('redis://:url-pw@h:1/0', { OP_SCREEN_REDIS_PASSWORD: 'env' }).connection.password,
    ).toBe('url-pw');
    expect(parseQueueUrl('redis://h', {}).connection.password).toBeUndefined();
  });

  it('refuses what is not a redis URL with QUEUE_URL', () => {
    for (const bad of ['localhost:6379', 'http://h:6379', 'redis://h:6379/x', 'redis://'])
      expect(() => parseQueueUrl(bad, {}), bad).toThrow(expect.objectContaining({ code: 'QUEUE_URL' }));
  });

  it('job ids are deterministic per run, fold and architecture, and contain no colon (BullMQ)', () => {
    const runId = runIdOf('/shared/runs/r1', '{"config":{}}');
    expect(runId).toMatch(/^[0-9a-f]{16}$/);
    expect(runIdOf('/shared/runs/r2', '{"config":{}}')).not.toBe(runId);
    const id = jobIdOf({ runId, sequence: 'T1', fold: 0, arch: 'resnet18' });
    expect(id).toBe(`${runId}-resnet18-T1-fold0`);
    expect(id).not.toContain(':');
  });

  it('stall and retry timing come from the environment, with sane fallbacks', () => {
    expect(queueSettings({})).toMatchObject({ lockDuration: 120_000, stalledInterval: 120_000, attempts: 2 });
    expect(queueSettings({ OP_SCREEN_QUEUE_LOCK_MS: '3000', OP_SCREEN_QUEUE_ATTEMPTS: '4' })).toMatchObject({
      lockDuration: 3000,
      stalledInterval: 3000,
      attempts: 4,
    });
    expect(queueSettings({ OP_SCREEN_QUEUE_LOCK_MS: 'abc' }).lockDuration).toBe(120_000);
  });
});
