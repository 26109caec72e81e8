#!/usr/bin/env python3
"""Writes a random-init timm DLA checkpoint and its level3-5 features for crates/dla34/tests/torch_parity.rs.

By default a narrow DLA-34 (timm's `DLA` class with DLA-34's layout, levels [1,1,1,2,2,1] and `DlaBasic`, at
widths [4,6,8,12,16,24], a 10-class classifier) so that the files are small enough to commit: they go to
crates/dla34/tests/data and the Rust test runs in CI without PyTorch. `--full` builds timm's `dla34` itself
(15.3 M parameters) into target/torch_parity (git-ignored); `DLA34_PARITY_DIR=target/torch_parity` points
the test at it.

Outputs:
  dla34_timm_random.pth        timm state dict (zip format), BN statistics and affine randomised
  dla34_ucbdrive_random.pth    the same weights in the ucbdrive layout: plus the never-used
                               level3.project / level4.project, written in the legacy (pre-1.6)
                               serialisation like the real dla34-ba72cf86.pth
  dla34_features.safetensors   `input` [1,3,S,S] and `level3`, `level4`, `level5` (eval mode, float32);
                               metadata `channels` (JSON list) and `torch`

Usage: .venv-torch/bin/python tools/torch_parity/make_reference.py [--full] [--out DIR] [--size S] [--seed 0]
"""

import argparse
import json
import pathlib

import timm
import torch
from safetensors.torch import save_file
from timm.models.dla import DLA, DlaBasic

NARROW = [4, 6, 8, 12, 16, 24]


def randomise_norms(model: torch.nn.Module, gen: torch.Generator) -> None:
    """Gives every BatchNorm non-trivial statistics and affine values so eval-mode BN is tested."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_mean.copy_(0.2 * torch.randn(c, generator=gen))
                m.running_var.copy_(0.5 + torch.rand(c, generator=gen))


def features(model: torch.nn.Module, x: torch.Tensor) -> dict:
    """Runs timm's DLA stage by stage and returns level3-5."""
    out = {}
    x = model.base_layer(x)
    for i in range(6):
        x = getattr(model, f"level{i}")(x)
        if i >= 3:
            out[f"level{i}"] = x.contiguous()
    return out


def main() -> None:
    repo = pathlib.Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="timm's full-size dla34 (default: the narrow DLA)")
    ap.add_argument("--out", type=pathlib.Path, default=None,
                    help="default: crates/dla34/tests/data, or target/torch_parity with --full")
    ap.add_argument("--size", type=int, default=None, help="input side, a multiple of 32 (default 64; 128 with --full)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    out_dir = args.out or (repo / "target" / "torch_parity" if args.full else repo / "crates" / "dla34" / "tests" / "data")
    size = args.size or (128 if args.full else 64)
    out_dir.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    if args.full:
        model = timm.create_model("dla34", pretrained=False)
    else:
        model = DLA(levels=[1, 1, 1, 2, 2, 1], channels=NARROW, block=DlaBasic, num_classes=10)
    channels = list(model.channels)
    randomise_norms(model, gen)
    model.eval()

    sd = model.state_dict()
    torch.save(sd, out_dir / "dla34_timm_random.pth")

    # ucbdrive layout: add the two projections the reference builds but never uses.
    ucb = dict(sd)
    for level, (cin, cout) in {"level3": (channels[2], channels[3]), "level4": (channels[3], channels[4])}.items():
        ucb[f"{level}.project.0.weight"] = torch.randn(cout, cin, 1, 1, generator=gen) * 0.1
        ucb[f"{level}.project.1.weight"] = torch.ones(cout)
        ucb[f"{level}.project.1.bias"] = torch.zeros(cout)
        ucb[f"{level}.project.1.running_mean"] = torch.zeros(cout)
        ucb[f"{level}.project.1.running_var"] = torch.ones(cout)
        ucb[f"{level}.project.1.num_batches_tracked"] = torch.tensor(0)
    torch.save(ucb, out_dir / "dla34_ucbdrive_random.pth", _use_new_zipfile_serialization=False)

    x = torch.randn(1, 3, size, size, generator=gen)
    with torch.no_grad():
        feats = features(model, x)
    tensors = {"input": x.contiguous(), **feats}
    meta = {"channels": json.dumps(channels), "torch": torch.__version__, "timm": timm.__version__}
    save_file(tensors, str(out_dir / "dla34_features.safetensors"), metadata=meta)
    for k, v in tensors.items():
        print(f"{k}: {tuple(v.shape)} mean {v.mean():.5f} std {v.std():.5f}")
    for f in sorted(out_dir.glob("dla34_*")):
        print(f"wrote {f} ({f.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
