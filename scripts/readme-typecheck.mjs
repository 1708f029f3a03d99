#!/usr/bin/env node
// Every README block marked `ts runnable` passes strict `tsc`, against the packages as installed
// in --app DIR (the scratch project of scripts/newcomer.sh), as a TypeScript user pasting it would
// compile it. Blocks are written to DIR/readme-tsc/<package>-<line>.ts (each a module), checked in
// one `tsc --noEmit` run with the repository's TypeScript and @types/node. Exit 1 on any error.
// usage: node scripts/readme-typecheck.mjs --app DIR
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnableBlocks } from './readme-examples.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--app');
if (i < 0) {
  console.error('usage: node scripts/readme-typecheck.mjs --app DIR');
  process.exit(2);
}
const app = resolve(process.argv[i + 1]);
const dir = join(app, 'readme-tsc');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) {
  let md;
  try {
    md = readFileSync(join(root, 'packages', pkg, 'README.md'), 'utf8');
  } catch {
    continue;
  }
  for (const b of runnableBlocks(md).filter((x) => x.lang === 'ts')) {
    const f = `${pkg}-${b.line}.ts`;
    writeFileSync(join(dir, f), `${b.code}\nexport {};\n`);
    files.push(f);
  }
}
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
    },
    files,
  }),
);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
console.log(
  `readme-typecheck: ${files.length} ts runnable block(s), ${r.status === 0 ? 'strict tsc clean' : 'strict tsc FAILED'}`,
);
process.exit(r.status === 0 ? 0 : 1);
