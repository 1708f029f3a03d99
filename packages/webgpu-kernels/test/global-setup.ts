// Makes sure the software WebGPU adapter's Mesa files are present before any test runs.
// Missing ones are installed with apt-get when running as root on Debian/Ubuntu (set
// OP_SCREEN_NO_APT=1 to forbid that); if they are still missing the whole run FAILS here with
// the reason and the exact command, it never skips.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findMesaLibraries, MESA_DEBIAN_PACKAGES } from '../src/node-gpu.js';

function apt(args: string[]): boolean {
  const r = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 600_000,
  });
  return r.status === 0;
}

export default function setup(): void {
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
