import type { Command } from 'commander';
import { doctor } from '../doctor.js';
import { jsonLine } from './errors.js';

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'n/a';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/**
 * Nested values as indented `key: value` lines, never JSON: objects one key a line, arrays one
 * item a line (`- `), an array item's fields joined on its line (`name: tensorflow, ok: no, ...`).
 */
export function readableLines(value: unknown, indent = ''): string[] {
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${indent}(none)`];
    return value.map((item) =>
      item && typeof item === 'object' && !Array.isArray(item)
        ? `${indent}- ${Object.entries(item as Record<string, unknown>)
            .map(
              ([k, v]) =>
                `${k}: ${v && typeof v === 'object' ? readableLines(v).join('; ').trim() : scalar(v)}`,
            )
            .join(', ')}`
        : `${indent}- ${scalar(item)}`,
    );
  }
  if (value && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      v && typeof v === 'object'
        ? [`${indent}${k}:`, ...readableLines(v, `${indent}  `)]
        : [`${indent}${k}: ${scalar(v)}`],
    );
  return [`${indent}${scalar(value)}`];
}

/** Registers `op-screen doctor [--json]`. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('print versions, the compute backend it would use and the cache directory')
    .option('--json', 'print one JSON line')
    .action(async (opts: { json?: boolean }) => {
      const report = await doctor();
      process.stdout.write(opts.json ? jsonLine(report) : `${readableLines(report).join('\n')}\n`);
    });
}
