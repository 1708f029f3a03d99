import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import * as preprocess from '../src/index.js';

it('the README example runs and prints what it claims', async () => {
  const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const block = /## Example\s+```ts(?: runnable)?\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const importLine = /import \{([^}]*)\} from '@op-screen\/preprocess';\n/.exec(block!);
  expect(importLine).not.toBeNull();
  const body = block!.replace(importLine![0], `const {${importLine![1]}} = mod;\n`);
  const lines: string[] = [];
  const log = (...args: unknown[]) =>
    lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  await new AsyncFunction('mod', 'console', body)(preprocess, { log });
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(
    /^380 380 \["grayscale","laplacianSharpen","median","percentileClip","minMaxNormalize","resize"\]$/,
  );
  expect(lines[1]).toMatch(
    /^380 \{"element":"\w+"\} \{"algorithm":"xoshiro128\*\*","state":\[\d+,\d+,\d+,\d+\]\}$/,
  );
});
