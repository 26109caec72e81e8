#!/usr/bin/env python3
"""PyTorch reference of one HVISNet training step, for crates/hvisnet/tests/torch_step.rs.

Reads what `cargo run -p hvisnet --example export_step` wrote (default directory
crates/hvisnet/tests/data):
  step_weights.safetensors   every parameter and BatchNorm running statistic of a seeded narrow HVISNet, keyed
                             by our burn module path (metadata: the model config as JSON)
  step_inputs.safetensors    the batch (RGB 0-255), GT boxes/masks/identities, the 56x56 GT mask crops our
                             loss uses, and our sampler's targets (labels, matched, ltrb, centerness, ...)
and writes
  step_expected.safetensors  `loss.<name>` (float64) for cls, box, ctr, mask, sem, triplet, id_ce, total,
                             `grad.<path>` (float32) for every parameter that receives a gradient, and
                             `running.<path>` (float32): the BatchNorm running statistics after the step
                             (PyTorch's update), `bn_count.<norm path>`: values per channel each BatchNorm saw

The network and losses are written functionally from the burn crates (dla34, fcos, blendmask, idbranch,
hvisnet), with PyTorch's own ops where ours claim to match one: F.conv2d, F.batch_norm (train mode),
F.group_norm, F.max_pool2d, F.interpolate (nearest / bilinear, align_corners=False), torchvision.ops.roi_align
(aligned, sampling ratio 1), F.softmax / log_softmax / logsigmoid. The step runs in float64 by default (the
exported float32 values are exact in float64), so the reference carries no float32 rounding of its own;
`--dtype float32` runs it in float32 to show PyTorch's own float32 noise against the float64 values.

Usage: .venv-torch/bin/python tools/torch_parity/train_step_reference.py [--data DIR] [--out FILE]
       [--dtype float64|float32] [--no-write]
"""

import argparse
import json
import pathlib

import torch
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import save_file
from torchvision.ops import roi_align

LOSS_NAMES = ["cls", "box", "ctr", "mask", "sem", "triplet", "id_ce", "total"]


