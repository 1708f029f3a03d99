import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Every piece of advice names options that exist: each `--flag` written in a message of the facade
// or the annotator is an option of some op-screen command (as its --help lists them), and each
// API option an OpScreenError names (which the CLI prints as its flag) is one too.

const cli = join(__dirname, '..', 'dist', 'cli.js');
const help = (args: string[]) =>
  execFileSync(process.execPath, [cli, ...args, '--help'], { encoding: 'utf8' });

function commandsOf(text: string): string[] {
  const at = text.indexOf('Commands:');
  if (at < 0) return [];
  return [...text.slice(at).matchAll(/^ {2}([a-z][a-z-]*)/gm)]
    .map((m) => m[1] as string)
    .filter((c) => c !== 'help');
}

function allFlags(): Set<string> {
  const flags = new Set<string>();
  const visit = (path: string[]) => {
    const text = help(path);
    for (const m of text.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)) flags.add(m[1] as string);
    for (const sub of commandsOf(text)) visit([...path, sub]);
  };
  visit([]);
  return flags;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.ts$/.test(name) ? [p] : [];
  });
}

// the CLI's sources and those of the packages it wires whose messages reach it
const SRC = ['op-screen', 'pipeline', 'queue', 'backend', 'annotator']
  .map((p) => join(__dirname, '..', '..', p, 'src'))
  .flatMap(sources);
const flagOf = (option: string) => `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

describe('advice names options that exist', () => {
  const flags = allFlags();

  it('finds the options of every command (sanity)', () => {
    for (const f of [
      '--manifest',
      '--resume',
      '--folds',
      '--hold-out',
      '--whole-image',
      '--sequence',
      '--model',
      '--port',
    ])
      expect(flags).toContain(f);
  });

  it('every --flag in a string of the sources is an option of some command', () => {
    const unknown: string[] = [];
    for (const file of SRC) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node) => {
        if (
          ts.isStringLiteralLike(n) ||
          ts.isTemplateHead(n) ||
          ts.isTemplateMiddle(n) ||
          ts.isTemplateTail(n)
        ) {
          // a flag is preceded by the start, a space, a quote or a bracket (not "--" inside a word)
          for (const m of n.text.matchAll(/(?:^|[\s'"`(])(--[a-z][a-z0-9-]*)/g))
            if (!flags.has(m[1] as string)) unknown.push(`${file.split('/src/')[1]}: ${m[1]}`);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect(unknown).toEqual([]);
  });

  it('every option an OpScreenError names is a flag the CLI has', () => {
    const unknown: string[] = [];
    let named = 0;
    for (const file of SRC) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node) => {
        if (ts.isNewExpression(n) && n.expression.getText(sf) === 'OpScreenError' && n.arguments?.[3]) {
          const opt = n.arguments[3];
          if (ts.isStringLiteral(opt)) {
            named++;
            if (!flags.has(flagOf(opt.text))) unknown.push(`${file.split('/src/')[1]}: ${opt.text}`);
          }
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect(named).toBeGreaterThan(5);
    expect(unknown).toEqual([]);
  });
});
