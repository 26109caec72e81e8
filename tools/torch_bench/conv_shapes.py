#!/usr/bin/env python3
"""PyTorch counterpart of `cargo run --release -p dla34 --example conv_grad -- SIZE RUNS`: the same conv shapes
(the network's map sizes at input SIZE, batch 1), forward under inference_mode, forward + backward of
sum(conv(x) * scale) with and without the input gradient; median of RUNS after one warm-up, 2 threads.

Usage: OMP_WAIT_POLICY=PASSIVE .venv-torch/bin/python tools/torch_bench/conv_shapes.py [SIZE] [RUNS]
"""

import statistics
import sys
import time

import torch
from torch import nn

# (name, cin, cout, kernel, stride, input side as SIZE / div, bias): as in crates/dla34/examples/conv_grad.rs
SHAPES = [
    ("base_layer 7x7", 3, 16, 7, 1, 1, False),
    ("level0 3x3", 16, 16, 3, 1, 1, False),
    ("level1 3x3 s2", 16, 32, 3, 2, 1, False),
    ("level2 3x3 s2", 32, 64, 3, 2, 2, False),
    ("level2 3x3", 64, 64, 3, 1, 4, False),
    ("level3 3x3", 128, 128, 3, 1, 8, False),
    ("level4 3x3", 256, 256, 3, 1, 16, False),
    ("level5 3x3", 512, 512, 3, 1, 32, False),
    ("root 1x1", 256, 128, 1, 1, 8, False),
    ("fpn/fcos tower 3x3", 256, 256, 3, 1, 8, True),
    ("attention 3x3", 256, 784, 3, 1, 8, True),
    ("basis refine 3x3", 256, 128, 3, 1, 8, False),
    ("basis tower 3x3", 128, 128, 3, 1, 4, False),
    ("basis out 1x1", 128, 4, 1, 1, 4, True),
]


def median_ms(runs, fn):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(2)
    print(f"input {size}, batch 1, median of {runs} (ms), torch {torch.__version__}")
    print(f"{'conv':22} {'map':>12} {'fwd':>8} {'f+b':>10} {'f+b w':>10}")
    sums = [0.0, 0.0, 0.0]
    for name, cin, cout, k, stride, div, bias in SHAPES:
        side = size // div
        conv = nn.Conv2d(cin, cout, k, stride, k // 2, bias=bias)
        x = torch.randn(1, cin, side, side)
        with torch.no_grad():
            scale = torch.randn_like(conv(x))
        with torch.inference_mode():
            fwd = median_ms(runs, lambda: conv(x))
        row = [fwd]
        for x_grad in (True, False):
            xi = x.clone().requires_grad_(x_grad)

            def step():
                conv.zero_grad(set_to_none=True)
                (conv(xi) * scale).sum().backward()

            row.append(median_ms(runs, step))
        sums = [s + v for s, v in zip(sums, row)]
        print(f"{name:22} {f'{cin}x{side}x{side}':>12} {row[0]:8.1f} {row[1]:10.1f} {row[2]:10.1f}")
    print(f"{'sum':22} {'':>12} {sums[0]:8.1f} {sums[1]:10.1f} {sums[2]:10.1f}")


if __name__ == "__main__":
    main()
