#!/usr/bin/env node
// Packaging test: pack every workspace package as users receive it, install the tarballs into a
// scratch project with plain npm, then import each one under ESM and CJS and type-check both
// entry styles with `moduleResolution: node16`. Catches a broken `exports` map before users do.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pnpm = process.env.npm_execpath?.includes('pnpm') ? process.env.npm_execpath : null;
const pkgs = readdirSync(join(root, 'packages')).map((d) => {
  const dir = join(root, 'packages', d);
  return { dir, name: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name };
});

const work = mkdtempSync(join(tmpdir(), 'op-screen-pack-'));
const tarDir = join(work, 'tarballs');
mkdirSync(tarDir);
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

/**
 * @op-screen/efficientnet installed alone, with only its backend chooser (@op-screen/backend; no
 * train, no wasm-kernels): save a model in one process, load it in another and predict, with no
 * kernel patch registered.
 */
function zooAlone(tarballs) {
  const zooTar = tarballs.find((t) => /op-screen-efficientnet-/.test(t));
  const backendTar = tarballs.find((t) => /op-screen-backend-/.test(t));
  const app = join(work, 'zoo-alone');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'zoo-alone', private: true, type: 'module' }),
  );
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', zooTar, backendTar],
    app,
  );
  const save = `import { createModel, saveModel, selectBackend } from '@op-screen/efficientnet';
await selectBackend({ prefer: 'wasm' });
const m = createModel('efficientnet_b0', { channels: 1, numClasses: 1, inputShape: [32, 32, 1], seed: 3 });
await saveModel(m, 'saved');
`;
  const load = `import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { loadModel, selectBackend } from '@op-screen/efficientnet';
const require = createRequire(import.meta.url);
for (const p of ['@op-screen/wasm-kernels', '@op-screen/train']) {
  try { require.resolve(p); throw new Error(p + ' is installed; the zoo must not depend on it'); }
  catch (e) { if (e.code !== 'MODULE_NOT_FOUND') throw e; }
}
await selectBackend({ prefer: 'wasm' });
const m = await loadModel('saved');
const p = m.predict(tf.ones([2, 32, 32, 1]));
if (p.shape.join() !== '2,1' || !p.dataSync().every(Number.isFinite)) throw new Error('bad prediction');
for (const k of ['Conv2DBackpropFilter', 'OpScreenSiluGrad', 'OpScreenMeanGrad'])
  if (tf.getKernel(k, 'wasm')) throw new Error(k + ' is registered: a kernel patch is present');
console.log('zoo alone ok: saved model loaded and predicted with no kernel patch');
`;
  writeFileSync(join(app, 'save.mjs'), save);
  writeFileSync(join(app, 'load.mjs'), load);
  run(process.execPath, ['save.mjs'], app);
  return run(process.execPath, ['load.mjs'], app).trim();
}

try {
  for (const p of pkgs) {
    if (pnpm) run(process.execPath, [pnpm, 'pack', '--pack-destination', tarDir], p.dir);
    else run('npx', ['-y', 'pnpm@10.34.9', 'pack', '--pack-destination', tarDir], p.dir);
  }
  const tarballs = readdirSync(tarDir).map((f) => join(tarDir, f));
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, version: '1.0.0' }),
  );
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs],
    app,
  );

  const lines = [];
  for (const p of pkgs) {
    const esm = `import * as m from '${p.name}';\nif (typeof m !== 'object' || Object.keys(m).length === 0) throw new Error('empty ESM entry');\nconsole.log('esm ok ${p.name}', Object.keys(m).length);\n`;
    const cjs = `const m = require('${p.name}');\nif (typeof m !== 'object' || Object.keys(m).length === 0) throw new Error('empty CJS entry');\nconsole.log('cjs ok ${p.name}', Object.keys(m).length);\n`;
    const base = p.name.replace('@op-screen/', '');
    writeFileSync(join(app, `${base}.mjs`), esm);
    writeFileSync(join(app, `${base}.cjs`), cjs);
    writeFileSync(
      join(app, `${base}-types.mts`),
      `import * as m from '${p.name}';\nexport const keys: string[] = Object.keys(m);\n`,
    );
    writeFileSync(
      join(app, `${base}-types.cts`),
      `import m = require('${p.name}');\nexport const keys: string[] = Object.keys(m);\n`,
    );
    lines.push(run(process.execPath, [`${base}.mjs`], app).trim());
    lines.push(run(process.execPath, [`${base}.cjs`], app).trim());
  }
  writeFileSync(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'node16',
        moduleResolution: 'node16',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      include: ['*.mts', '*.cts'],
    }),
  );
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], app);
  lines.push('types ok (node16 ESM + CJS)');
  const bin = run(join(app, 'node_modules/.bin/op-screen'), ['doctor', '--json'], app);
  JSON.parse(bin);
  lines.push('bin ok: op-screen doctor --json');
  lines.push(zooAlone(tarballs));
  console.log(lines.join('\n'));
  console.log(`pack-test: ${pkgs.length + 1} passed, 0 failed`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
