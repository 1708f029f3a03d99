#!/usr/bin/env node
// The op-screen CLI's contract, checked against a built or installed binary:
//   node scripts/cli-contract.mjs --bin path/to/op-screen/dist/cli.js
// For every command listed by `--help` (subcommands of a group such as `zoo` too): `--help` exits 0
// and prints usage; `--version` prints the version; one bad-input case per command, with and
// without `--json`, exits with its documented code (1 input/data, 2 usage), prints nothing on
// stdout and exactly one line on stderr: `{"error":{"code","message","file"?}}` under `--json`,
// a readable (non-JSON) line without. A command this table does not know gets a generic bad-flag
// case (usage, exit 2). Prints a summary; exits 1 on any failure, 2 on a bad invocation.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const USAGE = 'usage: node scripts/cli-contract.mjs --bin PATH/TO/cli.js [--timeout-ms N] [--jobs N]';
const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
};
const bin = opt('--bin');
if (!bin) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
const timeoutMs = Number(opt('--timeout-ms') ?? 60_000);
const jobs = Math.max(1, Number(opt('--jobs') ?? 3));
const BIN = resolve(bin);
// a .js entry runs under this node; anything else (a package manager's shell shim in
// node_modules/.bin, an installed executable) is executed as it is
let firstLine;
try {
  firstLine = readFileSync(BIN, 'utf8').split('\n', 1)[0] ?? '';
} catch (err) {
  process.stderr.write(`cli-contract: cannot read --bin ${BIN} (${err.code ?? err.message})\n${USAGE}\n`);
  process.exit(2);
}
const viaNode = /\.[cm]?js$/.test(BIN) || /^#!.*\bnode\b/.test(firstLine);
const command = viaNode ? process.execPath : BIN;
const prefix = viaNode ? [BIN] : [];

/** Runs the CLI (never a shell), bounded by the timeout; stdin closed; offline. */
function run(args) {
  return new Promise((res) => {
    const child = spawn(command, [...prefix, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, OP_SCREEN_OFFLINE: '1', NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: signal ? `killed (${signal}, over ${timeoutMs} ms)` : code, stdout, stderr });
    });
  });
}

/** Command names of a `--help` text's "Commands:" section (commander's layout), without `help`. */
function commandsOf(help) {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => /^Commands:\s*$/.test(l));
  if (start === -1) return [];
  const names = [];
  for (const l of lines.slice(start + 1)) {
    if (/^\S/.test(l)) break; // the next section
    const m = /^ {2}([a-z][\w-]*)(\s|$)/.exec(l);
    if (m && m[1] !== 'help') names.push(m[1]);
  }
  return names;
}

const work = mkdtempSync(join(tmpdir(), 'cli-contract-'));
const missing = (name) => join(work, 'does-not-exist', name);
const aFile = join(work, 'a-file');
writeFileSync(aFile, 'not a directory\n');
const emptyDir = join(work, 'empty-dir');
mkdirSync(emptyDir);

/**
 * One bad-input case per command: the arguments and the exit code (1 input/data, 2 usage) and
 * error code expected. With `--json` added, a command without a `--json` option answers the
 * unknown option: usage, exit 2, code USAGE (still the one JSON shape).
 */
const BAD_INPUT = {
  doctor: { args: ['--no-such-flag'], exit: 2, code: 'USAGE' },
  inspect: { args: [missing('x.dcm')], exit: 1 },
  evaluate: { args: ['--input', missing('predictions.csv')], exit: 1 },
  zoo: { args: ['no-such-subcommand'], exit: 2, code: 'USAGE' },
  'zoo list': { args: ['--no-such-flag'], exit: 2, code: 'USAGE' },
  'zoo fetch': { args: ['--arch', 'no_such_arch'], exit: 2, code: 'UNKNOWN_ARCH' },
  'zoo forward': {
    args: ['--arch', 'resnet18', '--weights', missing('w.safetensors'), '--input', missing('x.safetensors')],
    exit: 1,
    code: 'FILE_NOT_FOUND',
  },
  'zoo classify': {
    args: ['--weights', missing('model.json'), '--image', missing('photo.jpg')],
    exit: 1,
    code: 'FILE_NOT_FOUND',
  },
  synth: { args: ['--out', aFile, '--patients', '2'], exit: 1, code: 'OUT_NOT_DIRECTORY' },
  reproduce: { args: ['--preset', 'tiny', '--out', aFile], exit: 1, code: 'OUT_NOT_DIRECTORY' },
  predict: { args: ['--model', emptyDir, '--manifest', missing('m.csv')], exit: 1, code: 'MODEL_NOT_FOUND' },
  scan: { args: [missing('dicom-root')], exit: 1 },
  annotate: { args: ['--manifest', missing('m.csv'), '--no-open'], exit: 1, code: 'MANIFEST_UNREADABLE' },
};
const GENERIC = { args: ['--no-such-flag-for-the-contract'], exit: 2, code: 'USAGE' };

