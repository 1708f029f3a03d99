#!/usr/bin/env node
// Bundles each library's browser entry with esbuild (`platform: 'browser'`, the `browser` export
// condition) and fails when any module of the bundle reaches a Node built-in (`node:fs`, `fs`,
// `zlib`, ...), or when the bundle would fetch a codec's wasm from anywhere but itself.
// Run after `build` (it bundles the published dist files, the way an app would).
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['@op-screen/mri-io', '@op-screen/preprocess', '@op-screen/metrics', '@op-screen/locate'];
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The `browser` field of the package.json nearest to `file` (an object), or {}. */
function browserField(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const b = JSON.parse(readFileSync(p, 'utf8')).browser;
      return b && typeof b === 'object' ? b : {};
    }
  }
  return {};
}

/**
 * esbuild plugin: records every import of a Node built-in and the module that made it, except
 * those the importing package maps to `false` in its `browser` field (tfjs-core's guarded `util`
 * and `crypto`: bundlers replace them with empty modules, as esbuild does here).
 */
function forbidBuiltins(found) {
  return {
    name: 'forbid-node-builtins',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.split('/')[0];
        const name = args.path.startsWith('node:') ? args.path : bare;
        if (args.importer && browserField(args.importer)[args.path] === false) return undefined;
        if (builtins.has(args.path) || builtins.has(name)) {
          found.push(`${args.path} (imported by ${args.importer.replace(root, '.')})`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

/** Bundles `pkg`'s browser entry; returns the Node built-ins reached and the bundle's text. */
export async function bundleForBrowser(pkg) {
  const found = [];
  const result = await esbuild.build({
    stdin: {
      contents: `import * as m from '${pkg}';\nglobalThis.__op = m;\n`,
      resolveDir: join(root, 'packages', 'op-screen'),
      loader: 'js',
    },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    splitting: true,
    outdir: '/virtual-out',
    logLevel: 'silent',
    plugins: [forbidBuiltins(found)],
  });
  const text = result.outputFiles.map((f) => f.text).join('\n');
  return { found, text, bytes: result.outputFiles.reduce((n, f) => n + f.contents.length, 0) };
}

async function main() {
  let failed = false;
  for (const pkg of PACKAGES) {
    const { found, text, bytes } = await bundleForBrowser(pkg);
    if (found.length > 0) {
      failed = true;
      console.error(`FAIL ${pkg}: its browser bundle reaches Node built-ins:\n  ${found.join('\n  ')}`);
      continue;
    }
    // A codec that fetched its wasm would name a .wasm file or an http(s) URL ending in .wasm.
    const remote = text.match(/https?:\/\/[^'"`\s]*\.wasm/g) ?? [];
    if (remote.length > 0) {
      failed = true;
      console.error(`FAIL ${pkg}: the bundle loads wasm from ${remote.join(', ')}`);
      continue;
    }
    console.log(`ok   ${pkg}: browser bundle ${(bytes / 1024).toFixed(0)} KiB, no Node built-in`);
  }
  if (failed) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
