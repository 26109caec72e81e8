#!/usr/bin/env python3
"""PyTorch twin of `trainer bench`: the same HVISNet network, input and training step, timed on CPU.

The network is written here from the burn crates (dla34, fcos, blendmask, idbranch, hvisnet) as
`configs/hvisnet.toml` resolves them (`trainer bench` builds it with 2 training identities):

  DLA-34 (BN, levels [1,1,1,2,2,1], channels [16,32,64,128,256,512], incl. the two never-used
  level3/4 projections) -> FPN P3-P5 (256 ch, bias, no norm) -> FCOS head (4+4 tower convs with
  GroupNorm(32), cls/ltrb/centerness) + BlendMask attention conv (256 -> 4*14*14) on the box tower,
  basis module (3 refine + 3 tower + 1 upsampled conv, 128 ch, BN; 1x1 to 4 bases at stride 4, no
  semantic head), ID head (3x3 256 -> 256, ReLU, 1x1 -> 256, L2-normalised), ID classifier
  Linear(256 -> 3).  Parameter count 25,950,413, the number `trainer bench` prints.

Input: the synthetic frame of `trainer bench` (two ellipse persons, identities 1 and 2), batch 1.
Forward: every head in eval mode under `torch.inference_mode()` (no post-processing).
Training step: train mode forward, FCOS focal/GIoU/centerness losses on centre-sampled targets
(radius 1.5 strides around the mask centroid, which for an ellipse is also its inner centre;
ambiguous locations dropped), BlendMask mask BCE over every positive (GT boxes RoIAligned from the
bases with torchvision `roi_align`, aligned=True, sampling_ratio=1, 56x56; GT masks cropped the same
way), batch-hard triplet + identity cross-entropy on the positives' embeddings; backward; SGD step
(momentum 0.9, lr 1e-4).  Median of --runs after --warmup, `torch.set_num_threads(--threads)`.

Usage: .venv-torch/bin/python tools/torch_bench/bench.py --size 256 [--runs 5] [--warmup 2] [--json]
       .venv-torch/bin/python tools/torch_bench/bench.py --conv [--size 512]   # one 3x3 conv 256->256
"""

import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import roi_align

# ---------------------------------------------------------------------------------------------
# DLA-34


def conv_bn(cin, cout, k, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x, residual):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + residual)


class Root(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, children):
        return F.relu(self.bn(self.conv(torch.cat(children, 1))))


class TreeOne(nn.Module):
    """Tree with levels = 1: two blocks and a root over [x2, x1, *children]."""

    def __init__(self, cin, cout, stride, level_root, root_dim=0):
        super().__init__()
        root_dim = root_dim or 2 * cout
        if level_root:
            root_dim += cin
        self.tree1 = BasicBlock(cin, cout, stride)
        self.tree2 = BasicBlock(cout, cout, 1)
        self.root = Root(root_dim, cout)
        self.project = conv_bn(cin, cout, 1) if cin != cout else None
        self.stride = stride
        self.level_root = level_root

    def forward(self, x, children=None):
        children = [] if children is None else children
        bottom = F.max_pool2d(x, self.stride, self.stride) if self.stride > 1 else x
        residual = self.project(bottom) if self.project is not None else bottom
        if self.level_root:
            children.append(bottom)
        x1 = self.tree1(x, residual)
        x2 = self.tree2(x1, x1)
        return self.root([x2, x1, *children])


class TreeTwo(nn.Module):
    """Tree with levels = 2; `project` exists (checkpoint layout) but is never used."""

    def __init__(self, cin, cout, stride, level_root):
        super().__init__()
        root_dim = 2 * cout + (cin if level_root else 0)
        self.tree1 = TreeOne(cin, cout, stride, False)
        self.tree2 = TreeOne(cout, cout, 1, False, root_dim + cout)
        self.project = conv_bn(cin, cout, 1) if cin != cout else None
        self.stride = stride
        self.level_root = level_root

    def forward(self, x):
        children = [F.max_pool2d(x, self.stride, self.stride)] if self.level_root else []
        x1 = self.tree1(x)
        children.append(x1)
        return self.tree2(x1, children)


class Dla34(nn.Module):
    def __init__(self, c=(16, 32, 64, 128, 256, 512)):
        super().__init__()
        self.base_layer = conv_bn(3, c[0], 7)
        self.level0 = conv_bn(c[0], c[0], 3)
        self.level1 = conv_bn(c[0], c[1], 3, 2)
        self.level2 = TreeOne(c[1], c[2], 2, False)
        self.level3 = TreeTwo(c[2], c[3], 2, True)
        self.level4 = TreeTwo(c[3], c[4], 2, True)
        self.level5 = TreeOne(c[4], c[5], 2, True)

    def forward(self, x):
        x = F.relu(self.base_layer(x))
        x = F.relu(self.level0(x))
        x = F.relu(self.level1(x))
        x = self.level2(x)
        l3 = self.level3(x)
        l4 = self.level4(l3)
        l5 = self.level5(l4)
        return l3, l4, l5


