"""Peer for bench/metrics/auc-delong.mjs: scikit-learn roc_auc_score on the same data, best of N."""
import json, sys, time
import numpy as np
from sklearn.metrics import roc_auc_score

d, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
y = np.fromfile(d + "/labels.u8", dtype=np.uint8).astype(np.int64)
s = np.fromfile(d + "/scores.f64", dtype="<f8")
assert len(y) == n and len(s) == n
auc = roc_auc_score(y, s)  # warm-up
best = float("inf")
for _ in range(rounds):
    t0 = time.perf_counter()
    auc = roc_auc_score(y, s)
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"seconds": best, "auc": float(auc)}))
