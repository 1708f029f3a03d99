#!/usr/bin/python3
"""Peer for bench/mri-io/decode.mjs: pydicom (Debian python3-pydicom) and nibabel decode times.

stdin: JSON {"dicom": [paths], "nifti": [paths], "rounds": N}
stdout: JSON {"versions": {...}, "dicom": {path: {"ok", "bytes", "seconds"}}, "nifti": {...}}
"seconds" is the best (minimum) over rounds of reading the file from disk and producing the pixel
array (pydicom: dcmread + pixel_array; nibabel: load + get_fdata(float32)), like our
readDicom / readNifti + scaled().
"""
import json, sys, time, warnings

warnings.simplefilter("ignore")
import numpy as np
import pydicom, nibabel as nib

def best_time(fn, rounds):
    fn()  # warm-up (imports, caches)
    ts = []
    for _ in range(rounds):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return min(ts)  # the machine is shared: the minimum is the least disturbed run

def main():
    req = json.load(sys.stdin)
    rounds = int(req.get("rounds", 20))
    out = {"versions": {"pydicom": pydicom.__version__, "nibabel": nib.__version__, "numpy": np.__version__,
                        "python": sys.version.split()[0]}, "dicom": {}, "nifti": {}}
    for p in req["dicom"]:
        try:
            arr = pydicom.dcmread(p).pixel_array
            out["dicom"][p] = {"ok": True, "bytes": int(arr.nbytes),
                               "seconds": best_time(lambda: pydicom.dcmread(p).pixel_array, rounds)}
        except Exception as e:  # no handler for this transfer syntax in Debian's pydicom
            out["dicom"][p] = {"ok": False, "error": type(e).__name__}
    for p in req["nifti"]:
        def read():
            img = nib.load(p)
            return img.get_fdata(dtype=np.float32)
        try:
            arr = read()
            out["nifti"][p] = {"ok": True, "bytes": int(arr.size * nib.load(p).get_data_dtype().itemsize),
                               "seconds": best_time(read, rounds)}
        except Exception as e:
            out["nifti"][p] = {"ok": False, "error": type(e).__name__}
    json.dump(out, sys.stdout)

if __name__ == "__main__":
    main()