class Fpn(nn.Module):
    def __init__(self, cins=(128, 256, 512), cout=256):
        super().__init__()
        self.lateral = nn.ModuleList(nn.Conv2d(c, cout, 1) for c in cins)
        self.output = nn.ModuleList(nn.Conv2d(cout, cout, 3, 1, 1) for _ in cins)

    def forward(self, c3, c4, c5):
        p5 = self.lateral[2](c5)
        p4 = self.lateral[1](c4) + F.interpolate(p5, size=c4.shape[-2:], mode="nearest")
        p3 = self.lateral[0](c3) + F.interpolate(p4, size=c3.shape[-2:], mode="nearest")
        return [self.output[0](p3), self.output[1](p4), self.output[2](p5)]


# ---------------------------------------------------------------------------------------------
# Heads


def tower(n, c=256, groups=32):
    layers = []
    for _ in range(n):
        layers += [nn.Conv2d(c, c, 3, 1, 1), nn.GroupNorm(groups, c), nn.ReLU()]
    return nn.Sequential(*layers)


class FcosHead(nn.Module):
    def __init__(self, c=256, num_convs=4, num_classes=1, prior_prob=0.01):
        super().__init__()
        self.cls_tower = tower(num_convs, c)
        self.bbox_tower = tower(num_convs, c)
        self.cls_logits = nn.Conv2d(c, num_classes, 3, 1, 1)
        self.bbox_pred = nn.Conv2d(c, 4, 3, 1, 1)
        self.ctrness = nn.Conv2d(c, 1, 3, 1, 1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.normal_(m.weight, std=0.01)
                nn.init.zeros_(m.bias)
        nn.init.constant_(self.cls_logits.bias, -math.log((1 - prior_prob) / prior_prob))

    def forward(self, feats):
        cls, reg, ctr, towers = [], [], [], []
        for f in feats:
            c = self.cls_tower(f)
            b = self.bbox_tower(f)
            cls.append(self.cls_logits(c))
            reg.append(F.relu(self.bbox_pred(b)))
            ctr.append(self.ctrness(b))
            towers.append(b)
        return cls, reg, ctr, towers


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Basis(nn.Module):
    def __init__(self, cin=256, dim=128, num_convs=3, k=4):
        super().__init__()
        self.refine = nn.ModuleList(conv_block(cin, dim) for _ in range(3))
        self.tower = nn.Sequential(*[conv_block(dim, dim) for _ in range(num_convs)])
        self.tower_up = conv_block(dim, dim)
        self.bases_out = nn.Conv2d(dim, k, 1)

    def forward(self, feats):
        h, w = feats[0].shape[-2:]
        x = self.refine[0](feats[0])
        for block, f in zip(self.refine[1:], feats[1:]):
            x = x + F.interpolate(block(f), size=(h, w), mode="bilinear", align_corners=False)
        x = F.interpolate(self.tower(x), size=(2 * h, 2 * w), mode="bilinear", align_corners=False)
        return self.bases_out(self.tower_up(x))


class IdHead(nn.Module):
    def __init__(self, cin=256, hidden=256, dim=256):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, hidden, 3, 1, 1)
        self.conv2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, feats):
        return [F.normalize(self.conv2(F.relu(self.conv1(f))), dim=1, eps=1e-12) for f in feats]


class Hvisnet(nn.Module):
    def __init__(self, num_identities=2, k=4, attn=14):
        super().__init__()
        self.body = Dla34()
        self.fpn = Fpn()
        self.fcos = FcosHead()
        self.top_layer = nn.Conv2d(256, k * attn * attn, 3, 1, 1)
        nn.init.normal_(self.top_layer.weight, std=0.01)
        nn.init.zeros_(self.top_layer.bias)
        self.basis = Basis(k=k)
        self.id_head = IdHead()
        self.id_classifier = nn.Linear(256, num_identities + 1)

    def forward(self, images):
        feats = self.fpn(*self.body(images))
        cls, reg, ctr, towers = self.fcos(feats)
        attention = [self.top_layer(t) for t in towers]
        return {
            "cls": cls,
            "reg": reg,
            "ctr": ctr,
            "attention": attention,
            "bases": self.basis(feats),
            "embeddings": self.id_head(feats),
        }