def load(path):
    with safe_open(str(path), framework="pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}, (f.metadata() or {})


class Twin:
    """The network of crates/hvisnet on a dict of parameters named by our module paths."""

    def __init__(self, weights, cfg, dtype):
        self.cfg = cfg
        self.p = {}  # parameters (leaf tensors with gradients)
        self.r = {}  # BatchNorm running statistics (buffers)
        self.counts = {}  # values per channel each batch norm saw (N * H * W)
        for k, v in weights.items():
            v = v.to(dtype).clone()
            if k.endswith("running_mean") or k.endswith("running_var"):
                self.r[k] = v
            else:
                self.p[k] = v.requires_grad_(True)

    # -- layers ------------------------------------------------------------------------------------

    def conv(self, x, name, stride=1):
        w = self.p[name + ".weight"]
        k = w.shape[-1]
        return F.conv2d(x, w, self.p.get(name + ".bias"), stride, k // 2)

    def batch_norm(self, x, name):
        # Train mode: batch statistics (biased variance) normalise; PyTorch updates the running variance
        # with the unbiased one (n / (n - 1) times the biased), n = N * H * W.
        self.counts[name] = x.numel() // x.shape[1]
        return F.batch_norm(x, self.r[name + ".running_mean"], self.r[name + ".running_var"],
                            self.p[name + ".gamma"], self.p[name + ".beta"], training=True, momentum=0.1, eps=1e-5)

    def dla_norm(self, x, name):
        kind = self.cfg["backbone"]["dla"]["norm"]
        if kind == "bn":
            return self.batch_norm(x, name)
        if kind == "frozen_bn":
            scale = self.p[name + ".gamma"].detach() / (self.r[name + ".running_var"] + 1e-5).sqrt()
            shift = self.p[name + ".beta"].detach() - self.r[name + ".running_mean"] * scale
            return x * scale[None, :, None, None] + shift[None, :, None, None]
        c = x.shape[1]
        return F.group_norm(x, 32 if c % 32 == 0 else c, self.p[name + ".gamma"], self.p[name + ".beta"], eps=1e-5)

    def head_norm(self, x, name, groups):
        """fcos::norm::Norm: a struct with optional `gn` / `bn` fields."""
        if name + ".gn.gamma" in self.p:
            return F.group_norm(x, groups, self.p[name + ".gn.gamma"], self.p[name + ".gn.beta"], eps=1e-5)
        if name + ".bn.gamma" in self.p:
            return self.batch_norm(x, name + ".bn")
        return x

    def conv_block(self, x, name, groups):
        """fcos::norm::ConvBlock: conv3x3 -> norm -> ReLU."""
        return F.relu(self.head_norm(self.conv(x, name + ".conv"), name + ".norm", groups))

    # -- DLA-34 + FPN (crates/dla34: dla.rs, tree.rs, block.rs, fpn.rs) -----------------------------

    def conv_norm(self, x, name, stride=1):
        return self.dla_norm(self.conv(x, name + ".conv", stride), name + ".norm")

    def basic_block(self, x, residual, name, stride):
        out = F.relu(self.dla_norm(self.conv(x, name + ".conv1", stride), name + ".norm1"))
        out = self.dla_norm(self.conv(out, name + ".conv2"), name + ".norm2")
        return F.relu(out + residual)

    def root(self, children, name):
        return F.relu(self.dla_norm(self.conv(torch.cat(children, 1), name + ".conv"), name + ".norm"))

    def tree1(self, x, children, name, stride, level_root):
        bottom = F.max_pool2d(x, stride, stride) if stride > 1 else x
        residual = self.conv_norm(bottom, name + ".project") if name + ".project.conv.weight" in self.p else bottom
        if level_root:
            children = children + [bottom]
        x1 = self.basic_block(x, residual, name + ".tree1", stride)
        x2 = self.basic_block(x1, x1, name + ".tree2", 1)
        return self.root([x2, x1, *children], name + ".root")

    def tree2(self, x, name, stride, level_root):
        # `<name>.project` exists (checkpoint layout) but is never used, as in the reference.
        children = [F.max_pool2d(x, stride, stride)] if level_root else []
        x1 = self.tree1(x, [], name + ".tree1", stride, False)
        return self.tree1(x1, children + [x1], name + ".tree2", 1, False)

    def backbone(self, x):
        b = "backbone.body."
        x = F.relu(self.conv_norm(x, b + "base_layer"))
        x = F.relu(self.conv_norm(x, b + "level0"))
        x = F.relu(self.conv_norm(x, b + "level1", 2))
        x = self.tree1(x, [], b + "level2", 2, False)
        c3 = self.tree2(x, b + "level3", 2, True)
        c4 = self.tree2(c3, b + "level4", 2, True)
        c5 = self.tree1(c4, [], b + "level5", 2, True)
        f = "backbone.fpn."
        prev5 = self.conv(c5, f + "lateral.2")
        prev4 = self.conv(c4, f + "lateral.1") + F.interpolate(prev5, size=c4.shape[-2:], mode="nearest")
        prev3 = self.conv(c3, f + "lateral.0") + F.interpolate(prev4, size=c3.shape[-2:], mode="nearest")
        return [self.conv(prev3, f + "output.0"), self.conv(prev4, f + "output.1"), self.conv(prev5, f + "output.2")]

    # -- heads (crates/fcos head.rs, crates/blendmask basis.rs / attention.rs, crates/idbranch head.rs) --

    def forward(self, images):
        cfg = self.cfg
        feats = self.backbone(images)
        g = cfg["fcos"]["gn_groups"]
        out = {"cls": [], "reg": [], "ctr": [], "attention": [], "embeddings": []}
        for f in feats:
            c, b = f, f
            for i in range(cfg["fcos"]["num_cls_convs"]):
                c = self.conv_block(c, f"fcos.cls_tower.{i}", g)
            for i in range(cfg["fcos"]["num_box_convs"]):
                b = self.conv_block(b, f"fcos.bbox_tower.{i}", g)
            out["cls"].append(self.conv(c, "fcos.cls_logits"))
            out["reg"].append(F.relu(self.conv(b, "fcos.bbox_pred")))
            out["ctr"].append(self.conv(b, "fcos.ctrness"))
            out["attention"].append(self.conv(b, "attention.conv"))
        # Basis module: refine, resize to P3 and sum, tower, x2 bilinear, tower_up, 1x1 to the bases.
        bg = cfg["blendmask"]["basis"]["gn_groups"]
        h, w = feats[0].shape[-2:]
        x = self.conv_block(feats[0], "basis.refine.0", bg)
        for i, f in enumerate(feats[1:], 1):
            x = x + F.interpolate(self.conv_block(f, f"basis.refine.{i}", bg), size=(h, w), mode="bilinear", align_corners=False)
        for i in range(cfg["blendmask"]["basis"]["num_convs"]):
            x = self.conv_block(x, f"basis.tower.{i}", bg)
        x = F.interpolate(x, size=(2 * h, 2 * w), mode="bilinear", align_corners=False)
        out["bases"] = self.conv(self.conv_block(x, "basis.tower_up", bg), "basis.bases_out")
        if "basis.seg_head.out.weight" in self.p:
            s = self.conv_block(self.conv_block(feats[0], "basis.seg_head.conv1", bg), "basis.seg_head.conv2", bg)
            out["sem"] = self.conv(s, "basis.seg_head.out")
        # ID head, shared across levels unless there is one per level; L2-normalised as ours (norm clamped at 1e-12).
        shared = "id_head.heads.1.conv1.weight" not in self.p
        for l, f in enumerate(feats):
            hd = "id_head.heads.0" if shared else f"id_head.heads.{l}"
            e = self.conv(F.relu(self.conv(f, hd + ".conv1")), hd + ".conv2")
            out["embeddings"].append(e / (e * e).sum(1, keepdim=True).sqrt().clamp_min(1e-12))
        return out


# -- losses (crates/fcos loss.rs, crates/blendmask loss.rs / blender.rs, crates/idbranch, crates/hvisnet loss.rs) --


def flatten(maps):
    """[N, C, H_l, W_l] per level -> [N * sum(H_l W_l), C] in FCOS order (image, level, row-major)."""
    n = maps[0].shape[0]
    flat = torch.cat([m.permute(0, 2, 3, 1).reshape(n, -1, m.shape[1]) for m in maps], 1)
    return flat.reshape(-1, flat.shape[-1])


def bce_with_logits(x, t):
    return -(F.logsigmoid(x) * t + F.logsigmoid(-x) * (1 - t))


def focal_loss(logits, targets, alpha, gamma):
    p = torch.sigmoid(logits)
    ce = bce_with_logits(logits, targets)
    one_minus_pt = p * (1 - targets) + (1 - p) * targets
    loss = ce * one_minus_pt ** gamma
    return loss * (alpha * targets + (1 - alpha) * (1 - targets)) if alpha >= 0 else loss


def giou_ltrb(pred, target):
    pl, pt, pr, pb = pred.unbind(1)
    tl, tt, tr, tb = target.unbind(1)
    pred_area = (pl + pr) * (pt + pb)
    target_area = (tl + tr) * (tt + tb)
    w_inter = torch.minimum(pl, tl) + torch.minimum(pr, tr)
    h_inter = torch.minimum(pb, tb) + torch.minimum(pt, tt)
    g_w = torch.maximum(pl, tl) + torch.maximum(pr, tr)
    g_h = torch.maximum(pb, tb) + torch.maximum(pt, tt)
    enclose = (g_w * g_h).clamp_min(1e-7)
    inter = w_inter * h_inter
    union = target_area + pred_area - inter
    return (inter + 1) / (union + 1) - (enclose - union) / enclose


def triplet_loss(emb, ids, margin):
    """Batch-hard triplet over labels >= 1 (idbranch triplet.rs), distances from the Gram matrix."""
    p = emb.shape[0]
    sq = (emb * emb).sum(1, keepdim=True)
    dist = (sq + sq.t() - 2 * emb @ emb.t()).clamp_min(1e-12).sqrt()
    valid = ids >= 1
    valid_pair = valid[:, None] & valid[None, :]
    eye = torch.eye(p, dtype=torch.bool)
    same = (ids[:, None] == ids[None, :]) & valid_pair & ~eye
    diff = (ids[:, None] != ids[None, :]) & valid_pair
    hardest_pos = dist.masked_fill(~same, -1.0).max(1).values
    hardest_neg = dist.masked_fill(~diff, 1e4).min(1).values
    anchor = same.any(1) & diff.any(1) & valid
    per = F.relu(hardest_pos - hardest_neg + margin).masked_fill(~anchor, 0.0)
    return per.sum() / anchor.sum().clamp_min(1)


def losses(twin, out, inputs, cfg):
    dtype = out["bases"].dtype
    labels = inputs["targets.labels"].long()  # [N, L], 0 background, 1 person
    n, per_image = labels.shape
    matched = inputs["targets.matched"].long()
    ltrb = inputs["targets.ltrb"].to(dtype)
    ctrness = inputs["targets.centerness"].to(dtype)
    emb_identity = inputs["targets.emb_identity"].long()
    gt_batch = inputs["gt.batch"].long()
    gt_offset = torch.cat([torch.zeros(1, dtype=torch.long), torch.bincount(gt_batch, minlength=n).cumsum(0)[:-1]])

    flat_labels = labels.reshape(-1)
    pos = torch.nonzero(flat_labels > 0).flatten()
    img_of = pos // per_image
    pos_gt = gt_offset[img_of] + matched.reshape(-1)[pos]
    reg_t = ltrb.reshape(-1, 4)[pos]
    ctr_t = ctrness.reshape(-1)[pos]
    assert len(pos) > 0
    num_pos_avg = max(float(len(pos)), 1.0)
    loss_denorm = ctr_t.sum().clamp_min(1e-6).detach()

    fc = cfg["fcos"]
    cls_logits = flatten(out["cls"])
    onehot = torch.zeros_like(cls_logits)
    onehot[flat_labels > 0, (flat_labels[flat_labels > 0] - 1)] = 1.0
    cls = focal_loss(cls_logits, onehot, fc["focal_alpha"], fc["focal_gamma"]).sum() / num_pos_avg
    reg = flatten(out["reg"])[pos]
    box = ((1 - giou_ltrb(reg, reg_t)) * ctr_t).sum() / loss_denorm
    ctr = bce_with_logits(flatten(out["ctr"])[pos, 0], ctr_t).sum() / num_pos_avg

    # BlendMask: RoIAlign every GT box once, pick per positive, blend with its attention; BCE against the crops.
    bm = cfg["blendmask"]
    k, m, r = bm["num_bases"], bm["attn_size"], bm["pooler_resolution"]
    boxes = torch.cat([gt_batch[:, None].to(dtype), inputs["gt.boxes"].to(dtype)], 1)
    pooled = roi_align(out["bases"], boxes, (r, r), spatial_scale=bm["pooler_scale"],
                       sampling_ratio=bm["pooler_sampling_ratio"], aligned=bm["pooler_aligned"])[pos_gt]
    attn = flatten(out["attention"])[pos].reshape(-1, k, m, m)
    attn = F.softmax(F.interpolate(attn, size=(r, r), mode="bilinear", align_corners=False), dim=1)
    mask_logits = (pooled * attn).sum(1)
    gt_masks = inputs["gt.crops"].to(dtype)[pos_gt]
    per = bce_with_logits(mask_logits, gt_masks).reshape(len(pos), -1).mean(1)
    mask = (per * ctr_t).sum() / loss_denorm * bm["instance_loss_weight"]

    # Auxiliary semantic loss: any person = class 1, nearest-sampled at the semantic logits' stride.
    logits = out["sem"]
    sh, sw = logits.shape[-2:]
    masks = inputs["gt.masks"].to(dtype)
    union = torch.zeros(n, masks.shape[1], masks.shape[2], dtype=dtype)
    for g in range(masks.shape[0]):
        union[gt_batch[g]] = torch.maximum(union[gt_batch[g]], masks[g])
    sem_t = F.interpolate(union[:, None], size=(sh, sw), mode="nearest")[:, 0].long()
    onehot_sem = F.one_hot(sem_t, logits.shape[1]).permute(0, 3, 1, 2).to(dtype)
    sem = -(F.log_softmax(logits, 1) * onehot_sem).sum() / max(n * sh * sw, 1) * bm["basis"]["loss_weight"]

    # ID losses over every embedding positive of the batch.
    idc = cfg["id"]
    emb_pos = torch.nonzero(emb_identity.reshape(-1) >= 1).flatten()
    ids = emb_identity.reshape(-1)[emb_pos]
    emb = flatten(out["embeddings"])[emb_pos]
    triplet = triplet_loss(emb, ids, idc["triplet_margin"])
    ni = idc["num_identities"]
    if idc["emb_scale"] is not None:
        scale = idc["emb_scale"]
    else:  # FairMOT's sqrt(2) ln(num_identities - 1), computed in float32 as ours
        f32 = lambda v: torch.tensor(v, dtype=torch.float32)
        scale = float(f32(2.0).sqrt() * f32(float(ni - 1)).log()) if ni > 2 else 1.0
    id_logits = (emb * scale) @ twin.p["id_classifier.linear.weight"] + twin.p["id_classifier.linear.bias"]
    onehot_id = F.one_hot(ids, ni + 1).to(dtype)
    id_ce = -(F.log_softmax(id_logits, 1) * onehot_id).sum(1).mean()
    id_total = (triplet * idc["triplet_weight"] + id_ce * idc["ce_weight"]) * idc["weight"]

    total = cls + box + ctr + mask + sem + id_total
    named = dict(zip(LOSS_NAMES, [cls, box, ctr, mask, sem, triplet, id_ce, total]))
    stats = {"positives": len(pos), "embedding_positives": len(emb_pos), "gt": int(masks.shape[0])}
    return named, stats


def step(data, dtype):
    weights, wmeta = load(data / "step_weights.safetensors")
    inputs, imeta = load(data / "step_inputs.safetensors")
    cfg = json.loads(wmeta["config"])
    assert json.loads(imeta["config"]) == cfg, "weights and inputs were exported with different configs"
    twin = Twin(weights, cfg, dtype)
    mean = torch.tensor(cfg["pixel_mean"], dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(cfg["pixel_std"], dtype=torch.float32).view(1, 3, 1, 1)
    images = ((inputs["pixels"].float() - mean) / std).to(dtype)  # normalised in float32, as ours
    out = twin.forward(images)
    named, stats = losses(twin, out, inputs, cfg)
    named["total"].backward()
    grads = {k: v.grad for k, v in twin.p.items() if v.grad is not None}
    unused = sorted(k for k, v in twin.p.items() if v.grad is None)
    return named, grads, (twin.r, twin.counts), unused, stats, inputs, cfg


def check_crops(inputs, cfg):
    """Our GT crops against torchvision roi_align(masks, box, aligned, adaptive sampling) >= 0.5 in float32 (detectron2's
    BitMasks.crop_and_resize): prints the number of differing pixels. (In float64 some samples land exactly on 0.5,
    which float32 rounds either way.)"""
    masks = inputs["gt.masks"].float()[:, None]
    boxes = torch.cat([torch.arange(len(masks), dtype=torch.float32)[:, None], inputs["gt.boxes"].float()], 1)
    r = cfg["blendmask"]["pooler_resolution"]
    crops = (roi_align(masks, boxes, (r, r), spatial_scale=1.0, sampling_ratio=0, aligned=True) >= 0.5)[:, 0]
    diff = (crops != (inputs["gt.crops"] > 0)).sum().item()
    print(f"GT crops vs torchvision roi_align: {diff} of {crops.numel()} pixels differ")
    return diff


def main():
    repo = pathlib.Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=pathlib.Path, default=repo / "crates/hvisnet/tests/data")
    ap.add_argument("--out", type=pathlib.Path, default=None, help="default: DATA/step_expected.safetensors")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--no-write", action="store_true", help="compute and print only")
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    dtype = getattr(torch, args.dtype)
    named, grads, running, unused, stats, inputs, cfg = step(args.data, dtype)
    check_crops(inputs, cfg)
    print(f"torch {torch.__version__}, {args.dtype}: {stats}")
    for k, v in named.items():
        print(f"  loss {k:8} {v.item():.10f}")
    print(f"{len(grads)} parameters with a gradient; without one: {unused}")

    # The same step in the other precision: PyTorch's own float32 rounding against float64.
    other = torch.float32 if dtype == torch.float64 else torch.float64
    named_o, grads_o, _, _, _, _, _ = step(args.data, other)
    worst_loss = max(abs(named[k].item() - named_o[k].item()) / max(abs(named_o[k].item()), 1e-30) for k in named)
    worst = max(((grads[k] - grads_o[k]).abs().max() / grads_o[k].abs().max().clamp_min(1e-30)).item() for k in grads)
    print(f"float32 vs float64 PyTorch: worst loss rel. {worst_loss:.2e}, worst gradient rel. {worst:.2e}")

    if args.no_write:
        return
    tensors = {f"loss.{k}": v.detach().reshape(1).double() for k, v in named.items()}
    tensors.update({f"grad.{k}": v.float().contiguous() for k, v in grads.items()})
    running, counts = running
    tensors.update({f"running.{k}": v.float().contiguous() for k, v in running.items()})
    tensors.update({f"bn_count.{k}": torch.tensor([v], dtype=torch.int64) for k, v in counts.items()})
    out = args.out or args.data / "step_expected.safetensors"
    meta = {"torch": torch.__version__, "dtype": args.dtype, "stats": json.dumps(stats)}
    save_file(tensors, str(out), metadata=meta)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
