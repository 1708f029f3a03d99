import { MriIoError } from '../errors.js';

/**
 * Browser stand-in for `node:fs/promises` in the browser build (dist/browser.js). A page has no
 * file system: every path-taking function of the library ends here with a typed error that says
 * to pass the file's bytes instead.
 */
function noFileSystem(path: unknown): never {
  throw new MriIoError(
    'BAD_ARGUMENT',
    'a browser has no file system; pass the file bytes (Uint8Array, e.g. from fetch() or a File) instead of a path',
    typeof path === 'string' ? path : undefined,
  );
}

export async function readFile(path: unknown): Promise<never> {
  return noFileSystem(path);
}
export async function stat(path: unknown): Promise<never> {
  return noFileSystem(path);
}
export async function readdir(path: unknown): Promise<never> {
  return noFileSystem(path);
}
export async function writeFile(path: unknown): Promise<never> {
  return noFileSystem(path);
}
export async function open(path: unknown): Promise<never> {
  return noFileSystem(path);
}
export async function lstat(path: unknown): Promise<never> {
  return noFileSystem(path);
}
export async function realpath(path: unknown): Promise<never> {
  return noFileSystem(path);
}
/** Type-only in the real module; a placeholder so `import { type FileHandle }` resolves. */
export type FileHandle = never;
