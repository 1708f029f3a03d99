#!/usr/bin/env bash
# Runs the three checks of the facade restructuring (issue 24) with the CLI built in this tree and
# writes the sha256 of each predictions.csv plus the report's numbers (report.json without its
# timing and version fields) into OUT. Compare two OUT directories with `diff -r`.
#   bash scripts/identity-runs.sh OUT
set -euo pipefail
out=${1:?usage: identity-runs.sh OUT}
root=$(cd "$(dirname "$0")/.." && pwd)
cli="node $root/packages/op-screen/dist/cli.js"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
numbers() { # report.json with what changes from run to run removed
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const drop = new Set(["createdAt", "wallTimeSeconds", "seconds", "imagesPerSecond", "versions", "timing"]);
    const clean = (v) => typeof v === "string" ? v.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, "TIME")
      : Array.isArray(v) ? v.map(clean) : v && typeof v === "object"
      ? Object.fromEntries(Object.keys(v).sort().filter((k) => !drop.has(k)).map((k) => [k, clean(v[k])])) : v;
    process.stdout.write(JSON.stringify(clean(r), null, 1));' "$1"
}
record() { # name rundir
  sha256sum < "$2/predictions.csv" | cut -d' ' -f1 > "$out/$1.predictions.sha256"
  cp "$2/predictions.csv" "$out/$1.predictions.csv"
  numbers "$2/report.json" > "$out/$1.report-numbers.json"
}
$cli reproduce --out "$work/main" > "$work/main.log" 2>&1
record main "$work/main"
$cli synth --out "$work/c32" --patients 32 --seed 5 > /dev/null
$cli reproduce --manifest "$work/c32/manifest.csv" --preset quick --out "$work/q32" > "$work/q32.log" 2>&1
record quick32 "$work/q32"
$cli reproduce --manifest "$work/c32/manifest.csv" --arch resnet18,efficientnet_b0 --out "$work/arch" > "$work/arch.log" 2>&1
record arch "$work/arch"
echo "identity runs written to $out"
