import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpScreenError, predictManifest, resolveConfig } from '@op-screen/pipeline';
import { prepareRunDir, readManifest, StudyError } from '@op-screen/study';
import { CommanderError } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { CliError, describeError, errorLine, renderError, wantsJson } from '../src/commands/errors.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(pkg, 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'cli-errors-'));

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' });
}, 120_000);

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (err, stdout, stderr) =>
      res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The one error shape: exactly one JSON line on stderr, nothing on stdout. */
function jsonError(r: { stdout: string; stderr: string }) {
  expect(r.stdout).toBe('');
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  const parsed = JSON.parse(lines[0] as string) as { error: Record<string, unknown> };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(typeof parsed.error.code).toBe('string');
  expect(typeof parsed.error.message).toBe('string');
  return parsed.error;
}

describe('error rendering (src/commands/errors.ts)', () => {
  it('maps usage, system, typed and unknown errors to a code and exit code', () => {
    expect(
      describeError(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")),
    ).toEqual({
      error: { code: 'USAGE', message: "unknown option '--x'" },
      exitCode: 2,
    });
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/a/b.csv'"), {
      code: 'ENOENT',
      syscall: 'open',
      path: '/a/b.csv',
    });
    expect(describeError(enoent)).toEqual({
      error: { code: 'FILE_NOT_FOUND', message: 'file not found', file: '/a/b.csv' },
      exitCode: 1,
    });
    expect(describeError(new OpScreenError('NO_USABLE_ROWS', 'nothing usable', '/m.csv'))).toEqual({
      error: { code: 'NO_USABLE_ROWS', message: 'nothing usable', file: '/m.csv' },
      exitCode: 1,
    });
    expect(describeError(new OpScreenError('BAD_OPTION', 'bad split')).exitCode).toBe(2);
    expect(describeError(new TypeError('x is undefined'))).toEqual({
      error: { code: 'INTERNAL', message: 'x is undefined' },
      exitCode: 1,
    });
    expect(describeError('a string').error.code).toBe('INTERNAL');
  });

  it('library errors carry no CLI advice; the CLI adds the flag names per command', async () => {
    const errors: unknown[] = [];
    const catchIt = async (f: () => unknown) => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    const full = join(dir, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'x'), '');
    await catchIt(() => resolveConfig({ preset: 'nope' }));
    await catchIt(() => resolveConfig({ split: 'nope' }));
    await catchIt(() => resolveConfig({ sequence: 'T3' }));
    await catchIt(() => resolveConfig({ epochs: 0 }));
    await catchIt(() => resolveConfig({ preset: 'study' }));
    await catchIt(() => readManifest(join(dir, 'missing.csv')));
    await catchIt(() => prepareRunDir(full, resolveConfig({ preset: 'tiny' }), {}, false));
    await catchIt(() => predictManifest({ model: dir, manifest: join(dir, 'm.csv') }));
    expect(errors).toHaveLength(8);
    for (const e of errors) {
      // the facade's own errors, or the data contracts' (manifest, run directory, model card)
      expect(e instanceof OpScreenError || e instanceof StudyError).toBe(true);
      expect((e as Error).message).not.toContain('--');
    }
    const [preset, , , epochs, weights, manifest, notEmpty, model] = errors;
    expect(describeError(preset, 'reproduce').error.message).toMatch(/^--preset: unknown preset "nope"/);
    expect(describeError(epochs, 'reproduce')).toMatchObject({
      error: { code: 'BAD_OPTION', message: expect.stringMatching(/^--epochs: invalid epochs 0: /) },
      exitCode: 2,
    });
    expect(describeError(weights, 'reproduce').error.message).toContain('--weights FILE');
    expect(describeError(manifest, 'reproduce').error.message).toContain('--manifest');
    expect(describeError(notEmpty, 'reproduce').error.message).toContain('--resume');
    expect(describeError(model, 'predict').error.message).toContain('--model RUN_DIR (or RUN_DIR/model)');
  });

  it('renders one JSON line or one readable line', () => {
    let out = '';
    const code = renderError(new CliError('X', 'two\nlines', { file: '/f', exitCode: 2 }), {
      json: true,
      write: (t) => (out += t),
    });
    expect(code).toBe(2);
    expect(out).toBe('{"error":{"code":"X","message":"two lines","file":"/f"}}\n');
    expect(errorLine({ code: 'X', message: 'bad', file: '/f' }, 'evaluate')).toBe(
      'op-screen evaluate: /f: bad (X)\n',
    );
    expect(wantsJson(['evaluate', '--json'])).toBe(true);
    expect(wantsJson(['evaluate', '--', '--json'])).toBe(false);
  });
});

