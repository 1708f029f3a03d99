import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The weight cache directory: `$OP_SCREEN_CACHE` if set, else `$XDG_CACHE_HOME/op-screen`, else
 * `~/.cache/op-screen`. Nothing is written there unless the caller asks for a download.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.OP_SCREEN_CACHE) return env.OP_SCREEN_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'op-screen');
  return join(homedir(), '.cache', 'op-screen');
}
