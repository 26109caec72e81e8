"""RoIAlign reference for the `blendmask` crate: torchvision.ops.roi_align on seeded random inputs.

Usage: .venv-torch/bin/python tools/torch_parity/roi_align_parity.py [OUT.json] [SEED]
       (default OUT: crates/blendmask/tests/data/roi_align_torchvision.json, committed; SEED 0)
Writes {torch, torchvision, seed, cases: [{name, shape, features, rois [[batch, x0, y0, x1, y1]], output_size,
spatial_scale, sampling_ratio, aligned, output, grad_features}]} that crates/blendmask/tests/roi_align_torch.rs
replays through our RoIAlign (forward, and backward on Autodiff<Flex>) without PyTorch. Computed in float64 on
float32-rounded features and boxes; `grad_features` is the gradient of sum(output * G) with the closed-form
upstream gradient G[i] = sin(0.1 * i + 1) over the flat (row-major) output index i, which the Rust test
recomputes. Values are written with 9 significant digits (exact for float32).
Needs torch + torchvision (.venv-torch).
"""
import json
import math
import pathlib
import sys

import torch
import torchvision
from torchvision.ops import roi_align


def upstream(numel):
    return torch.sin(0.1 * torch.arange(numel, dtype=torch.float64) + 1.0)


def short(values):
    return [float(f"{v:.9g}") for v in values]


def make_case(gen, name, n, c, h, w, stride, num_rois, out, scale, ratio, aligned):
    feats = torch.randn(n, c, h, w, generator=gen, dtype=torch.float64)
    img_w, img_h = w * stride, h * stride
    rois = []
    for i in range(num_rois):
        b = int(torch.randint(0, n, (1,), generator=gen))
        # Boxes span tiny to larger-than-image, some partly outside the image.
        cx = float(torch.rand(1, generator=gen)) * img_w * 1.2 - 0.1 * img_w
        cy = float(torch.rand(1, generator=gen)) * img_h * 1.2 - 0.1 * img_h
        bw = float(torch.rand(1, generator=gen)) ** 2 * img_w * 1.3 + 0.5
        bh = float(torch.rand(1, generator=gen)) ** 2 * img_h * 1.3 + 0.5
        rois.append([b, cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2])
    # Round boxes and features to float32 so both sides see identical values.
    rois_t = torch.tensor(rois, dtype=torch.float32).to(torch.float64)
    feats = feats.to(torch.float32).to(torch.float64).requires_grad_(True)
    y = roi_align(feats, rois_t, output_size=out, spatial_scale=scale, sampling_ratio=ratio, aligned=aligned)
    (y.flatten() * upstream(y.numel())).sum().backward()
    return {
        "name": name,
        "shape": [n, c, h, w],
        "features": short(feats.detach().flatten().tolist()),
        "rois": rois_t.tolist(),
        "output_size": list(out),
        "spatial_scale": scale,
        "sampling_ratio": ratio,
        "aligned": aligned,
        "output": short(y.detach().flatten().tolist()),
        "grad_features": short(feats.grad.flatten().tolist()),
    }


def main():
    repo = pathlib.Path(__file__).resolve().parents[2]
    out_path = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else repo / "crates/blendmask/tests/data/roi_align_torchvision.json"
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    gen = torch.Generator().manual_seed(seed)
    cases = [
        # BlendMask's pooler: bases at stride 4, 56x56, sampling ratio 1, aligned.
        make_case(gen, "blendmask_56_sr1_aligned", 2, 2, 20, 24, 4, 3, (56, 56), 0.25, 1, True),
        make_case(gen, "adaptive_sr_aligned", 2, 3, 16, 13, 1, 10, (7, 9), 1.0, 0, True),
        make_case(gen, "legacy_sr2_unaligned", 1, 2, 11, 17, 2, 10, (5, 5), 0.5, 2, False),
    ]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "seed": seed, "cases": cases}, f)
    print(f"wrote {out_path} ({out_path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
