#!/usr/bin/python3
"""torch CPU peer for bench/efficientnet/run.mjs, driven line by line so runs interleave with tfjs.

usage: torch_bench.py BATCH ARCH:SIZE ...
Builds the models (random weights: throughput does not depend on values; eval mode, float32, NCHW),
prints {"ready": ...}, then answers each stdin line "THREADS ARCH" with one timed forward pass
{"arch", "threads", "seconds"} under torch.no_grad(). An empty line or EOF ends it.
"""
import json, sys, time
import torch, torchvision

def main():
    batch = int(sys.argv[1])
    torch.manual_seed(0)
    models = {}
    for spec in sys.argv[2:]:
        arch, size = spec.split(":")
        m = getattr(torchvision.models, arch)(weights=None).eval()
        models[arch] = (m, torch.randn(batch, 3, int(size), int(size)))
    print(json.dumps({"ready": list(models), "torch": torch.__version__, "torchvision": torchvision.__version__}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            break
        threads, arch = line.split()
        torch.set_num_threads(int(threads))
        m, x = models[arch]
        with torch.no_grad():
            t = time.perf_counter(); m(x); dt = time.perf_counter() - t
        print(json.dumps({"arch": arch, "threads": int(threads), "seconds": dt}), flush=True)

if __name__ == "__main__":
    main()
