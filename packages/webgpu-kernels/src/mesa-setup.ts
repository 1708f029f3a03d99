import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findMesaLibraries, MESA_DEBIAN_PACKAGES } from './node-gpu.js';

function apt(args: string[]): boolean {
  // -o DPkg::Lock::Timeout: wait for dpkg's lock (the annotator suite may install Chromium meanwhile)
  const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', ...args], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  return r.status === 0;
}

/**
 * For test suites: makes sure the software adapter's Mesa files are present. Missing ones are
 * installed with `apt-get install -y --no-install-recommends libegl1 libegl-mesa0 libgl1-mesa-dri`
 * when running as root with apt-get (OP_SCREEN_NO_APT=1 forbids it; `apt-get update` is run once
 * if the first install fails). Throws an Error naming the missing files and the command when they
 * are still missing, so a suite that calls it fails instead of skipping. Never called at import.
 */
export function ensureMesaForTests(): void {
  if (findMesaLibraries().missing.length === 0) return;
  const canApt =
    process.platform === 'linux' &&
    process.getuid?.() === 0 &&
    existsSync('/usr/bin/apt-get') &&
    process.env.OP_SCREEN_NO_APT !== '1';
  const install = ['install', '-y', '--no-install-recommends', ...MESA_DEBIAN_PACKAGES];
  if (canApt) {
    console.log(
      `[webgpu-kernels] installing Mesa for the software WebGPU adapter: apt-get ${install.join(' ')}`,
    );
    if (!apt(install)) apt(['update']) && apt(install);
  }
  const { missing } = findMesaLibraries();
  if (missing.length > 0) {
    throw new Error(
      `software WebGPU adapter unavailable: Mesa ${missing.map((m) => m.file).join(', ')} not found; ` +
        `install with: apt-get install -y ${MESA_DEBIAN_PACKAGES.join(' ')}` +
        (canApt ? ' (apt-get was tried and failed)' : ' (not root or OP_SCREEN_NO_APT=1, so not tried)'),
    );
  }
}
