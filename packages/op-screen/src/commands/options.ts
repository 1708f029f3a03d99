import { InvalidArgumentError } from 'commander';

export function parseIntOption(value: string): number {
  const n = Number(value);
  if (!(value.trim() !== '' && Number.isInteger(n)))
    throw new InvalidArgumentError(`expected an integer, got "${value}"`);
  return n;
}

/** An integer >= 1 (epochs, patients): a usage error (exit 2) before anything is read or written. */
export function parsePositiveIntOption(value: string): number {
  const n = parseIntOption(value);
  if (n < 1) throw new InvalidArgumentError(`expected an integer >= 1, got "${value}"`);
  return n;
}

/** An integer >= 0 (worker threads, where 0 means the default). */
export function parseNonNegativeIntOption(value: string): number {
  const n = parseIntOption(value);
  if (n < 0) throw new InvalidArgumentError(`expected an integer >= 0, got "${value}"`);
  return n;
}

/** A number strictly between 0 and 1 (the hold-out share): a usage error otherwise. */
export function parseFractionOption(value: string): number {
  const n = Number(value);
  if (!(value.trim() !== '' && Number.isFinite(n) && n > 0 && n < 1))
    throw new InvalidArgumentError(`expected a number between 0 and 1 (exclusive), got "${value}"`);
  return n;
}