describe('the built CLI: errors on stderr in one shape, exit codes 0/1/2', () => {
  it('evaluate --json without a file prints the JSON usage error, exit 2', async () => {
    const r = await cli(['evaluate', '--json']);
    expect(r.code).toBe(2);
    expect(jsonError(r)).toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('op-screen evaluate FILE'),
    });
    const plain = await cli(['evaluate']);
    expect(plain.code).toBe(2);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).toMatch(/^op-screen evaluate: .*evaluate FILE.*\(USAGE\)\n$/);
  });

  it('an unknown command or option is a usage error (exit 2)', async () => {
    const r = await cli(['no-such-command', '--json']);
    expect(r.code).toBe(2);
    expect(jsonError(r).code).toBe('USAGE');
    const o = await cli(['doctor', '--no-such-flag']);
    expect(o.code).toBe(2);
    expect(o.stderr).toContain('(USAGE)');
  });

  it('zoo forward with a missing file: typed FILE_NOT_FOUND naming the file, exit 1', async () => {
    const input = join(dir, 'input.safetensors');
    const header = Buffer.from(
      JSON.stringify({ input: { dtype: 'F32', shape: [1, 3, 8, 8], data_offsets: [0, 768] } }),
    );
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(input, Buffer.concat([len, header, Buffer.alloc(768)]));
    const weights = join(dir, 'missing.safetensors');
    const r = await cli([
      'zoo',
      'forward',
      '--arch',
      'resnet18',
      '--weights',
      weights,
      '--input',
      input,
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(jsonError(r)).toMatchObject({ code: 'FILE_NOT_FOUND', file: weights });
    expect(r.stderr).not.toContain('ENOENT');
  });

  it('reproduce validates --arch and --epochs before it reads or writes anything (exit 2)', async () => {
    const out = join(dir, 'never-created');
    const arch = await cli(['reproduce', '--arch', 'resnet9000', '--out', out, '--json']);
    expect(arch.code).toBe(2);
    expect(jsonError(arch)).toMatchObject({ code: 'USAGE', message: expect.stringContaining('resnet18') });
    const epochs = await cli(['reproduce', '--epochs', '0', '--out', out]);
    expect(epochs.code).toBe(2);
    expect(epochs.stderr).toMatch(/--epochs.*integer >= 1/);
    // no raw zod issue JSON
    expect(epochs.stderr).not.toContain('"code"');
    expect(existsSync(out)).toBe(false);
  });

  it('doctor --json is one line; doctor without it prints no JSON', async () => {
    const j = await cli(['doctor', '--json']);
    expect(j.code).toBe(0);
    expect(j.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(j.stdout)).toHaveProperty('backend');
    const h = await cli(['doctor']);
    expect(h.code).toBe(0);
    expect(h.stdout).not.toMatch(/[{}[\]]/);
    expect(h.stdout).toMatch(/^backend:$/m);
    expect(h.stdout).toMatch(/^ {2}backend: \S+$/m);
  });

  it('reproduce --out naming an existing file: typed OUT_NOT_DIRECTORY, not ENOTDIR', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r = await cli(['reproduce', '--preset', 'tiny', '--out', file, '--json']);
    expect(r.code).toBe(1);
    expect(jsonError(r)).toMatchObject({ code: 'OUT_NOT_DIRECTORY', file });
    const s = await cli(['synth', '--out', file]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('(OUT_NOT_DIRECTORY)');
    expect(s.stderr).not.toContain('ENOTDIR');
    expect(s.stderr).not.toContain('EEXIST');
  });

  it('reproduce reads and validates the manifest before it creates the run directory', async () => {
    const manifest = join(dir, 'scan.png');
    writeFileSync(manifest, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]));
    const out = join(dir, 'run-never-created');
    const r = await cli(['reproduce', '--preset', 'tiny', '--manifest', manifest, '--out', out, '--json']);
    expect(r.code).toBe(1);
    expect(jsonError(r)).toMatchObject({
      code: 'MANIFEST_UNREADABLE',
      file: manifest,
      message: expect.stringContaining('not a text CSV (binary content at byte 6)'),
    });
    expect(existsSync(out)).toBe(false);
  });

  it('inspect of a missing file: the error on stderr, exit 1', async () => {
    const r = await cli(['inspect', join(dir, 'nothing.dcm'), '--json']);
    expect(r.code).toBe(1);
    expect(jsonError(r)).toMatchObject({ file: join(dir, 'nothing.dcm') });
  });
});
