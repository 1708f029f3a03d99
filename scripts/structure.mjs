#!/usr/bin/env node
// Structure figures of the monorepo, per package: lines of TypeScript in src, public names
// exported by the package's entry points, and folder cycles inside src (two folders whose files
// import each other, directly or through other folders: the strongly connected components of the
// folder import graph with more than one folder). Relative imports only; a file's node is its
// directory below src, or the file itself when it sits directly in src. Run: node scripts/structure.mjs [--json]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const pkgsDir = join(root, 'packages');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.tsx?$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

const importRe =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function resolveImport(fromFile, spec) {
  const base = resolve(dirname(fromFile), spec);
  for (const c of [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.js$/, '.tsx'),
    `${base}.ts`,
    join(base, 'index.ts'),
  ])
    if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

/** Tarjan's strongly connected components. */
function sccs(nodes, edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp);
    }
  };
  for (const v of nodes) if (!idx.has(v)) visit(v);
  return out;
}

/** Public names: what `export` reaches from each entry's source file, following `export *`. */
function exportedNames(file, seen = new Set()) {
  if (seen.has(file)) return new Set();
  seen.add(file);
  const src = readFileSync(file, 'utf8');
  const names = new Set();
  for (const m of src.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g))
    for (const part of m[1].split(',')) {
      const n = part.trim().replace(/^type\s+/, '');
      if (!n) continue;
      const as = n.split(/\s+as\s+/);
      names.add(as[as.length - 1].trim());
    }
  for (const m of src.matchAll(
    /export\s+(?:declare\s+)?(?:async\s+)?(?:const|let|function\*?|class|interface|type|enum|abstract class)\s+([A-Za-z0-9_$]+)/g,
  ))
    names.add(m[1]);
  for (const m of src.matchAll(/export\s+\*\s+from\s+['"]([^'"]+)['"]/g)) {
    const target = resolveImport(file, m[1]);
    if (target) for (const n of exportedNames(target, seen)) names.add(n);
  }
  return names;
}

const rows = [];
for (const name of readdirSync(pkgsDir).sort()) {
  const src = join(pkgsDir, name, 'src');
  if (!existsSync(src)) continue;
  const files = walk(src);
  let lines = 0;
  // a file directly in src is a node of its own (the entry barrel imports every folder; that is
  // not a cycle), a file in a folder counts as its folder
  const folderOf = (f) => relative(src, dirname(f)) || relative(src, f);
  const edges = new Map();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    lines += text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2];
      if (!spec.startsWith('.')) continue;
      const target = resolveImport(f, spec);
      if (!target) continue;
      const a = folderOf(f);
      const b = folderOf(target);
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a).add(b);
    }
  }
  const folders = [...new Set(files.map(folderOf))];
  const cycles = sccs(folders, edges)
    .filter((c) => c.length > 1)
    .map((c) => c.sort());
  // entry points: tsup's entry list, else src/index.ts
  let entries = [join(src, 'index.ts')];
  const tsup = join(pkgsDir, name, 'tsup.config.ts');
  if (existsSync(tsup)) {
    const listed = [...readFileSync(tsup, 'utf8').matchAll(/['"](src\/[^'"]+\.tsx?)['"]/g)].map((m) =>
      join(pkgsDir, name, m[1]),
    );
    if (listed.length) entries = listed;
  }
  const publicNames = new Set();
  for (const e of entries.filter((e) => existsSync(e) && !/cli\.ts$|worker|app\//.test(e)))
    for (const n of exportedNames(e)) publicNames.add(n);
  rows.push({
    package: name,
    srcLines: lines,
    files: files.length,
    exports: publicNames.size,
    folderCycles: cycles.length,
    cycles,
  });
}

if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else {
  console.log('| package | src lines | files | public exports | folder cycles |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    console.log(
      `| ${r.package} | ${r.srcLines} | ${r.files} | ${r.exports} | ${r.folderCycles}${r.cycles.length ? ` (${r.cycles.map((c) => c.join(' <-> ')).join('; ')})` : ''} |`,
    );
}
