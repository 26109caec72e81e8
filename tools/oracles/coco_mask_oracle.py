"""pycocotools oracle for the `data` crate's mask parity test.

Usage: python coco_mask_oracle.py CASES.json OUT.json
CASES.json is a list of cases; each has a "kind" and its inputs. OUT.json gets one result per case, computed
with pycocotools 2.0.11 only (no logic of our own beyond calling its API):
  encode:       {h, w, bits (column-major 0/1)}        -> {counts, area, bbox}
  decode:       {h, w, counts (compressed str)}         -> {bits (column-major), area, bbox}
  uncompressed: {h, w, runs (list)}                     -> {counts, area, bbox}
  poly:         {h, w, polys (list of flat lists)}      -> {counts, area, bbox}   (frPyObjects + merge, as annToRLE)
  merge:        {h, w, rles (compressed strs), intersect} -> {counts, area}
  iou:          {h, w, dt, gt (compressed strs), iscrowd} -> {iou (rows dt, cols gt)}
"""
import json
import sys

import numpy as np
from pycocotools import mask as M


def rle(h, w, counts):
    return {"size": [h, w], "counts": counts.encode("ascii")}


def describe(r):
    return {
        "counts": r["counts"].decode("ascii"),
        "area": int(M.area(r)),
        "bbox": [float(v) for v in M.toBbox(r)],
    }


def run(case):
    k, h, w = case["kind"], case["h"], case["w"]
    if k == "encode":
        bits = np.array(case["bits"], dtype=np.uint8).reshape((h, w), order="F")
        return describe(M.encode(np.asfortranarray(bits)))
    if k == "decode":
        r = rle(h, w, case["counts"])
        out = describe(r)
        out["bits"] = [int(v) for v in M.decode(r).flatten(order="F")]
        return out
    if k == "uncompressed":
        r = M.frPyObjects({"size": [h, w], "counts": case["runs"]}, h, w)
        return describe(r)
    if k == "poly":
        return describe(M.merge(M.frPyObjects(case["polys"], h, w)))
    if k == "merge":
        r = M.merge([rle(h, w, c) for c in case["rles"]], intersect=int(case["intersect"]))
        return {"counts": r["counts"].decode("ascii"), "area": int(M.area(r))}
    if k == "iou":
        dt = [rle(h, w, c) for c in case["dt"]]
        gt = [rle(h, w, c) for c in case["gt"]]
        o = M.iou(dt, gt, [int(c) for c in case["iscrowd"]])
        o = np.asarray(o, dtype=float).reshape(len(dt), len(gt))
        # repr strings: exact doubles, independent of the JSON reader's float parsing
        return {"iou": [[repr(float(v)) for v in row] for row in o]}
    raise ValueError(f"unknown case kind {k}")


def main():
    cases = json.load(open(sys.argv[1]))
    json.dump([run(c) for c in cases], open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
