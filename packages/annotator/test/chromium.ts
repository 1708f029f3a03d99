// Finds Debian's Chromium (installing it with apt-get when running as root) and launches it
// headless through playwright-core. A missing browser is an error: the browser tests never skip
// and never download a browser.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/lib/chromium/chromium'];

export function findChromium(): string {
  const fromEnv = process.env.OP_SCREEN_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`OP_SCREEN_CHROMIUM=${fromEnv} does not exist`);
    return fromEnv;
  }
  // Wait for dpkg's lock instead of failing: the WebGPU suite may be installing Mesa meanwhile.
  const APT_WAIT = ['-o', 'DPkg::Lock::Timeout=600'];
  const found = () => CANDIDATES.find((p) => existsSync(p));
  if (found()) return found() as string;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execFileSync('apt-get', [...APT_WAIT, 'install', '-y', '--no-install-recommends', 'chromium'], {
        stdio: 'ignore',
        env,
      });
    } catch {
      execFileSync('apt-get', [...APT_WAIT, 'update'], { stdio: 'ignore', env });
      execFileSync('apt-get', [...APT_WAIT, 'install', '-y', '--no-install-recommends', 'chromium'], {
        stdio: 'ignore',
        env,
      });
    }
  }
  const after = found();
  if (!after)
    throw new Error(
      'Chromium not found: install Debian\'s "chromium" (apt-get install -y chromium) or set OP_SCREEN_CHROMIUM',
    );
  return after;
}

/** A fresh headless Chromium with its own profile directory, nothing phoning home. */
export async function launchChromium(): Promise<BrowserContext> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'op-screen-chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    viewport: { width: 1320, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
