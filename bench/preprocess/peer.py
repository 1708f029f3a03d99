#!/usr/bin/python3
"""SciPy/NumPy/torch peer of the study preset, timed in the same run as bench.mjs.

Usage: /usr/bin/python3 peer.py INPUT.f32 HEIGHT WIDTH SIZE REPEATS
Prints JSON: median seconds per image for the whole preset and for each step, and for a
batch of 16. torch runs on one thread, like Node's single JS thread.
"""
import json, sys, time
import numpy as np, torch
from scipy import ndimage

torch.set_num_threads(1)
path, h, w, size, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
img = np.fromfile(path, dtype="<f4").reshape(h, w)


def sharpen(x):
    return x - ndimage.laplace(x, mode="reflect")


def median(x):
    return ndimage.median_filter(x, size=3, mode="reflect")


def clip(x):
    lo, hi = np.percentile(x, [1, 99])
    return np.clip(x, lo, hi)


def minmax(x):
    return (x - x.min()) / (x.max() - x.min())


def resize(x):
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None, None]
    return torch.nn.functional.interpolate(t, size=(size, size), mode="bilinear", align_corners=False, antialias=True).numpy()[0, 0]


def preset(x):
    return resize(minmax(clip(median(sharpen(x)))))


def batch(xs):
    pre = np.stack([minmax(clip(median(sharpen(x)))) for x in xs])
    t = torch.from_numpy(pre)[:, None]
    return torch.nn.functional.interpolate(t, size=(size, size), mode="bilinear", align_corners=False, antialias=True).numpy()


def timeit(fn, arg, n):
    fn(arg)
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn(arg)
        ts.append(time.perf_counter() - t0)
    return {"median": float(np.median(ts)), "min": float(np.min(ts))}


steps = {"laplacianSharpen": sharpen, "median3": median, "percentileClip": clip, "minMaxNormalize": minmax, "resize": resize}
out = {
    "peer": "scipy %s, numpy %s, torch %s (1 thread)" % (__import__("scipy").__version__, np.__version__, torch.__version__),
    "preset": timeit(preset, img, repeats),
    "batch16": timeit(batch, [img] * 16, max(3, repeats // 8)),
    "steps": {k: timeit(f, img, repeats) for k, f in steps.items()},
}
out["check"] = float(preset(img).astype(np.float64).sum())
print(json.dumps(out))
