"""How fast can any small CNN learn the synthetic people from random initialisation? A yardstick for the quickstart.

Trains a plain U-Net (PyTorch, BatchNorm, Adam 0.002, batches of 4, horizontal flips) on one task only: person
foreground versus background, the easiest part of what HVISNet's mask branch must learn (no instances, no boxes,
no identities). Frames and masks come from a synthetic set written by `trainer data synth`, resized to a square
`--size`; every `--every` iterations it prints the foreground IoU on the validation split (argmax over
{background, person}) and the cross-entropy at stride 8 (targets sampled as the trainer's semantic loss does), so the
numbers compare with our `loss_sem` and with the masks' quality. docs/quickstart.md has the measured curves.

    .venv-torch/bin/pip install pycocotools pillow    # besides torch (README.md of this folder)
    cargo run --release -p trainer -- data synth --out /tmp/synth_big --videos 200 --seed 7 --val-fraction 0.01
    .venv-torch/bin/python tools/torch_parity/foreground_unet.py --train /tmp/synth_big --val datasets/synth

Time per iteration is printed too (2 threads unless --threads).
"""

import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from pycocotools import mask as mask_utils

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def load_split(root, split, size):
    """Frames (normalised, [N, 3, S, S]) and the union of their person masks ([N, S, S], 0/1)."""
    coco = json.load(open(f"{root}/instances_{split}.json"))
    by_image = {}
    for a in coco["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    xs, ys = [], []
    for im in coco["images"]:
        rgb = Image.open(f"{root}/{split}/JPEGImages/{im['file_name']}").convert("RGB")
        rgb = rgb.resize((size, size), Image.BILINEAR)
        fg = np.zeros((im["height"], im["width"]), np.uint8)
        for a in by_image.get(im["id"], []):
            rle = dict(a["segmentation"])
            if isinstance(rle["counts"], str):
                rle["counts"] = rle["counts"].encode()
            fg |= mask_utils.decode(rle)
        fg = np.array(Image.fromarray(fg * 255).resize((size, size), Image.BILINEAR)) > 127
        xs.append((np.asarray(rgb, np.float32) / 255 - MEAN) / STD)
        ys.append(fg)
    x = torch.tensor(np.stack(xs)).permute(0, 3, 1, 2).contiguous()
    return x, torch.tensor(np.stack(ys)).long()


def conv_bn_relu(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    """Encoder of `len(widths)` levels (stride 1, 2, 4, ...; two 3×3 convs each), bilinear decoder with skips."""

    def __init__(self, widths):
        super().__init__()
        self.enc = nn.ModuleList(
            nn.Sequential(conv_bn_relu(3 if i == 0 else widths[i - 1], w, 1 if i == 0 else 2), conv_bn_relu(w, w))
            for i, w in enumerate(widths)
        )
        self.dec = nn.ModuleList(conv_bn_relu(widths[i] + widths[i + 1], widths[i]) for i in range(len(widths) - 1))
        self.out = nn.Conv2d(widths[0], 2, 1)

    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
        for i in reversed(range(len(skips) - 1)):
            x = F.interpolate(x, size=skips[i].shape[-2:], mode="bilinear", align_corners=False)
            x = self.dec[i](torch.cat([x, skips[i]], 1))
        return self.out(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", required=True, help="synthetic set whose train split is trained on")
    ap.add_argument("--val", required=True, help="synthetic set whose val split is measured")
    ap.add_argument("--size", type=int, default=128, help="square input side (the quickstart trains at 128)")
    ap.add_argument("--iters", type=int, default=2048)
    ap.add_argument("--every", type=int, default=256)
    ap.add_argument("--widths", default="16,32,64,128")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xt, yt = load_split(a.train, "train", a.size)
    xv, yv = load_split(a.val, "val", a.size)
    print(f"train {len(xt)} frames (foreground {yt.float().mean():.3f}), val {len(xv)} frames, {a.size}x{a.size}")
    model = UNet([int(w) for w in a.widths.split(",")])
    print(f"U-Net {a.widths}: {sum(p.numel() for p in model.parameters())} parameters")
    opt = torch.optim.Adam(model.parameters(), 2e-3)
    g = torch.Generator().manual_seed(a.seed)
    t0 = time.time()
    for it in range(1, a.iters + 1):
        idx = torch.randint(0, len(xt), (4,), generator=g)
        x, y = xt[idx], yt[idx]
        if torch.rand(1, generator=g).item() < 0.5:
            x, y = x.flip(-1), y.flip(-1)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if it % a.every == 0:
            train_s = time.time() - t0
            model.eval()
            with torch.no_grad():
                logits = torch.cat([model(xv[i : i + 16]) for i in range(0, len(xv), 16)])
            model.train()
            pred = logits.argmax(1)
            iou = ((pred == 1) & (yv == 1)).sum().item() / max(((pred == 1) | (yv == 1)).sum().item(), 1)
            ce8 = F.cross_entropy(logits[:, :, ::8, ::8], yv[:, ::8, ::8]).item()
            print(f"iteration {it}: val foreground IoU {iou:.3f}, val CE at stride 8 {ce8:.3f}, "
                  f"{train_s / it * 1000:.0f} ms/iteration", flush=True)
            t0 = time.time() - train_s


if __name__ == "__main__":
    main()
