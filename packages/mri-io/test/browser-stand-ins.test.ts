// The browser build maps node:fs/promises and node:zlib to these stand-ins; they are tested here
// in Node against the real modules' behaviour (the Chromium suite in @op-screen/annotator runs
// the bundled result).
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readFile } from '../src/browser/node-fs.js';
import { createGunzip } from '../src/browser/node-zlib.js';

function gunzip(input: Uint8Array): Promise<{ out: Uint8Array; code?: string }> {
  return new Promise((resolve) => {
    const parts: Uint8Array[] = [];
    const gz = createGunzip({ chunkSize: 1000 });
    gz.on('data', (c) => parts.push(c as Uint8Array));
    gz.on('end', () => resolve({ out: concat(parts) }));
    gz.on('error', (e) => resolve({ out: concat(parts), code: (e as { code: string }).code }));
    gz.end(input);
  });
}
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe('browser stand-ins', () => {
  it('createGunzip inflates a whole stream and reports a cut one as Z_BUF_ERROR', async () => {
    const data = new Uint8Array(50_000).map((_, i) => (i * 7) % 251);
    const gz = gzipSync(data);
    const whole = await gunzip(gz);
    expect(whole.code).toBeUndefined();
    expect(Array.from(whole.out)).toEqual(Array.from(data));
    const cut = await gunzip(gz.subarray(0, gz.length - 20));
    expect(cut.code).toBe('Z_BUF_ERROR');
    const bad = gz.slice();
    bad[12] ^= 0xff;
    bad[13] ^= 0xff;
    expect((await gunzip(bad)).code).toMatch(/^Z_(DATA|BUF)_ERROR$/);
  });

  it('fs functions refuse with a typed error that says to pass bytes', async () => {
    await expect(readFile('/x/IM0001')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', file: '/x/IM0001' });
  });
});
