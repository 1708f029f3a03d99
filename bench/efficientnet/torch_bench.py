#!/usr/bin/python3
"""torch CPU peer for bench/efficientnet/run.mjs: inference throughput of torchvision models.

usage: torch_bench.py THREADS BATCH ITERS ARCH:SIZE ...   -> one JSON line per model on stdout
Random weights (throughput does not depend on values); eval mode, no_grad, float32, NCHW.
"""
import json, sys, time
import torch, torchvision

def main():
    threads, batch, iters = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    for spec in sys.argv[4:]:
        arch, size = spec.split(":"); size = int(size)
        m = getattr(torchvision.models, arch)(weights=None).eval()
        x = torch.randn(batch, 3, size, size)
        with torch.no_grad():
            m(x)  # warm-up
            times = []
            for _ in range(iters):
                t = time.perf_counter(); m(x); times.append(time.perf_counter() - t)
        best = min(times)
        print(json.dumps({"arch": arch, "size": size, "threads": threads, "batch": batch,
                          "seconds": times, "imagesPerSecond": batch / best,
                          "torch": torch.__version__, "torchvision": torchvision.__version__}), flush=True)

if __name__ == "__main__":
    main()
