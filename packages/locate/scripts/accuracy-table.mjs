#!/usr/bin/env node
// Markdown tables of a cross-validation's summary.json (scripts/cross-validate.mjs), for the README.
//   node scripts/accuracy-table.mjs DIR/summary.json
import { readFileSync } from 'node:fs';

const s = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const pct = (x) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(1)} %`);
const mm = (x) => (x === null || x === undefined ? '-' : x.toFixed(1));
const f2 = (x) => (x === null || x === undefined ? '-' : x.toFixed(2));
const rows = [
  ['train MyoSegmenTUM (50), test Zukic (11)', s.splits['train-myosegmentum-test-zukic']],
  ['train Zukic (11), test MyoSegmenTUM (50)', s.splits['train-zukic-test-myosegmentum']],
  ['3-fold by subject, all 61 (pooled)', s.cvPooled],
].filter(([, x]) => x);
const out = [];
out.push('| split | series | right | wrong | abstained |');
out.push('|---|---|---|---|---|');
for (const [name, x] of rows)
  out.push(`| ${name} | ${x.series} | ${x.right} (${pct(x.rightRate)}) | ${x.wrong} | ${x.abstained} |`);
out.push('');
out.push('| split | level | identified right | wrong level | median centre error (mm) | mean box IoU |');
out.push('|---|---|---|---|---|---|');
for (const [name, x] of rows)
  for (const L of ['L1', 'L2', 'L3', 'L4']) {
    const l = x.levels[L];
    out.push(
      `| ${name} | ${L} | ${l.right}/${l.series} (${pct(l.identificationRate)}) | ${l.wrong} | ${mm(l.medianCentreErrorMm)} | ${f2(l.meanIou)} |`,
    );
  }
console.log(out.join('\n'));
