#!/usr/bin/env node
// Every .changeset/*.md (but README.md) must carry front matter that names known workspace
// packages with a bump type; a formatter that rewrites the `---` block into a heading would
// otherwise make `changeset version` silently skip the entry.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const known = new Set(
  readdirSync(join(root, 'packages')).map(
    (d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')).name,
  ),
);
const files = readdirSync(join(root, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
const failures = [];
for (const f of files) {
  const text = readFileSync(join(root, '.changeset', f), 'utf8');
  const m = /^---\n([\s\S]*?)\n---\n\s*\S/.exec(text);
  if (!m) {
    failures.push(`${f}: no front matter block followed by a summary`);
    continue;
  }
  const lines = m[1].split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) failures.push(`${f}: front matter names no package`);
  for (const line of lines) {
    const e = /^"([^"]+)":\s*(major|minor|patch)\s*$/.exec(line.trim());
    if (!e) failures.push(`${f}: bad front matter line ${JSON.stringify(line)}`);
    else if (!known.has(e[1])) failures.push(`${f}: unknown package ${e[1]}`);
  }
}
for (const f of failures) console.error(`changeset check: ${f}`);
console.log(`changesets: ${files.length - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