const results = [];
function check(name, ok, detail) {
  results.push({ name, ok, detail });
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok || !detail ? '' : `: ${detail}`}\n`);
}
const show = (r) =>
  `exit ${r.code}; stdout ${JSON.stringify(r.stdout.slice(0, 200))}; stderr ${JSON.stringify(r.stderr.slice(0, 300))}`;

/** Every command path (`zoo forward`), from the `--help` texts, depth-first. */
async function enumerate(prefix) {
  const r = await run([...prefix, '--help']);
  const label = `${[...prefix, '--help'].join(' ')}`;
  check(label, r.code === 0 && /^Usage: /m.test(r.stdout) && r.stderr === '', show(r));
  const paths = [];
  for (const name of commandsOf(r.stdout)) {
    const path = [...prefix, name];
    paths.push({ path, help: '' });
    const sub = await enumerate(path);
    paths[paths.length - 1].help = sub.help;
    paths.push(...sub.paths);
  }
  return { help: r.stdout, paths };
}

function checkError(label, r, want, json) {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  const problems = [];
  if (r.code !== want.exit) problems.push(`exit ${r.code}, want ${want.exit}`);
  if (r.stdout !== '') problems.push('stdout not empty');
  if (lines.length !== 1) problems.push(`${lines.length} stderr lines, want 1`);
  const line = lines[0] ?? '';
  if (json) {
    let e;
    try {
      const parsed = JSON.parse(line);
      if (Object.keys(parsed).join() !== 'error') problems.push('top-level keys are not exactly ["error"]');
      e = parsed.error;
    } catch {
      problems.push('stderr is not JSON');
    }
    if (e) {
      if (typeof e.code !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(e.code))
        problems.push('error.code missing or not UPPER_CASE');
      if (typeof e.message !== 'string' || e.message === '') problems.push('error.message missing');
      if (e.file !== undefined && typeof e.file !== 'string') problems.push('error.file not a string');
      const extra = Object.keys(e).filter((k) => !['code', 'message', 'file'].includes(k));
      if (extra.length) problems.push(`extra keys ${extra.join(',')}`);
      if (want.code && e.code !== want.code) problems.push(`code ${e.code}, want ${want.code}`);
      if (/\bE[A-Z]{3,}\b/.test(e.code)) problems.push('raw errno code');
    }
  } else {
    if (line.startsWith('{')) problems.push('JSON without --json');
    if (want.code && !line.includes(`(${want.code})`)) problems.push(`line lacks (${want.code})`);
    if (!line.startsWith('op-screen')) problems.push('line does not start with "op-screen"');
  }
  check(label, problems.length === 0, problems.length ? `${problems.join('; ')} | ${show(r)}` : '');
}

try {
  const version = await run(['--version']);
  check('--version', version.code === 0 && /^\d+\.\d+\.\d+\S*\n$/.test(version.stdout), show(version));
  const unknown = await run(['no-such-command-for-the-contract', '--json']);
  checkError('no-such-command --json', unknown, { exit: 2, code: 'USAGE' }, true);

  const { paths } = await enumerate([]);
  check('commands found in --help', paths.length > 0, 'no "Commands:" section');
  const tasks = paths.flatMap(({ path, help }) => {
    const name = path.join(' ');
    const want = BAD_INPUT[name] ?? GENERIC;
    const hasJson = /^\s+--json\b/m.test(help);
    const label = `${name} ${want.args.join(' ')}`;
    return [
      async () => checkError(label, await run([...path, ...want.args]), want, false),
      async () =>
        checkError(
          `${label} --json`,
          await run([...path, ...want.args, '--json']),
          hasJson ? want : { exit: 2, code: 'USAGE' },
          true,
        ),
    ];
  });
  // a few at a time: each start of the CLI loads tfjs
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]();
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}

const failed = results.filter((r) => !r.ok);
process.stdout.write(`cli-contract: ${results.length} checks, ${failed.length} failed (${BIN})\n`);
process.exit(failed.length ? 1 : 0);
