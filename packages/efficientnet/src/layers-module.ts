import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the built `@op-screen/efficientnet/register` entry (ESM), a module whose
 * import registers the zoo's custom layers. Hand it to @op-screen/train's `replicaModules` so
 * its worker replicas can rebuild zoo models. Resolved beside this package's `dist/` files.
 */
export function zooLayersModule(): string {
  return fileURLToPath(
    new URL(/\/src\/[^/]+$/.test(import.meta.url) ? '../dist/register.js' : './register.js', import.meta.url),
  );
}
