// @op-screen/mri-io's browser build in Chromium: JPEG-LS, JPEG 2000, JPEG (libjpeg-turbo and
// jpeg-lossless), deflated DICOM and a gzipped NIfTI decode in the page to exactly what the
// Node entry gives; the codecs' wasm comes from the bundle (the page may fetch nothing else).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { readImage } from '@op-screen/mri-io';
import * as esbuild from 'esbuild';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const FILES = [
  'dicom/pydicom/MR_small_jpeg_ls_lossless.dcm',
  'dicom/pydicom/MR_small_jp2klossless.dcm',
  'dicom/pydicom/JPEG2000.dcm',
  'dicom/pydicom/SC_rgb_jpeg_dcmtk.dcm',
  'dicom/pydicom/JPGExtended.dcm',
  'dicom/pydicom/image_dfl.dcm',
  'nifti/nibabel/example_nifti2.nii.gz',
];

const PAGE_SCRIPT = `
import { readImage } from '@op-screen/mri-io';
window.decode = async (names) => {
  const out = {};
  for (const name of names) {
    const bytes = new Uint8Array(await (await fetch('/data/' + name)).arrayBuffer());
    const img = await readImage(bytes);
    const values = img.kind === 'dicom' ? img.stored : img.data;
    out[name] = { kind: img.kind, shape: img.shape, length: values.length, values: JSON.stringify(Array.from(values)) };
  }
  return out;
};
`;

describe('mri-io browser build in Chromium', () => {
  let context: BrowserContext;
  const server = createServer();
  const requests: string[] = [];
  let bundle = '';

  beforeAll(async () => {
    const built = await esbuild.build({
      stdin: {
        contents: PAGE_SCRIPT,
        resolveDir: fileURLToPath(new URL('..', import.meta.url)),
        loader: 'js',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    bundle = built.outputFiles[0]?.text ?? '';
    server.on('request', (req, res) => {
      const url = req.url ?? '/';
      if (url === '/') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>',
        );
      } else if (url === '/page.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(bundle);
      } else if (FILES.includes(url.replace(/^\/data\//, ''))) {
        res.writeHead(200);
        res.end(readFileSync(DATA + url.replace(/^\/data\//, '')));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    context = await launchChromium();
    context.on('request', (r) => requests.push(r.url()));
  });
  afterAll(async () => {
    await context?.close();
    server.close();
  });

  it('decodes every codec to the values the Node entry gives, fetching only the page and the files', async () => {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await page.goto(`${origin}/`);
    await page.waitForFunction(
      () => typeof (window as unknown as { decode?: unknown }).decode === 'function',
    );
    const got = (await page.evaluate(
      (names) => (window as never as { decode(n: string[]): unknown }).decode(names),
      FILES,
    )) as Record<string, { kind: string; shape: number[]; length: number; values: string }>;
    for (const name of FILES) {
      const img = await readImage(DATA + name);
      const values = img.kind === 'dicom' ? img.stored : img.data;
      expect(got[name]?.shape, name).toEqual(img.shape);
      expect(got[name]?.length, name).toBe(values.length);
      // Exact equality of every value (compared as JSON text: toEqual on 10^6 numbers is slow).
      expect(got[name]?.values === JSON.stringify(Array.from(values)), name).toBe(true);
    }
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:'))).toEqual([]);
    expect(requests.some((u) => u.endsWith('.wasm'))).toBe(false);
  });
});
