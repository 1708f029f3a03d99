#!/usr/bin/python3
"""Peer for bench/mri-io/scan.mjs: pydicom (Debian python3-pydicom) header-only reads.

stdin: JSON {"root": dir, "rounds": N}
stdout: JSON {"versions": {...}, "seconds": best, "files": n, "images": n, "nonDicom": n, "series": n}
One round walks the tree (os.walk, sorted) and reads every file with
dcmread(path, stop_before_pixels=True), skipping non-DICOM files (InvalidDicomError) and
grouping by (PatientID, StudyInstanceUID, SeriesInstanceUID), as our scan does before its
per-series summaries.
"""
import json, os, sys, time, warnings

warnings.simplefilter("ignore")
import pydicom
from pydicom.errors import InvalidDicomError


def scan(root):
    groups, files, non_dicom, images = {}, 0, 0, 0
    for d, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(d, n)
            files += 1
            try:
                ds = pydicom.dcmread(p, stop_before_pixels=True)
            except InvalidDicomError:
                non_dicom += 1
                continue
            except Exception:  # truncated and other broken files
                continue
            images += 1
            key = (ds.get("PatientID", ""), ds.get("StudyInstanceUID", ""), ds.get("SeriesInstanceUID", ""))
            groups.setdefault(key, []).append((p, ds.get("ImagePositionPatient"), ds.get("SeriesDescription")))
    return {"files": files, "images": images, "nonDicom": non_dicom, "series": len(groups)}


def main():
    req = json.load(sys.stdin)
    rounds = int(req.get("rounds", 3))
    out = scan(req["root"])  # warm-up (imports, page cache)
    ts = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        scan(req["root"])
        ts.append(time.perf_counter() - t0)
    out.update({"seconds": min(ts), "all": ts,
                "versions": {"pydicom": pydicom.__version__, "python": sys.version.split()[0]}})
    print(json.dumps(out))


main()