# ---------------------------------------------------------------------------------------------
# Input and targets (same synthetic frame as `trainer bench`)

STRIDES = (8, 16, 32)
RANGES = ((-1.0, 64.0), (64.0, 128.0), (128.0, 1e8))
MEAN = (123.675, 116.28, 103.53)
STD = (58.395, 57.12, 57.375)


def synthetic_frame(size):
    """Two ellipse persons (boxes, 0/1 masks, identities 1 and 2) and the RGB 0-255 image."""
    s = float(size)
    yy, xx = torch.meshgrid(torch.arange(size, dtype=torch.float32), torch.arange(size, dtype=torch.float32), indexing="ij")
    persons = []
    for identity, (cx, cy, rx, ry) in enumerate([(0.3 * s, 0.5 * s, 0.1 * s, 0.3 * s), (0.65 * s, 0.45 * s, 0.15 * s, 0.35 * s)], 1):
        dx, dy = (xx + 0.5 - cx) / rx, (yy + 0.5 - cy) / ry
        mask = (dx * dx + dy * dy <= 1.0).float()
        persons.append({"bbox": [cx - rx, cy - ry, cx + rx, cy + ry], "mask": mask, "identity": identity})
    image = torch.empty(3, size, size)
    background = 100.0 + xx * 100.0 / s
    for c in range(3):
        plane = background.clone()
        for k in reversed(range(len(persons))):  # the first person wins where masks overlap
            plane = torch.where(persons[k]["mask"] > 0, torch.tensor([200.0, 60.0][k] + c * 20.0), plane)
        image[c] = plane
    return persons, image


