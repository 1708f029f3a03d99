import type { Command } from 'commander';

/** Registers `op-screen inspect` (owned by the library it wraps; see the facade README). */
export function registerInspectCommand(program: Command): void {
  void program;
}
