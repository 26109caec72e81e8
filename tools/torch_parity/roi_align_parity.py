"""RoIAlign reference for the `blendmask` crate: torchvision.ops.roi_align on seeded random inputs.

Usage: roi_align_parity.py OUT.json [SEED]
Writes a list of cases {name, shape, features, rois [[batch, x0, y0, x1, y1]], output_size,
spatial_scale, sampling_ratio, aligned, output} that crates/blendmask/tests/roi_align_torch.rs
replays through our RoIAlign and compares element-wise. Needs torch + torchvision (.venv-torch).
"""
import json
import sys

import torch
from torchvision.ops import roi_align


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
    # Round boxes to float32 so both sides see identical coordinates.
    rois_t = torch.tensor(rois, dtype=torch.float32).to(torch.float64)
    feats = feats.to(torch.float32).to(torch.float64)
    y = roi_align(feats, rois_t, output_size=out, spatial_scale=scale,
                  sampling_ratio=ratio, aligned=aligned)
    return {
        "name": name,
        "shape": [n, c, h, w],
        "features": feats.flatten().tolist(),
        "rois": rois_t.tolist(),
        "output_size": list(out),
        "spatial_scale": scale,
        "sampling_ratio": ratio,
        "aligned": aligned,
        "output": y.flatten().tolist(),
    }


def main():
    out_path = sys.argv[1]
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    gen = torch.Generator().manual_seed(seed)
    cases = [
        # BlendMask's pooler: bases at stride 4, 56x56, sampling ratio 1, aligned.
        make_case(gen, "blendmask_56_sr1_aligned", 2, 4, 20, 24, 4, 12, (56, 56), 0.25, 1, True),
        make_case(gen, "adaptive_sr_aligned", 2, 3, 16, 13, 1, 10, (7, 9), 1.0, 0, True),
        make_case(gen, "legacy_sr2_unaligned", 1, 2, 11, 17, 2, 10, (5, 5), 0.5, 2, False),
    ]
    with open(out_path, "w") as f:
        json.dump({"torch": torch.__version__, "seed": seed, "cases": cases}, f)


if __name__ == "__main__":
    main()
