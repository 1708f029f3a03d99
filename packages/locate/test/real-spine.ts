import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** ../shared/data/real-spine beside the project root (CI has it too); missing = a failing test, never a skip. */
export const REAL_SPINE = resolve(import.meta.dirname, '../../../../shared/data/real-spine');
if (!existsSync(REAL_SPINE))
  throw new Error(`real-spine data not found at ${REAL_SPINE} (../shared beside the project root)`);
