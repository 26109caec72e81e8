#!/usr/bin/env python3
"""Writes a random-init timm DLA-34 checkpoint and its level3-5 features for the Rust parity test.

Outputs (default directory: <repo>/target/torch_parity, git-ignored):
  dla34_timm_random.pth        timm state dict (zip format), BN statistics and affine randomised
  dla34_ucbdrive_random.pth    the same weights in the ucbdrive layout: plus the never-used
                               level3.project / level4.project and a 1000-class `fc`, written in the
                               legacy (pre-1.6) serialisation like the real dla34-ba72cf86.pth
  dla34_features.safetensors   `input` [1,3,S,S] and `level3`, `level4`, `level5` (eval mode, float32)

Usage: .venv-torch/bin/python tools/torch_parity/make_reference.py [--out DIR] [--size 128] [--seed 0]
"""

import argparse
import pathlib

import timm
import torch
from safetensors.torch import save_file


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
    ap.add_argument("--out", type=pathlib.Path, default=repo / "target" / "torch_parity")
    ap.add_argument("--size", type=int, default=128, help="input side (multiple of 32)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    model = timm.create_model("dla34", pretrained=False)
    randomise_norms(model, gen)
    model.eval()

    sd = model.state_dict()
    torch.save(sd, args.out / "dla34_timm_random.pth")

    # ucbdrive layout: add the two projections the reference builds but never uses.
    ucb = dict(sd)
    for level, (cin, cout) in {"level3": (64, 128), "level4": (128, 256)}.items():
        ucb[f"{level}.project.0.weight"] = torch.randn(cout, cin, 1, 1, generator=gen) * 0.1
        ucb[f"{level}.project.1.weight"] = torch.ones(cout)
        ucb[f"{level}.project.1.bias"] = torch.zeros(cout)
        ucb[f"{level}.project.1.running_mean"] = torch.zeros(cout)
        ucb[f"{level}.project.1.running_var"] = torch.ones(cout)
        ucb[f"{level}.project.1.num_batches_tracked"] = torch.tensor(0)
    torch.save(ucb, args.out / "dla34_ucbdrive_random.pth", _use_new_zipfile_serialization=False)

    x = torch.randn(1, 3, args.size, args.size, generator=gen)
    with torch.no_grad():
        feats = features(model, x)
    tensors = {"input": x.contiguous(), **feats}
    save_file(tensors, str(args.out / "dla34_features.safetensors"))
    for k, v in tensors.items():
        print(f"{k}: {tuple(v.shape)} mean {v.mean():.5f} std {v.std():.5f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
