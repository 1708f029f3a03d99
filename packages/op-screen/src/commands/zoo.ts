import type { Command } from 'commander';

/** Registers `op-screen zoo` (owned by the library it wraps; see the facade README). */
export function registerZooCommand(program: Command): void {
  void program;
}
