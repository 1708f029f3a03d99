#!/usr/bin/env node
// README examples run as pasted. Every fenced block whose info string carries the word `runnable`
// (```ts runnable, ```js runnable, ```sh runnable) in a published README (packages/*/README.md)
// is extracted and run against the packages installed in --app DIR (a scratch project, as a user
// has it: see scripts/newcomer.sh). A README's runnable blocks run in order in one fresh directory
// under DIR (so a `sh` block can make the data a later block reads); `ts` blocks are type-stripped
// with esbuild (nothing else is transformed), `js`/`ts` run as ES modules with node, `sh` with
// bash -euo pipefail and DIR/node_modules/.bin first on PATH. Each block has a time limit.
// Also fails when a published README links into the repository by a relative path or points at
// ../shared, which npm users do not have.
// usage: node scripts/readme-examples.mjs --app DIR [--only pkg,pkg] [--timeout-s 240] [--list]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};

/** Runnable blocks of one README, in order: { lang, code, line }. */
export function runnableBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const words = open[2].trim().split(/\s+/);
    if (words.includes('runnable')) {
      const lang = open[1];
      if (!['ts', 'js', 'sh'].includes(lang))
        throw new Error(`line ${i + 1}: a runnable block must be ts, js or sh, not "${lang}"`);
      blocks.push({ lang, code: lines.slice(i + 1, end).join('\n'), line: i + 1 });
    }
    i = end;
  }
  return blocks;
}

/** Published-README problems: relative links into the repository, ../shared paths. */
export function linkProblems(markdown) {
  const out = [];
  markdown.split('\n').forEach((l, i) => {
    if (/\]\((\.\.?\/)/.test(l))
      out.push(`line ${i + 1}: relative link (npm users have no repository): ${l.trim()}`);
    if (/\.\.\/shared\//.test(l)) out.push(`line ${i + 1}: ../shared is not in the package: ${l.trim()}`);
  });
  return out;
}

async function stripTypes(code) {
  const pnpmStore = join(root, 'node_modules');
  const esbuild = await import(join(pnpmStore, 'esbuild', 'lib', 'main.js')).then((m) => m.default ?? m);
  return (await esbuild.transform(code, { loader: 'ts', format: 'esm', target: 'node20' })).code;
}

async function main() {
  const app = arg('app');
  const only = arg('only')?.split(',');
  const timeoutMs = Number(arg('timeout-s', '240')) * 1000;
  const list = process.argv.includes('--list');
  if (!list && !(app && existsSync(join(app, 'node_modules'))))
    throw new Error(
      'readme-examples: pass --app DIR, a project with the packages installed (scripts/newcomer.sh makes one)',
    );
  const problems = [];
  let ran = 0;
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    if (only && !only.includes(pkg)) continue;
    const file = join(root, 'packages', pkg, 'README.md');
    if (!existsSync(file)) continue;
    const md = readFileSync(file, 'utf8');
    for (const p of linkProblems(md)) problems.push(`packages/${pkg}/README.md ${p}`);
    const blocks = runnableBlocks(md);
    if (list) {
      console.log(
        `${pkg}: ${blocks.length} runnable block(s)${blocks.map((b) => ` ${b.lang}@${b.line}`).join('')}`,
      );
      continue;
    }
    if (blocks.length === 0) continue;
    const dir = join(resolve(app), 'readme-runs', pkg);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [k, b] of blocks.entries()) {
      const where = `packages/${pkg}/README.md:${b.line}`;
      const name = join(dir, `example-${k + 1}.${b.lang === 'sh' ? 'sh' : 'mjs'}`);
      writeFileSync(name, b.lang === 'ts' ? await stripTypes(b.code) : b.code);
      const env = {
        ...process.env,
        PATH: `${join(resolve(app), 'node_modules', '.bin')}:${process.env.PATH}`,
      };
      const t0 = performance.now();
      const r =
        b.lang === 'sh'
          ? spawnSync('bash', ['-euo', 'pipefail', name], {
              cwd: dir,
              env,
              encoding: 'utf8',
              timeout: timeoutMs,
            })
          : spawnSync(process.execPath, [name], { cwd: dir, env, encoding: 'utf8', timeout: timeoutMs });
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      ran++;
      if (r.status !== 0) {
        const why =
          r.error?.code === 'ETIMEDOUT'
            ? `timed out after ${timeoutMs / 1000} s`
            : `exit ${r.status ?? r.signal}`;
        problems.push(
          `${where} (${b.lang}) ${why}:\n${(r.stderr || '').trim().split('\n').slice(-15).join('\n')}`,
        );
        console.log(`FAIL ${where} (${b.lang}, ${s} s)`);
      } else {
        const out = (r.stdout || '').trim().split('\n').slice(0, 3).join(' | ');
        console.log(`ok   ${where} (${b.lang}, ${s} s): ${out.slice(0, 160)}`);
      }
    }
  }
  if (problems.length > 0) {
    console.error(
      `readme-examples: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    process.exit(1);
  }
  if (!list) console.log(`readme-examples: ${ran} runnable README blocks ran as pasted`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
