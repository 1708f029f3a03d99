#!/usr/bin/env bash
# A newcomer's first ten minutes, automated: pack every package as npm would publish it, install
# the tarballs into an empty scratch project with plain npm (offline-first: the tarballs plus the
# npm cache; nothing but the npm registry is ever contacted), then
#   1. run every README block marked runnable (scripts/readme-examples.mjs; see CONTRIBUTING.md),
#      and type-check its ts blocks with strict tsc against the installed packages,
#   2. check `op-screen --version` against the installed package.json,
#   3. run scripts/cli-contract.mjs --bin "$BIN": every command's --help (listed by --help), --version,
#      one bad-input case per command with and without --json (exit codes, the JSON error shape),
#   4. scripts/newcomer-bad-inputs.sh: the inputs people really have (Excel manifests, a T2-only
#      manifest, a 6-patient cohort, a truncated file, two runs on one --out, Ctrl-C, evaluate).
# Needs the packages built (pnpm build; turbo runs this after every build). Exit 1 on any failure.
# usage: scripts/newcomer.sh [--keep]   (--keep leaves the scratch directory and prints its path)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/op-screen-newcomer-XXXXXX")"
KEEP=0
[[ "${1:-}" == "--keep" ]] && KEEP=1
cleanup() { if [[ $KEEP == 1 ]]; then echo "newcomer: scratch project kept in $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
T0=$SECONDS
step() { echo "newcomer [$((SECONDS - T0)) s] $*"; }

if [[ -n "${npm_execpath:-}" && "$npm_execpath" == *pnpm* ]]; then PNPM=(node "$npm_execpath"); else PNPM=(npx -y pnpm@10.34.9); fi

step "packing packages/* into $WORK/tarballs"
mkdir -p "$WORK/tarballs" "$WORK/app"
for dir in "$ROOT"/packages/*/; do
  [[ -f "$dir/package.json" && ! -d "$dir/dist" ]] && { echo "newcomer: $dir has no dist/ (run pnpm build first)" >&2; exit 1; }
done
# one recursive pack (workspace:^ ranges become the packages' versions, as on publish)
(cd "$ROOT" && "${PNPM[@]}" -r --filter "./packages/*" pack --pack-destination "$WORK/tarballs" >/dev/null)

step "installing $(ls "$WORK/tarballs" | wc -l) tarballs into an empty project with npm"
cd "$WORK/app"
printf '{ "name": "newcomer", "private": true, "version": "1.0.0", "type": "module" }\n' > package.json
npm install --no-audit --no-fund --prefer-offline --loglevel=error "$WORK"/tarballs/*.tgz

step "README examples marked runnable"
node "$ROOT/scripts/readme-examples.mjs" --app "$WORK/app"
step "README ts blocks under strict tsc (scripts/readme-typecheck.mjs)"
node "$ROOT/scripts/readme-typecheck.mjs" --app "$WORK/app"

BIN="$WORK/app/node_modules/@op-screen/op-screen/dist/cli.js"
[[ -f "$BIN" ]] || { echo "newcomer: installed CLI $BIN is missing" >&2; exit 1; }
step "CLI: op-screen --version"
VERSION="$(node "$BIN" --version)"
EXPECTED="$(node -p "require('$WORK/app/node_modules/@op-screen/op-screen/package.json').version")"
if [[ "$VERSION" != "$EXPECTED" ]]; then
  echo "newcomer: op-screen --version printed '$VERSION', package.json says $EXPECTED" >&2
  exit 1
fi
echo "  --version $VERSION"

# every command's and subcommand's --help (found from --help), --version, one bad-input case per
# command with and without --json: exit codes and the error shape
step "CLI contract: node scripts/cli-contract.mjs --bin $BIN"
node "$ROOT/scripts/cli-contract.mjs" --bin "$BIN"
step "bad inputs a new user has: scripts/newcomer-bad-inputs.sh"
bash "$ROOT/scripts/newcomer-bad-inputs.sh" "$BIN" "$WORK/bad-inputs"
step "done: packed, installed, README examples, CLI and bad inputs checked"
