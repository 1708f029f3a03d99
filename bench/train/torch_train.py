#!/usr/bin/python3
"""Training throughput of torchvision models on torch CPU: the peer of bench/train/run.mjs.

usage: torch_train.py THREADS BATCH STEPS ARCH:SIZE [ARCH:SIZE ...]
Prints one JSON object per model: {"arch", "size", "threads", "seconds": [per step], "imgPerSec",
"maxRssGB"} (peak resident memory of this process so far: run one model per process to read it).
Same task as ours: 1-logit head, BCE with logits, Adam lr 1e-4, train mode (BN batch stats,
dropout, stochastic depth), one warm-up step excluded from timing.
"""
import json
import resource
import sys
import time

import torch
import torchvision

threads, batch, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
for spec in sys.argv[4:]:
    arch, size = spec.split(":")
    size = int(size)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=1)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    lossf = torch.nn.BCEWithLogitsLoss()
    x = torch.randn(batch, 3, size, size)
    y = (torch.rand(batch, 1) < 0.5).float()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = lossf(model(x), y)
        loss.backward()
        opt.step()

    step()
    secs = []
    for _ in range(steps):
        t = time.perf_counter()
        step()
        secs.append(time.perf_counter() - t)
    print(json.dumps({"arch": arch, "size": size, "threads": threads, "seconds": secs,
                      "imgPerSec": batch * len(secs) / sum(secs),
                      "maxRssGB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9}),
          flush=True)
