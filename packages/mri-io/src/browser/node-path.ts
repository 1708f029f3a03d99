/** Browser stand-in for `node:path` in the browser build: POSIX `join` only (what the library uses). */
export function join(...parts: string[]): string {
  return parts
    .filter((p) => p.length > 0)
    .join('/')
    .replace(/\/{2,}/g, '/');
}
