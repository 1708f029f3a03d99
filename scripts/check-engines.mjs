#!/usr/bin/env node
// Engines tell the truth: every publishable package's `engines.node` must be inside the range each
// package of its installed production dependency tree (dependencies and optionalDependencies,
// followed transitively through the real install paths) declares. A dependency that needs a newer
// Node than the package promises (vega-lite 6.5.0: >=22, dcmjs 0.52: >=22.13, against our >=20)
// fails here instead of as an EBADENGINE warning on a user's machine. Also checks that the Node
// running the tests is inside each package's declared range.
// usage: node scripts/check-engines.mjs [--root DIR]   (exit 1 on any conflict)
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argRoot = process.argv.indexOf('--root');
const root = resolve(argRoot > 0 ? process.argv[argRoot + 1] : join(here, '..'));

/** semver from pnpm's store (a dependency of our dev tools; no install of its own). */
function loadSemver() {
  const store = join(here, '..', 'node_modules', '.pnpm');
  const dirs = existsSync(store)
    ? readdirSync(store)
        .filter((d) => /^semver@7\./.test(d))
        .sort()
    : [];
  const dir = dirs.at(-1);
  if (!dir) throw new Error(`check-engines: semver 7 not found under ${store}; run pnpm install`);
  return createRequire(join(store, dir, 'node_modules', 'semver', 'package.json'))('semver');
}
const semver = loadSemver();

const readJson = (f) => JSON.parse(readFileSync(f, 'utf8'));

/** The directory of `name` as Node would resolve it from `fromDir` (walking up node_modules). */
function findPackageDir(name, fromDir) {
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return realpathSync(dirname(candidate));
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Every package of `pkgDir`'s production tree: [{ name, version, node, path }]. */
export function productionTree(pkgDir) {
  const seen = new Map();
  const stack = [{ dir: realpathSync(pkgDir), path: [] }];
  const missing = [];
  while (stack.length > 0) {
    const { dir, path } = stack.pop();
    const pj = readJson(join(dir, 'package.json'));
    const deps = { ...(pj.dependencies ?? {}), ...(pj.optionalDependencies ?? {}) };
    for (const name of Object.keys(deps)) {
      const depDir = findPackageDir(name, dir);
      if (!depDir) {
        if (!(name in (pj.optionalDependencies ?? {}))) missing.push([...path, pj.name, name].join(' > '));
        continue;
      }
      if (seen.has(depDir)) continue;
      const dj = readJson(join(depDir, 'package.json'));
      const entry = { name: dj.name, version: dj.version, node: dj.engines?.node, path: [...path, pj.name] };
      seen.set(depDir, entry);
      stack.push({ dir: depDir, path: entry.path });
    }
  }
  return { deps: [...seen.values()], missing };
}

/** Problems of one package: dependencies whose engines.node does not cover the declared range. */
export function engineProblems(pkgDir) {
  const pj = readJson(join(pkgDir, 'package.json'));
  const declared = pj.engines?.node;
  const problems = [];
  if (!declared) return [`${pj.name}: no engines.node declared`];
  if (!semver.satisfies(process.version, declared))
    problems.push(`${pj.name}: declares node ${declared}, but the tests run on ${process.version}`);
  const { deps, missing } = productionTree(pkgDir);
  for (const m of missing) problems.push(`${pj.name}: dependency not installed: ${m}`);
  for (const d of deps) {
    if (!d.node) continue;
    let ok;
    try {
      ok = semver.subset(declared, d.node, { includePrerelease: false });
    } catch {
      ok = false;
    }
    if (!ok)
      problems.push(
        `${pj.name} (node ${declared}) depends on ${d.name}@${d.version}, which needs node ${d.node} (via ${[...d.path, d.name].join(' > ')})`,
      );
  }
  return problems;
}

function main() {
  const pkgsDir = join(root, 'packages');
  const problems = [];
  let checked = 0;
  for (const name of readdirSync(pkgsDir).sort()) {
    const dir = join(pkgsDir, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    if (readJson(join(dir, 'package.json')).private) continue;
    checked++;
    problems.push(...engineProblems(dir));
  }
  if (problems.length > 0) {
    console.error(
      `check-engines: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    process.exit(1);
  }
  console.log(`check-engines: ${checked} packages, every production dependency supports their engines.node`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
