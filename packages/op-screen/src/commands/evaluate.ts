import type { Command } from 'commander';

/** Registers `op-screen evaluate` (owned by the library it wraps; see the facade README). */
export function registerEvaluateCommand(program: Command): void {
  void program;
}
