#!/usr/bin/env python3
"""PyTorch side of the training-curve comparison: trains the PyTorch twin of our network (train_step_reference.py)
on exactly the batches, targets, initial weights and learning rates that our trainer used, and compares the loss
curves term by term.

Input: the folder written by `cargo run --release -p trainer --example train_curve -- CONFIG N OUT`:
weights.safetensors, batch_NNNNN.safetensors (N of them), ours.jsonl (our losses per iteration), solver.json.
Output: OUT/torch.jsonl (the twin's losses per iteration) and a table of window means, ours against PyTorch's.

The solver is ours, written with PyTorch: the global gradient norm (clipped to `clip_grad_norm` when > 0), then
coupled L2 decay (`weight_decay` on tensors of rank >= 2, `weight_decay_norm` on rank-1 ones), then
torch.optim.Adam / SGD with the iteration's LR.

Usage: .venv-torch/bin/python tools/torch_parity/train_curve.py OUT [--window 50] [--dtype float32|float64]
"""

import argparse
import json
import pathlib
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from train_step_reference import LOSS_NAMES, Twin, load, losses  # noqa: E402


def solver_step(twin, opt, solver, lr):
    params = [p for p in twin.p.values() if p.grad is not None]
    norm = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params))
    clip = solver.get("clip_grad_norm", 0.0)
    if clip > 0:  # ours: min(1, max_norm / (norm + 1e-6)), applied always
        scale = min(1.0, clip / (float(norm) + 1e-6))
        for p in params:
            p.grad.mul_(scale)
    for p in params:
        wd = solver["weight_decay"] if p.dim() >= 2 else solver["weight_decay_norm"]
        if wd:
            p.grad.add_(p.detach(), alpha=wd)
    for g in opt.param_groups:
        g["lr"] = lr
    opt.step()
    opt.zero_grad(set_to_none=True)
    return float(norm)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=pathlib.Path)
    ap.add_argument("--window", type=int, default=50)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = ap.parse_args()
    torch.manual_seed(0)
    dtype = getattr(torch, args.dtype)
    weights, wmeta = load(args.out / "weights.safetensors")
    cfg = json.loads(wmeta["config"])
    solver = json.loads((args.out / "solver.json").read_text())
    twin = Twin(weights, cfg, dtype)
    params = list(twin.p.values())
    if solver["optimizer"] == "adam":
        b1, b2 = solver["adam_betas"]
        opt = torch.optim.Adam(params, lr=solver["base_lr"], betas=(b1, b2), eps=solver["adam_eps"])
    else:
        opt = torch.optim.SGD(params, lr=solver["base_lr"], momentum=solver["momentum"])
    ours = [json.loads(line) for line in (args.out / "ours.jsonl").read_text().splitlines()]
    batches = sorted(args.out.glob("batch_*.safetensors"))
    assert len(batches) == len(ours), f"{len(batches)} batches but {len(ours)} records in ours.jsonl"
    log = open(args.out / "torch.jsonl", "w")
    t0 = time.time()
    theirs = []
    for k, path in enumerate(batches, 1):
        inputs, meta = load(path)
        lr = float(meta["lr"])
        out = twin.forward(inputs["images"].to(dtype))
        named, _ = losses(twin, out, inputs, cfg)
        named["total"].backward()
        norm = solver_step(twin, opt, solver, lr)
        rec = {"iteration": k, **{n: float(v) for n, v in named.items()}, "grad_norm": norm, "lr": lr}
        theirs.append(rec)
        log.write(json.dumps(rec) + "\n")
        log.flush()
        if k == 1:
            print("iteration 1 (same weights, same batch: equal up to float rounding):")
            for n in LOSS_NAMES:
                print(f"  {n:8} ours {ours[0][n]:.6f}  torch {rec[n]:.6f}")
        if k % 25 == 0:
            print(f"iteration {k}/{len(batches)} ({time.time() - t0:.0f} s)", flush=True)

    w = args.window
    print(f"\nwindow means (iterations), ours / PyTorch ({args.dtype}):")
    print("| iterations | " + " | ".join(LOSS_NAMES) + " |")
    print("|---|" + "---:|" * len(LOSS_NAMES))
    for s in range(0, len(ours), w):
        a, b = ours[s:s + w], theirs[s:s + w]
        cells = [f"{sum(r[n] for r in a) / len(a):.3f} / {sum(r[n] for r in b) / len(b):.3f}" for n in LOSS_NAMES]
        print(f"| {s + 1}–{s + len(a)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
