#!/usr/bin/env bash
# The inputs a new user really has, against the installed CLI (scripts/newcomer.sh calls this with
# the scratch project's bin): a semicolon manifest with decimal commas from a European Excel, two
# runs on one --out, Ctrl-C and the re-run, evaluate on the run's own predictions.csv, a T2-only
# manifest, a 6-patient cohort, a truncated file in a series. Each check prints one line; any
# failure exits 1. About a minute on 2 cores (one tiny T1 training of 12 synthetic patients).
# usage: scripts/newcomer-bad-inputs.sh BIN WORKDIR
set -euo pipefail
BIN="$1"
WORK="$2"
mkdir -p "$WORK"
cd "$WORK"
fail() { echo "newcomer bad inputs: FAILED: $*" >&2; exit 1; }
ok() { echo "  ok: $*"; }
run() { node "$BIN" "$@"; }

run synth --out cohort --patients 12 --seed 1 >/dev/null 2>&1 || fail "synth"

# 1. European Excel: ';' between columns, decimal commas, T1 only to keep the training short
node -e '
  const fs = require("fs");
  const lines = fs.readFileSync("cohort/manifest.csv", "utf8").trim().split("\n");
  const out = lines.map((l, i) => {
    const f = l.match(/("[^"]*"|[^,]*)(,|$)/g).map((x) => x.replace(/,$/, "").replace(/^"|"$/g, ""));
    if (i > 0) f[4] = f[4].replace(".", ",");
    return f.join(";");
  }).filter((l, i) => i === 0 || l.split(";")[1] === "T1");
  fs.writeFileSync("cohort/eu.csv", "\ufeff" + out.join("\r\n") + "\r\n");
'
grep -q ';-[0-9],[0-9]' cohort/eu.csv || fail "the European manifest has no decimal comma"

# 2. two runs on one --out: the second is refused at once, naming the first's pid
RUN=(reproduce --manifest cohort/eu.csv --preset tiny --epochs 2 --sequence T1 --out run-eu)
node "$BIN" "${RUN[@]}" >first.out 2>first.err &
FIRST=$!
for _ in $(seq 1 600); do [[ -f run-eu/.op-screen.lock ]] && break; sleep 0.1; done
[[ -f run-eu/.op-screen.lock ]] || fail "the first run took no lock"
set +e
run "${RUN[@]}" --resume >second.out 2>second.err
code=$?
set -e
[[ $code == 1 ]] && grep -q "in use by pid $FIRST" second.err || fail "second run on one --out: exit $code, $(cat second.err)"
ok "a second run on the same --out is refused: $(head -c 120 second.err)"

# 3. Ctrl-C once training has started: exit 130, what was saved, how to resume
for _ in $(seq 1 600); do grep -q 'split: ' first.err && break; sleep 0.1; done
kill -INT "$FIRST"
set +e
wait "$FIRST"
code=$?
set -e
[[ $code == 130 ]] || fail "SIGINT: exit $code, $(tail -3 first.err)"
grep -q 'run the same command with --resume to continue' first.err || fail "SIGINT message: $(tail -2 first.err)"
ok "Ctrl-C exits 130: $(tail -1 first.err | head -c 140)"
set +e
run "${RUN[@]}" >/dev/null 2>rerun.err
code=$?
set -e
[[ $code == 1 ]] && grep -q 'pass --resume' rerun.err || fail "bare re-run after Ctrl-C: exit $code"
run "${RUN[@]}" --resume >/dev/null 2>resume.err || fail "re-run with --resume: $(tail -3 resume.err)"
ok "the re-run with --resume finishes the run"

# 4. evaluate on the run's own predictions.csv equals report.json
run evaluate run-eu/predictions.csv --json >eval.json || fail "evaluate on predictions.csv"
node -e '
  const e = JSON.parse(require("fs").readFileSync("eval.json", "utf8"));
  const r = JSON.parse(require("fs").readFileSync("run-eu/report.json", "utf8"));
  const t1 = e.results.find((x) => x.result === "T1");
  if (e.format !== "run" || Math.abs(t1.auc - r.results.T1.image.auc) > 1e-9 || Math.abs(t1.patient.auc - r.results.T1.patient.auc) > 1e-9)
    { console.error("evaluate", t1.auc, t1.patient.auc, "report", r.results.T1.image.auc, r.results.T1.patient.auc); process.exit(1); }
' || fail "evaluate differs from report.json"
ok "evaluate on the run's predictions.csv equals report.json (image and patient AUC)"

# 5. a truncated file in a series: the rows of that series are refused by name, the rest scored
SERIES=$(ls -d cohort/series/SYN0002/T1)
FILE=$(ls "$SERIES" | head -1)
head -c 300 "$SERIES/$FILE" >"$SERIES/$FILE.part" && mv "$SERIES/$FILE.part" "$SERIES/$FILE"
run predict --model run-eu --manifest cohort/eu.csv --out scores.csv 2>predict.err || fail "predict: $(tail -2 predict.err)"
grep -q "SERIES_INCOMPLETE: .*first: $FILE, TRUNCATED" predict.err || fail "truncated file not named: $(head -3 predict.err)"
ok "a truncated file in a series: its rows are refused naming $FILE, $(tail -1 predict.err)"

# 6. a T2-only manifest under the default --sequence both: a usage error before any work
head -1 cohort/manifest.csv >cohort/t2.csv
grep -E ',"?T2"?,' cohort/manifest.csv >>cohort/t2.csv
set +e
run reproduce --manifest cohort/t2.csv --preset tiny --out run-t2 >/dev/null 2>t2.err
code=$?
set -e
[[ $code == 2 && ! -e run-t2 ]] && grep -q -- '--sequence' t2.err || fail "T2-only manifest: exit $code, $(cat t2.err)"
ok "a T2-only manifest: $(head -c 140 t2.err)"

# 7. a 6-patient cohort: refused before training or run to its report, never a crash after training
run synth --out six --patients 6 --seed 1 >/dev/null 2>&1
set +e
run reproduce --manifest six/manifest.csv --preset tiny --epochs 1 --sequence T1 --out run-six >/dev/null 2>six.err
code=$?
set -e
if [[ $code == 0 ]]; then ok "a 6-patient cohort runs to its report"
elif [[ $code == 1 ]] && grep -q 'NOT_ENOUGH_DATA' six.err && [[ ! -d run-six/checkpoints/T1/fold-0 ]]; then
  ok "a 6-patient cohort is refused before training: $(grep NOT_ENOUGH_DATA six.err | head -c 160)"
else fail "6-patient cohort: exit $code, $(tail -2 six.err)"; fi
