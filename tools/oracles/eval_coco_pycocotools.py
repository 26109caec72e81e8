"""Oracle for the eval crate's COCO parity tests: pycocotools 2.0.11 COCOeval.

usage: eval_coco_pycocotools.py CASES_DIR N OUT.json
Each CASES_DIR/<i>/ holds gt.json, dt.json and iou_type.txt ('segm' or 'bbox'). Writes a list of
{"stats": [12], "precision": flat TxRxKxAxM, "recall": flat TxKxAxM} (one per case, None if dt is empty).
"""
import contextlib
import io
import json
import os
import sys

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def run(case):
    with open(os.path.join(case, "iou_type.txt")) as f:
        iou_type = f.read().strip()
    with open(os.path.join(case, "dt.json")) as f:
        dts = json.load(f)
    if not dts:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(os.path.join(case, "gt.json"))
        dt = gt.loadRes(dts)
        e = COCOeval(gt, dt, iou_type)
        e.evaluate()
        e.accumulate()
        e.summarize()
    return {"stats": [float(x) for x in e.stats],
            "precision": e.eval["precision"].ravel().tolist(),
            "recall": e.eval["recall"].ravel().tolist()}


def main():
    cases, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    res = [run(os.path.join(cases, str(i))) for i in range(n)]
    with open(out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main()
