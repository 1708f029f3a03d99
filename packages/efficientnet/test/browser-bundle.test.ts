import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as browser from '../src/browser.js';
import * as node from '../src/index.js';

/**
 * Bundles like an app's bundler would for a browser (esbuild, platform 'browser', package.json
 * `browser` fields honoured). esbuild cannot resolve a Node built-in there, so any import of one
 * that survives the packages' own browser mappings fails the build; the error names it.
 */
async function bundleForBrowser(options: {
  entry?: string;
  stdin?: string;
}): Promise<{ errors: string[]; size: number }> {
  const resolveDir = fileURLToPath(new URL('..', import.meta.url));
  try {
    const r = await build({
      ...(options.entry
        ? { entryPoints: [options.entry] }
        : { stdin: { contents: options.stdin as string, resolveDir } }),
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    return { errors: [], size: r.outputFiles[0]?.text.length ?? 0 };
  } catch (e) {
    const errs = (e as { errors?: Array<{ text: string }> }).errors ?? [{ text: String(e) }];
    return { errors: errs.map((x) => x.text), size: 0 };
  }
}

describe('the browser entry', () => {
  it('bundles for the browser with esbuild and reaches no Node built-in', async () => {
    const r = await bundleForBrowser({
      entry: fileURLToPath(new URL('../dist/browser.js', import.meta.url)),
    });
    expect(r.errors).toEqual([]);
    expect(r.size).toBeGreaterThan(1000);
    // the check can fail: the Node entry reaches node:fs and friends
    const nodeEntry = await bundleForBrowser({
      entry: fileURLToPath(new URL('../dist/index.js', import.meta.url)),
    });
    expect(nodeEntry.errors.join('\n')).toMatch(/Could not resolve "(node:)?(fs|module|path|url)"/);
  });

  it('the package.json browser condition picks it (bundling the package name)', async () => {
    const r = await bundleForBrowser({ stdin: "export * from '@op-screen/efficientnet';" });
    expect(r.errors).toEqual([]);
    expect(r.size).toBeGreaterThan(1000);
  });

  it('exports a subset of the Node entry under the same names', () => {
    const missing = Object.keys(browser).filter((k) => !(k in node));
    expect(missing).toEqual([]);
    for (const k of [
      'createModel',
      'gradCam',
      'loadModelFrom',
      'loadTorchvisionWeights',
      'registerZooLayers',
    ])
      expect(Object.keys(browser)).toContain(k);
  });

  it('refuses a weights path in the browser entry with a typed error', async () => {
    await tf.setBackend('cpu');
    const model = browser.createModel('resnet18', { numClasses: 1, inputShape: [32, 32, 1] });
    expect(() => browser.loadTorchvisionWeights(model, '/weights.pth')).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    model.dispose();
  });
});
