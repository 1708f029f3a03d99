import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(pkg, 'dist', 'cli.js');
const SCRIPT = fileURLToPath(new URL('../../../scripts/cli-contract.mjs', import.meta.url));

beforeAll(() => {
  if (!existsSync(CLI)) execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' });
}, 120_000);

function contract(bin: string): Promise<{ code: number; stdout: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [SCRIPT, '--bin', bin], { timeout: 280_000 }, (err, stdout) =>
      res({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }),
    );
  });
}

describe('scripts/cli-contract.mjs', () => {
  it('passes against the built dist/cli.js: every command from --help, its bad input, with and without --json', async () => {
    const r = await contract(CLI);
    expect(r.stdout).toMatch(/cli-contract: \d+ checks, 0 failed/);
    expect(r.code).toBe(0);
    // it found the commands from --help, subcommands of a group included
    for (const name of ['doctor', 'evaluate', 'zoo forward', 'reproduce', 'predict', 'scan'])
      expect(r.stdout).toContain(`ok   ${name} `);
  });

  it('fails on a CLI that breaks the contract (exit 1 for usage, text errors on stdout)', async () => {
    const fake = join(mkdtempSync(join(tmpdir(), 'fake-cli-')), 'cli.js');
    writeFileSync(
      fake,
      `const a = process.argv.slice(2);
if (a.includes('--version')) { console.log('1.0.0'); process.exit(0); }
if (a.includes('--help')) { console.log(a.length === 1 ? 'Usage: fake\\n\\nCommands:\\n  doctor   d\\n  mystery  m\\n  help     h' : 'Usage: fake x\\n\\nOptions:\\n  --json  j'); process.exit(0); }
console.log('error: something went wrong'); process.exit(1);
`,
    );
    const r = await contract(fake);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL doctor --no-such-flag: exit 1, want 2; stdout not empty/);
    // an unknown command gets the generic bad-flag case
    expect(r.stdout).toContain('FAIL mystery --no-such-flag-for-the-contract');
    expect(r.stdout).toMatch(/cli-contract: \d+ checks, [1-9]\d* failed/);
  });
});