def fcos_targets(persons, size, radius=1.5):
    """Centre-sampled FCOS targets in FCOS order (levels P3-P5, row-major): positives, their GT,
    ltrb / stride and centerness. Ambiguous locations (claimed by >1 person) are dropped."""
    pos, gt_of, ltrb, ctr = [], [], [], []
    offset = 0
    for stride, (lo, hi) in zip(STRIDES, RANGES):
        n = size // stride
        ys, xs = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
        xs = (xs * stride + stride // 2).flatten().float()
        ys = (ys * stride + stride // 2).flatten().float()
        claims, best, best_area = torch.zeros(n * n, dtype=torch.long), torch.full((n * n,), -1), torch.full((n * n,), 1e18)
        for k, p in enumerate(persons):
            x0, y0, x1, y1 = p["bbox"]
            m = p["mask"]
            total = m.sum()
            cx = float((m.sum(0) * torch.arange(size)).sum() / total)
            cy = float((m.sum(1) * torch.arange(size)).sum() / total)
            r = radius * stride
            sx0, sy0, sx1, sy1 = max(cx - r, x0), max(cy - r, y0), min(cx + r, x1), min(cy + r, y1)
            inside = (xs - sx0 > 0) & (ys - sy0 > 0) & (sx1 - xs > 0) & (sy1 - ys > 0)
            d = torch.stack([xs - x0, ys - y0, x1 - xs, y1 - ys], 1)
            ok = inside & (d.max(1).values >= lo) & (d.max(1).values <= hi)
            claims += ok.long()
            area = (x1 - x0) * (y1 - y0)
            take = ok & (area < best_area)
            best = torch.where(take, torch.tensor(k), best)
            best_area = torch.where(take, torch.tensor(area), best_area)
        for j in torch.nonzero((claims == 1)).flatten().tolist():
            k = int(best[j])
            x0, y0, x1, y1 = persons[k]["bbox"]
            l, t, r_, b = float(xs[j]) - x0, float(ys[j]) - y0, x1 - float(xs[j]), y1 - float(ys[j])
            pos.append(offset + j)
            gt_of.append(k)
            ltrb.append([l / stride, t / stride, r_ / stride, b / stride])
            ctr.append(math.sqrt(min(l, r_) / max(l, r_) * min(t, b) / max(t, b)))
        offset += n * n
    return {
        "pos": torch.tensor(pos, dtype=torch.long),
        "gt": torch.tensor(gt_of, dtype=torch.long),
        "ltrb": torch.tensor(ltrb, dtype=torch.float32).reshape(-1, 4),
        "ctr": torch.tensor(ctr, dtype=torch.float32),
        "locations": offset,
    }


# ---------------------------------------------------------------------------------------------
# Losses


def flatten(maps):
    """[N, C, H_i, W_i] per level -> [N * sum(H_i W_i), C] in FCOS order."""
    n = maps[0].shape[0]
    flat = torch.cat([m.permute(0, 2, 3, 1).reshape(n, -1, m.shape[1]) for m in maps], 1)
    return flat.reshape(-1, flat.shape[-1])


def focal_loss(logits, targets, alpha=0.25, gamma=2.0):
    p = torch.sigmoid(logits)
    ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    return (ce * (1 - p_t) ** gamma * (alpha * targets + (1 - alpha) * (1 - targets))).sum()


def giou_ltrb(pred, target):
    pl, pt, pr, pb = pred.unbind(1)
    tl, tt, tr, tb = target.unbind(1)
    pred_area = (pl + pr) * (pt + pb)
    target_area = (tl + tr) * (tt + tb)
    inter = (torch.min(pl, tl) + torch.min(pr, tr)) * (torch.min(pb, tb) + torch.min(pt, tt))
    enclose = ((torch.max(pl, tl) + torch.max(pr, tr)) * (torch.max(pb, tb) + torch.max(pt, tt))).clamp_min(1e-7)
    union = target_area + pred_area - inter
    return (inter + 1) / (union + 1) - (enclose - union) / enclose


def triplet_loss(emb, ids, margin=0.3):
    dist = torch.cdist(emb, emb).clamp_min(1e-6)
    same = ids[:, None] == ids[None, :]
    eye = torch.eye(len(ids), dtype=torch.bool)
    pos_mask, neg_mask = same & ~eye, ~same
    hardest_pos = dist.masked_fill(~pos_mask, -1.0).max(1).values
    hardest_neg = dist.masked_fill(~neg_mask, 1e4).min(1).values
    anchor = pos_mask.any(1) & neg_mask.any(1)
    per = F.relu(hardest_pos - hardest_neg + margin) * anchor
    return per.sum() / anchor.sum().clamp_min(1)


def losses(model, out, persons, targets, size, k=4, attn=14, res=56):
    pos, gt_of, ctr_t = targets["pos"], targets["gt"], targets["ctr"]
    num_pos = max(len(pos), 1)
    cls = flatten(out["cls"])
    onehot = torch.zeros_like(cls)
    onehot[pos, 0] = 1.0
    loss_cls = focal_loss(cls, onehot) / num_pos
    denorm = ctr_t.sum().clamp_min(1e-6)
    reg = flatten(out["reg"])[pos]
    loss_box = ((1 - giou_ltrb(reg, targets["ltrb"])) * ctr_t).sum() / denorm
    ctr = flatten(out["ctr"])[pos, 0]
    loss_ctr = F.binary_cross_entropy_with_logits(ctr, ctr_t, reduction="sum") / num_pos

    # BlendMask: RoIAlign the bases in each GT box once, pick per positive, blend with its attention.
    boxes = torch.tensor([[0.0, *p["bbox"]] for p in persons])
    pooled = roi_align(out["bases"], boxes, (res, res), spatial_scale=0.25, sampling_ratio=1, aligned=True)[gt_of]
    att = flatten(out["attention"])[pos].reshape(-1, k, attn, attn)
    att = F.softmax(F.interpolate(att, size=(res, res), mode="bilinear", align_corners=False), dim=1)
    mask_logits = (pooled * att).sum(1)
    masks = torch.stack([p["mask"] for p in persons])[:, None]
    boxes_px = torch.tensor([[float(i), *p["bbox"]] for i, p in enumerate(persons)])
    gt_masks = (roi_align(masks, boxes_px, (res, res), spatial_scale=1.0, sampling_ratio=0, aligned=True) >= 0.5).float()
    gt_masks = gt_masks[:, 0][gt_of]
    per = F.binary_cross_entropy_with_logits(mask_logits, gt_masks, reduction="none").mean((1, 2))
    loss_mask = (per * ctr_t).sum() / denorm

    # ID branch: batch-hard triplet + identity cross-entropy on the positives' embeddings.
    ids = torch.tensor([persons[g]["identity"] for g in gt_of.tolist()])
    emb = flatten(out["embeddings"])[pos]
    loss_tri = triplet_loss(emb, ids)
    loss_ce = F.cross_entropy(model.id_classifier(emb), ids)
    return loss_cls + loss_box + loss_ctr + loss_mask + loss_tri + loss_ce


# ---------------------------------------------------------------------------------------------
# Timing


def timed(fn, warmup, runs):
    times = []
    for i in range(warmup + runs):
        t = time.perf_counter()
        fn()
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times), times


def bench_conv(size, warmup, runs):
    """One 3x3 conv 256 -> 256 (bias) on a 1x256x(size/8)^2 map: forward, and forward + backward."""
    side = size // 8
    conv = nn.Conv2d(256, 256, 3, 1, 1)
    x = torch.randn(1, 256, side, side)
    with torch.inference_mode():
        fwd, _ = timed(lambda: conv(x), warmup, runs)
    xg = x.clone().requires_grad_(True)

    def step():
        conv.zero_grad(set_to_none=True)
        conv(xg).sum().backward()

    fb, _ = timed(step, warmup, runs)
    report = {"conv3x3_256_map": side, "conv_forward_ms": fwd, "conv_forward_backward_ms": fb}
    for name, module in [("groupnorm32", nn.GroupNorm(32, 256)), ("batchnorm_train", nn.BatchNorm2d(256)), ("relu", nn.ReLU())]:
        f, _ = timed(lambda: module(xg), warmup, runs)
        fb, _ = timed(lambda: module(xg).sum().backward(), warmup, runs)
        report[f"{name}_forward_ms"] = f
        report[f"{name}_backward_ms"] = fb - f
    return report


def bench_modules(model, images, warmup, runs):
    """Forward and backward (of the sum of its outputs) of each module alone, train mode, inputs detached."""
    model.train()
    with torch.no_grad():
        levels = [t.detach().requires_grad_(True) for t in model.body(images)]
        feats = [t.detach().requires_grad_(True) for t in model.fpn(*levels)]

    def fcos_top():
        cls, reg, ctr, towers = model.fcos(feats)
        return sum(t.sum() for t in [*cls, *reg, *ctr, *[model.top_layer(t) for t in towers]])

    parts = {
        "dla34 body": lambda: sum(t.sum() for t in model.body(images)),
        "fpn": lambda: sum(t.sum() for t in model.fpn(*levels)),
        "fcos head + attention conv": fcos_top,
        "basis module": lambda: model.basis(feats).sum(),
        "id head": lambda: sum(t.sum() for t in model.id_head(feats)),
    }
    report = {}
    for name, run in parts.items():
        fw, bw = [], []
        for i in range(warmup + runs):
            t = time.perf_counter()
            loss = run()
            tf = time.perf_counter()
            loss.backward()
            tb = time.perf_counter()
            model.zero_grad(set_to_none=True)
            if i >= warmup:
                fw.append((tf - t) * 1e3)
                bw.append((tb - tf) * 1e3)
        report[name] = {"forward_ms": statistics.median(fw), "backward_ms": statistics.median(bw)}
    return report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=512, help="square input side (rounded up to a multiple of 32)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--conv", action="store_true", help="time one 3x3 conv 256->256 at size/8 instead")
    ap.add_argument("--modules", action="store_true", help="time forward and backward of each module alone instead")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    size = -(-max(args.size, 32) // 32) * 32

    if args.conv:
        report = {"size": size, "threads": args.threads, "torch": torch.__version__, **bench_conv(size, args.warmup, args.runs)}
        print(json.dumps(report) if args.json else "\n".join(f"{k:24} {v}" for k, v in report.items()))
        return

    model = Hvisnet()
    params = sum(p.numel() for p in model.parameters())
    persons, image = synthetic_frame(size)
    mean, std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(3, 1, 1)
    images = ((image - mean) / std)[None]
    targets = fcos_targets(persons, size)
    if args.modules:
        report = bench_modules(model, images, args.warmup, args.runs)
        if args.json:
            print(json.dumps(report))
        for name, r in report.items():
            print(f"  {name:40} {r['forward_ms']:9.1f} ms / {r['backward_ms']:9.1f} ms")
        return

    model.eval()
    with torch.inference_mode():
        fwd_ms, fwd_runs = timed(lambda: model(images)["bases"].sum().item(), args.warmup, args.runs)

    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = losses(model, model(images), persons, targets, size)
        loss.backward()
        opt.step()
        return loss

    train_ms, train_runs = timed(train_step, args.warmup, args.runs)
    report = {
        "params": params,
        "forward_ms": fwd_ms,
        "train_step_ms": train_ms,
        "size": size,
        "batch": 1,
        "positives": len(targets["pos"]),
        "locations": targets["locations"],
        "threads": torch.get_num_threads(),
        "runs": args.runs,
        "warmup": args.warmup,
        "forward_runs_ms": fwd_runs,
        "train_step_runs_ms": train_runs,
        "torch": torch.__version__,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(f"torch       {torch.__version__} ({torch.get_num_threads()} threads)")
        print(f"input       1x3x{size}x{size}, {len(targets['pos'])} positives")
        print(f"parameters  {params}")
        print(f"forward     {fwd_ms:.1f} ms (median of {args.runs}, after {args.warmup} warm-up)")
        print(f"train step  {train_ms:.1f} ms (forward + losses + backward + SGD step)")


if __name__ == "__main__":
    main()
