#!/usr/bin/env bash
# GPU benchmark: EfficientNet-B0@224, ResNet-50@224 and EfficientNet-B4@380, training step and
# inference at batch 16, on the webgpu backend (whatever adapter Dawn finds: a GPU through Vulkan,
# else Mesa llvmpipe) and, as the peer in the same run, on the wasm backend. Writes RESULTS.md
# beside this script. Needs no network: run it from a copy of the working tree with node_modules
# (and packages/*/node_modules) carried; it builds the two dist folders with tsup if absent. Or
# build bench/gpu/.bundle with `node bench/gpu/bundle.mjs` (~28 MiB) and run the run.sh inside it.
# Stays under 8 minutes: each backend gets a time budget (240 s + 120 s, each process killed 45 s
# past its budget) and skips the models that do not fit, saying so in RESULTS.md.
# A software adapter (Mesa llvmpipe) or none is refused in seconds with one line and exit 2
# (bench/gpu/adapter-check.mjs); --allow-software runs a tiny check on it instead (ResNet-18@64,
# batch 4, one step).
# usage: bench/gpu/run.sh [--models efficientnet_b0:224,resnet50:224,efficientnet_b4:380]
#                         [--batch 16] [--steps 3] [--gpu-budget-s 240] [--wasm-budget-s 120]
#                         [--allow-software]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
models=efficientnet_b0:224,resnet50:224,efficientnet_b4:380
batch=16 steps=3 gpu_budget=240 wasm_budget=120 allow_software=0
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --gpu-budget-s) gpu_budget="$2"; shift 2 ;;
    --wasm-budget-s) wasm_budget="$2"; shift 2 ;;
    --allow-software) allow_software=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# in the working tree, build the dists if absent; in bench/gpu/.bundle (bundle.mjs) they are there
if [ ! -f "$root/BUNDLE.txt" ]; then
  for pkg in webgpu-kernels efficientnet; do
    if [ ! -f "packages/$pkg/dist/index.js" ]; then
      (cd "packages/$pkg" && node "$root/node_modules/tsup/dist/cli-default.js" >/dev/null)
    fi
  done
fi
export EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}"
# a hardware adapter, or one line and exit 2 within seconds (--allow-software: a tiny run on Mesa)
out="$(mktemp -d)"
check=()
[ "$allow_software" = 1 ] && check=(--allow-software)
if ! verdict="$(node bench/gpu/adapter-check.mjs "${check[@]}" 2>"$out/adapter.err")"; then
  echo "$verdict" >&2
  exit 2
fi
echo "$verdict"
if [ "$allow_software" = 1 ]; then
  [ "$models" = efficientnet_b0:224,resnet50:224,efficientnet_b4:380 ] && models=resnet18:64
  batch=4 steps=1 gpu_budget=60 wasm_budget=30
fi
common=(--models "$models" --batch "$batch" --steps "$steps" --reps "$steps")
# each backend in its own process, killed 45 s past its budget whatever happens inside
timeout $((gpu_budget + 45)) node bench/gpu/run.mjs --backend webgpu "${common[@]}" --budget-s "$gpu_budget" \
  >"$out/webgpu.jsonl" 2>"$out/webgpu.err" || echo "webgpu run exited with $?" >&2
timeout $((wasm_budget + 45)) node bench/gpu/run.mjs --backend wasm "${common[@]}" --budget-s "$wasm_budget" \
  >"$out/wasm.jsonl" 2>"$out/wasm.err" || echo "wasm run exited with $?" >&2
# a tiny software run never replaces a hardware (or full software) table
results="$here/RESULTS.md"
[ "$allow_software" = 1 ] && results="$here/RESULTS-allow-software.md"
node bench/gpu/report.mjs "$out/webgpu.jsonl" "$out/wasm.jsonl" "$out/webgpu.err" >"$results.tmp"
mv "$results.tmp" "$results"
cat "$results"
