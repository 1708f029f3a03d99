#!/usr/bin/env node
// Decode throughput of @op-screen/mri-io against pydicom / nibabel (Debian python3-pydicom,
// python3-nibabel via /usr/bin/python3) on the same files in the same run, plus the memory a
// gzip-bomb refusal costs. Writes bench/mri-io/RESULTS.md.
// Needs a built package: `cd packages/mri-io && npx tsup`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '../../packages/mri-io/dist/index.js');
if (!existsSync(dist)) {
  console.error('bench/mri-io: build the package first (cd packages/mri-io && npx tsup)');
  process.exit(1);
}
const M = await import(dist);
const DATA = join(here, '../../../shared/data/');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const ref = JSON.parse(readFileSync(join(DATA, 'io-reference.json'), 'utf8'));

// The shared series and every corpus file the reference decoded.
const dicom = Object.entries(ref.files)
  .filter(([k, r]) => k.startsWith('dicom/') && r.ok && r.shape && !r.expectError)
  .map(([k, r]) => ({ path: join(DATA, k), rel: k, ts: r.transferSyntax }));
const nifti = Object.entries(ref.files)
  .filter(([k, r]) => k.startsWith('nifti/') && r.ok)
  .map(([k]) => ({ path: join(DATA, k), rel: k }));

// Best of N (as Python's timeit advises): on a shared machine the minimum is the least disturbed run.
async function bestTime(fn, rounds = ROUNDS) {
  await fn(); // warm-up: JIT, and the first use of a WebAssembly codec
  const ts = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return Math.min(...ts);
}

// --- ours
const ours = { dicom: {}, nifti: {} };
for (const f of dicom) {
  const img = await M.readDicom(f.path);
  ours.dicom[f.path] = { bytes: img.stored.byteLength, seconds: await bestTime(() => M.readDicom(f.path)) };
}
for (const f of nifti) {
  const img = await M.readNifti(f.path);
  ours.nifti[f.path] = {
    bytes: img.data.byteLength,
    seconds: await bestTime(async () => (await M.readNifti(f.path)).scaled()),
  };
}

// --- peer, same files, same run
const apt = existsSync('/tmp/apt.log') ? readFileSync('/tmp/apt.log', 'utf8') : '';
const py = spawnSync('/usr/bin/python3', [join(here, 'peer_pydicom.py')], {
  input: JSON.stringify({ dicom: dicom.map((f) => f.path), nifti: nifti.map((f) => f.path), rounds: ROUNDS }),
  encoding: 'utf8',
  maxBuffer: 64 << 20,
});
if (py.status !== 0) {
  console.error(
    `bench/mri-io: the pydicom peer failed (${apt.includes('apt done') ? 'installed' : 'apt not done?'}):\n${py.stderr}`,
  );
  process.exit(1);
}
const peer = JSON.parse(py.stdout);

// --- gzip bomb refusal in a fresh process: peak RSS growth
const bombScript = `
  const M = await import(${JSON.stringify(dist)});
  const bomb = ${JSON.stringify(join(DATA, 'nifti/generated/bad/gzip_bomb_2GiB.nii.gz'))};
  await M.readNifti(${JSON.stringify(join(DATA, 'nifti/generated/sag_t1.nii.gz'))}); // warm-up
  const before = process.memoryUsage();
  const peakBefore = process.resourceUsage().maxRSS * 1024;
  const t0 = performance.now();
  let code = 'none';
  try { await M.readNifti(bomb); } catch (e) { code = e.code; }
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(JSON.stringify({ code, ms, rssBefore: before.rss, peakBefore, peak, arrayBuffersAfter: process.memoryUsage().arrayBuffers - before.arrayBuffers }));
`;
const bombRun = spawnSync(process.execPath, ['--input-type=module', '-e', bombScript], { encoding: 'utf8' });
const bomb = JSON.parse(bombRun.stdout.trim().split('\n').pop());

