"""Times pycocotools COCOeval (segm) on one GT/results pair, for the eval crate's benchmark.

usage: eval_coco_bench.py GT.json RESULTS.json [segm|bbox]
"""
import sys
import time

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

t = time.perf_counter()
gt = COCO(sys.argv[1])
dt = gt.loadRes(sys.argv[2])
e = COCOeval(gt, dt, sys.argv[3] if len(sys.argv) > 3 else "segm")
e.evaluate()
e.accumulate()
e.summarize()
print(f"pycocotools total {time.perf_counter() - t:.3f} s, AP {e.stats[0]:.4f}")
