#!/usr/bin/env python3
"""Why is a run's mask AP what it is? Mask quality of a run's detections against simple baselines.

Usage (from the repository root, with the oracle virtualenv of tools/setup_venv.sh):

    .venv/bin/python tools/mask_diagnostics.py output/quickstart 256 datasets/synth

Reads `<run>/eval/<iter:08>_results.json` (COCO segm results written by the evaluation hook) and
`<run>/eval/gt_hvis_val.json` (the validation ground truth), and the training annotations
`<dataset>/instances_train.json`. For every validation person of at least `--min-area` pixels it prints:

- the best mask IoU reached by any detection scoring at least `--score` (the run's masks);
- the IoU of its ground-truth box filled completely (what a box-shaped mask would score);
- the IoU of the training set's average person shape (R x R, thresholded at 0.5) pasted into its
  ground-truth box (what the best instance-agnostic mask would score);
- the IoU after average-pooling the mask by a stride and upsampling it bilinearly (what the mask
  resolution alone allows).

A person counts for mask AP50 only at IoU >= 0.5, so the shares at 0.5 tell which of these limits the run.
"""

import argparse
import json

import numpy as np
from pycocotools import mask as coco_mask


def iou(a, b):
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum()) / max(float(union), 1.0)


def crop(m, box, r):
    """Nearest samples of mask `m` at the centres of an r x r grid over the COCO box."""
    x, y, w, h = box
    ys = np.clip((y + (np.arange(r) + 0.5) * h / r).astype(int), 0, m.shape[0] - 1)
    xs = np.clip((x + (np.arange(r) + 0.5) * w / r).astype(int), 0, m.shape[1] - 1)
    return m[ys][:, xs]


def paste(shape, box, soft):
    """Nearest paste of an r x r grid into the COCO box of an image of `shape`."""
    r = soft.shape[0]
    x, y, w, h = box
    out = np.zeros(shape, dtype=bool)
    y0, y1 = int(np.floor(y)), min(int(np.ceil(y + h)), shape[0])
    x0, x1 = int(np.floor(x)), min(int(np.ceil(x + w)), shape[1])
    vs = np.clip(((np.arange(y0, y1) + 0.5 - y) / h * r).astype(int), 0, r - 1)
    us = np.clip(((np.arange(x0, x1) + 0.5 - x) / w * r).astype(int), 0, r - 1)
    out[y0:y1, x0:x1] = soft[vs][:, us]
    return out


def pooled(m, f):
    """Average-pool by f, bilinear upsample (align_corners=False), threshold at 0.5."""
    h, w = m.shape
    s = m[: h - h % f, : w - w % f].reshape(h // f, f, w // f, f).mean((1, 3))
    H, W = s.shape
    ys = np.clip((np.arange(H * f) + 0.5) / f - 0.5, 0, H - 1)
    xs = np.clip((np.arange(W * f) + 0.5) / f - 0.5, 0, W - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, H - 1), np.minimum(x0 + 1, W - 1)
    fy, fx = (ys - y0)[:, None], (xs - x0)[None, :]
    up = (s[y0][:, x0] * (1 - fy) * (1 - fx) + s[y0][:, x1] * (1 - fy) * fx
          + s[y1][:, x0] * fy * (1 - fx) + s[y1][:, x1] * fy * fx)
    out = np.zeros_like(m, dtype=bool)
    out[: H * f, : W * f] = up >= 0.5
    return out


def summary(name, values):
    v = np.asarray(values)
    print(f"{name:<48} mean IoU {v.mean():.3f}   IoU>=0.5 {(v >= 0.5).mean():6.1%}   IoU>=0.75 {(v >= 0.75).mean():6.1%}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run", help="the run's output folder")
    ap.add_argument("iteration", type=int, help="the evaluated iteration (eval/<iter:08>_results.json)")
    ap.add_argument("dataset", help="the dataset root holding instances_train.json")
    ap.add_argument("--score", type=float, default=0.3, help="detections scoring at least this (0.3)")
    ap.add_argument("--min-area", type=float, default=200.0, help="persons of at least this many pixels (200)")
    ap.add_argument("--resolution", type=int, default=28, help="side of the average shape (28)")
    ap.add_argument("--strides", default="4,8", help="mask resolution strides to test (4,8)")
    a = ap.parse_args()

    results = json.load(open(f"{a.run}/eval/{a.iteration:08d}_results.json"))
    gt = json.load(open(f"{a.run}/eval/gt_hvis_val.json"))
    train = json.load(open(f"{a.dataset}/instances_train.json"))

    crops = [crop(coco_mask.decode(t["segmentation"]).astype(float), t["bbox"], a.resolution)
             for t in train["annotations"] if t["bbox"][2] >= 2 and t["bbox"][3] >= 2]
    crops = np.asarray(crops)
    mean = np.clip(crops.mean(axis=0), 1e-6, 1 - 1e-6)
    average = mean >= 0.5
    bce = float(-(crops * np.log(mean) + (1 - crops) * np.log(1 - mean)).mean())
    print(f"training persons: {len(crops)}; average shape ({a.resolution}x{a.resolution}) covers "
          f"{average.mean():.1%} of its box; predicting it for every person gives a mask BCE of {bce:.3f}")

    dets = {}
    for d in results:
        if d["score"] >= a.score:
            dets.setdefault(d["image_id"], []).append(coco_mask.decode(d["segmentation"]).astype(bool))
    strides = [int(s) for s in a.strides.split(",") if s]
    rows = {"run": [], "box": [], "avg": [], **{s: [] for s in strides}}
    for g in gt["annotations"]:
        if g["area"] < a.min_area:
            continue
        m = coco_mask.decode(g["segmentation"]).astype(bool)
        rows["run"].append(max((iou(d, m) for d in dets.get(g["image_id"], [])), default=0.0))
        rows["box"].append(iou(paste(m.shape, g["bbox"], np.ones((1, 1), bool)), m))
        rows["avg"].append(iou(paste(m.shape, g["bbox"], average), m))
        for s in strides:
            rows[s].append(iou(pooled(m.astype(float), s), m))
    print(f"validation persons of >= {a.min_area:g} px: {len(rows['run'])}")
    summary(f"run: best detection (score >= {a.score:g})", rows["run"])
    summary("filled ground-truth box", rows["box"])
    summary("average training shape in the ground-truth box", rows["avg"])
    for s in strides:
        summary(f"ground truth pooled by {s} and upsampled", rows[s])


if __name__ == "__main__":
    main()