// --- report
const mb = (b) => b / 1e6;
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
function group(name, files, key) {
  const common = files.filter((f) => peer[key][f.path]?.ok);
  const sum = (list, pick) => list.reduce((a, f) => a + pick(f), 0);
  const bytes = sum(common, (f) => ours[key][f.path].bytes);
  const tOurs = sum(common, (f) => ours[key][f.path].seconds);
  const tPeer = sum(common, (f) => peer[key][f.path].seconds);
  return {
    name,
    files: common.length,
    mbytes: mb(bytes),
    oursMBs: mb(bytes) / tOurs,
    peerMBs: mb(bytes) / tPeer,
    ratio: tPeer / tOurs,
  };
}
const series = ['dicom/generated/sag_t1/', 'dicom/generated/sag_t2/'];
const rows = [
  group(
    'shared series sag_t1 + sag_t2 (explicit VR LE, 18 files)',
    dicom.filter((f) => series.some((s) => f.rel.startsWith(s))),
    'dicom',
  ),
  group(
    'pydicom corpus + variants, all both decode',
    dicom.filter((f) => !series.some((s) => f.rel.startsWith(s))),
    'dicom',
  ),
  group('NIfTI (nibabel get_fdata float32)', nifti, 'nifti'),
];
const onlyOurs = dicom.filter((f) => !peer.dicom[f.path]?.ok);
const onlyBytes = onlyOurs.reduce((a, f) => a + ours.dicom[f.path].bytes, 0);
const onlyTime = onlyOurs.reduce((a, f) => a + ours.dicom[f.path].seconds, 0);
const perFile = dicom
  .filter((f) => !series.some((s) => f.rel.startsWith(s)))
  .map((f) => {
    const o = ours.dicom[f.path];
    const p = peer.dicom[f.path];
    return `| ${f.rel.replace('dicom/', '')} | ${f.ts ?? '-'} | ${fmt(mb(o.bytes) / o.seconds)} | ${p?.ok ? fmt(mb(o.bytes) / p.seconds) : `n/a (${p?.error ?? '?'})`} | ${p?.ok ? fmt(p.seconds / o.seconds, 2) : '-'} |`;
  });

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const md = `# bench/mri-io results

Generated by \`node bench/mri-io/decode.mjs\` on ${new Date().toISOString().slice(0, 10)}, Node ${process.version},
${cpu.trim()} (${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} while other work ran). Best of ${ROUNDS} rounds per file (after one warm-up), each
round = read the file from disk + parse + decode the pixels (ours: \`readDicom\`; NIfTI: \`readNifti\` +
\`scaled()\`). Peer in the same run: pydicom ${peer.versions.pydicom} (\`dcmread(...).pixel_array\`),
nibabel ${peer.versions.nibabel} (\`get_fdata(float32)\`), numpy ${peer.versions.numpy}, Python ${peer.versions.python}.
Throughput = MB (1e6 bytes) of decoded pixel data per second. Ratio = peer time / our time (> 1: we are faster).

| workload | files | pixel MB | ours MB/s | peer MB/s | ratio |
|---|---:|---:|---:|---:|---:|
${rows.map((r) => `| ${r.name} | ${r.files} | ${fmt(r.mbytes, 2)} | ${fmt(r.oursMBs)} | ${fmt(r.peerMBs)} | ${fmt(r.ratio, 2)} |`).join('\n')}

Files Debian's pydicom cannot decode (no JPEG-LS / JPEG lossless / 12-bit JPEG handler installed), ours only:
${onlyOurs.length} files, ${fmt(mb(onlyBytes), 2)} MB at ${fmt(mb(onlyBytes) / onlyTime)} MB/s.

Per corpus file:

| file | transfer syntax | ours MB/s | pydicom MB/s | ratio |
|---|---|---:|---:|---:|
${perFile.join('\n')}

## Gzip bomb refusal (nifti/generated/bad/gzip_bomb_2GiB.nii.gz, 2 GiB inflated)

Fresh Node process, after one warm-up read of a normal .nii.gz: refused with \`${bomb.code}\` in
${fmt(bomb.ms)} ms; peak RSS ${fmt(bomb.peak / 2 ** 20)} MiB vs ${fmt(bomb.rssBefore / 2 ** 20)} MiB before the read
(growth at most ${fmt(Math.max(0, bomb.peak - bomb.rssBefore) / 2 ** 20)} MiB; the limit in the issue is 100 MB).
`;
writeFileSync(join(here, 'RESULTS.md'), md);
console.log(md);
