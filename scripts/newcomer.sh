#!/usr/bin/env bash
# A newcomer's first ten minutes, automated: pack every package as npm would publish it, install
# the tarballs into an empty scratch project with plain npm (offline-first: the tarballs plus the
# npm cache; nothing but the npm registry is ever contacted), then
#   1. run every README block marked runnable (scripts/readme-examples.mjs; see CONTRIBUTING.md),
#   2. run `op-screen --help` and `--version`, and `--help` of every command that `--help` lists,
#   3. run scripts/cli-contract.mjs --bin "$BIN" when that script exists (bad-input cases, JSON errors).
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

BIN="$WORK/app/node_modules/@op-screen/op-screen/dist/cli.js"
[[ -f "$BIN" ]] || { echo "newcomer: installed CLI $BIN is missing" >&2; exit 1; }
step "CLI: op-screen --help, --version and every command's --help"
HELP="$(node "$BIN" --help)"
VERSION="$(node "$BIN" --version)"
EXPECTED="$(node -p "require('$WORK/app/node_modules/@op-screen/op-screen/package.json').version")"
if [[ "$VERSION" != "$EXPECTED" ]]; then
  echo "newcomer: op-screen --version printed '$VERSION', package.json says $EXPECTED" >&2
  exit 1
fi
# commander lists commands under "Commands:" as "  name [options] ..." lines
mapfile -t COMMANDS < <(printf '%s\n' "$HELP" | awk '/^Commands:/{f=1; next} f && /^  [a-z]/{print $1}' | grep -v '^help$' | sort -u)
if [[ ${#COMMANDS[@]} -lt 3 ]]; then
  echo "newcomer: expected the commands listed by op-screen --help, found: ${COMMANDS[*]:-none}" >&2
  exit 1
fi
check_help() { # check_help "cmd [sub]": prints the help text
  local out
  # shellcheck disable=SC2086
  out="$(node "$BIN" $1 --help 2>&1)" || { echo "newcomer: op-screen $1 --help failed:" >&2; echo "$out" >&2; exit 1; }
  grep -q "Usage: op-screen $1" <<<"$out" || { echo "newcomer: op-screen $1 --help printed no usage line:" >&2; echo "$out" >&2; exit 1; }
  printf '%s\n' "$out"
}
CHECKED=()
for cmd in "${COMMANDS[@]}"; do
  out="$(check_help "$cmd")"
  CHECKED+=("$cmd")
  # a command with subcommands (zoo list, zoo forward) lists them the same way
  mapfile -t SUBS < <(printf '%s\n' "$out" | awk '/^Commands:/{f=1; next} f && /^  [a-z]/{print $1}' | grep -v '^help$' | sort -u)
  for sub in "${SUBS[@]}"; do check_help "$cmd $sub" >/dev/null; CHECKED+=("$cmd $sub"); done
done
echo "  --version $VERSION; --help of: ${CHECKED[*]}"

if [[ -f "$ROOT/scripts/cli-contract.mjs" ]]; then
  step "CLI contract: node scripts/cli-contract.mjs --bin $BIN"
  node "$ROOT/scripts/cli-contract.mjs" --bin "$BIN"
else
  step "CLI contract: SKIPPED - scripts/cli-contract.mjs is absent in this checkout (not merged yet)"
fi
step "done: packed, installed, README examples and CLI checked"
