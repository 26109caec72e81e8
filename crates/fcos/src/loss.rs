//! The three FCOS losses (AdelaiDet `fcos_losses`, `IOULoss("giou")`), single process: sigmoid focal
//! loss over all locations normalised by the number of positives, GIoU loss over positives weighted by
//! the centerness target and normalised by its sum, centerness BCE normalised by the number of positives.

use burn::tensor::activation::{log_sigmoid, sigmoid};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use crate::config::FcosConfig;
use crate::error::FcosError;
use crate::head::FlatHeadOutput;

/// Already-tensorised FCOS targets for a batch, in the flattening order of the crate doc.
/// M = N·L locations, P = number of positives.
#[derive(Debug, Clone)]
pub struct FcosTargets<B: Backend> {
    /// `[M]` class per location: `0..num_classes` for foreground, `num_classes` for background.
    pub labels: Tensor<B, 1, Int>,
    /// `[P]` indices (into M) of the positive locations, in the order of the two tensors below.
    pub pos_inds: Tensor<B, 1, Int>,
    /// `[P, 4]` ltrb regression targets of the positives, divided by their level stride.
    pub reg_targets: Tensor<B, 2>,
    /// `[P]` centerness targets √(min(l,r)/max(l,r) · min(t,b)/max(t,b)) of the positives.
    pub ctr_targets: Tensor<B, 1>,
}

/// Loss normalisers. Single-process training computes them from the targets; data-parallel training
/// passes the values averaged over workers (AdelaiDet reduces both across GPUs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossNormalizers {
    /// max(mean #positives, 1).
    pub num_pos_avg: f32,
    /// max(mean Σ centerness targets, 1e−6): the GIoU normaliser, reused by BlendMask's mask loss.
    pub loss_denorm: f32,
}

/// The FCOS losses (each a 1-element tensor) and the normalisers used.
#[derive(Debug, Clone)]
pub struct FcosLosses<B: Backend> {
    /// Focal classification loss.
    pub cls: Tensor<B, 1>,
    /// Centerness-weighted GIoU loss.
    pub loc: Tensor<B, 1>,
    /// Centerness BCE loss.
    pub ctr: Tensor<B, 1>,
    /// max(#positives, 1) as used.
    pub num_pos_avg: f32,
    /// `[1]` the GIoU normaliser max(Σ ctr targets, 1e−6) (no gradient); pass it to BlendMask's mask loss.
    pub loss_denorm: Tensor<B, 1>,
}

impl<B: Backend> FcosLosses<B> {
    /// cls + loc + ctr.
    pub fn total(&self) -> Tensor<B, 1> {
        self.cls.clone() + self.loc.clone() + self.ctr.clone()
    }
}

/// Element-wise binary cross-entropy with logits, −[t·log σ(x) + (1 − t)·log σ(−x)], numerically stable.
pub fn bce_with_logits<B: Backend, const D: usize>(logits: Tensor<B, D>, targets: Tensor<B, D>) -> Tensor<B, D> {
    let pos = log_sigmoid(logits.clone()) * targets.clone();
    let neg = log_sigmoid(logits.neg()) * targets.neg().add_scalar(1.0);
    (pos + neg).neg()
}

/// Element-wise sigmoid focal loss (Lin et al.; torchvision `sigmoid_focal_loss`, reduction none).
pub fn sigmoid_focal_loss<B: Backend, const D: usize>(
    logits: Tensor<B, D>,
    targets: Tensor<B, D>,
    alpha: f32,
    gamma: f32,
) -> Tensor<B, D> {
    let p = sigmoid(logits.clone());
    let ce = bce_with_logits(logits, targets.clone());
    // 1 − p_t = p(1 − t) + (1 − p)t
    let one_minus_pt = p.clone() * targets.clone().neg().add_scalar(1.0) + p.neg().add_scalar(1.0) * targets.clone();
    let modulating = if gamma == 2.0 { one_minus_pt.clone() * one_minus_pt } else { one_minus_pt.powf_scalar(gamma) };
    let loss = ce * modulating;
    if alpha >= 0.0 {
        // α_t = α·t + (1 − α)(1 − t)
        let alpha_t = targets.clone().mul_scalar(alpha) + targets.neg().add_scalar(1.0).mul_scalar(1.0 - alpha);
        loss * alpha_t
    } else {
        loss
    }
}

/// Per-pair GIoU between ltrb predictions and targets at the same location (`[P, 4]` each, same units),
/// with AdelaiDet's +1 smoothing of the IoU: (inter + 1)/(union + 1) − (enclose − union)/enclose.
pub fn giou_ltrb<B: Backend>(pred: Tensor<B, 2>, target: Tensor<B, 2>) -> Tensor<B, 1> {
    let [p, _] = pred.dims();
    let col = |t: &Tensor<B, 2>, i: usize| t.clone().slice([0..p, i..i + 1]).reshape([p]);
    let (pl, pt, pr, pb) = (col(&pred, 0), col(&pred, 1), col(&pred, 2), col(&pred, 3));
    let (tl, tt, tr, tb) = (col(&target, 0), col(&target, 1), col(&target, 2), col(&target, 3));
    let pred_area = (pl.clone() + pr.clone()) * (pt.clone() + pb.clone());
    let target_area = (tl.clone() + tr.clone()) * (tt.clone() + tb.clone());
    let w_inter = pl.clone().min_pair(tl.clone()) + pr.clone().min_pair(tr.clone());
    let h_inter = pb.clone().min_pair(tb.clone()) + pt.clone().min_pair(tt.clone());
    let g_w = pl.max_pair(tl) + pr.max_pair(tr);
    let g_h = pb.max_pair(tb) + pt.max_pair(tt);
    let enclose = (g_w * g_h).clamp_min(1e-7);
    let inter = w_inter * h_inter;
    let union = target_area + pred_area - inter.clone();
    let iou = (inter + 1.0).div(union.clone() + 1.0);
    iou - (enclose.clone() - union).div(enclose)
}

/// Computes the FCOS losses for a batch. `outputs` come from [`crate::FcosHeadOutput::flatten`];
/// `normalizers = None` derives them from `targets` (single process).
pub fn fcos_losses<B: Backend>(
    outputs: &FlatHeadOutput<B>,
    targets: &FcosTargets<B>,
    config: &FcosConfig,
    normalizers: Option<LossNormalizers>,
) -> Result<FcosLosses<B>, FcosError> {
    let [m, c] = outputs.cls_logits.dims();
    let check = |what: &'static str, got: Vec<usize>, want: Vec<usize>| {
        if got != want {
            Err(FcosError::Shape { what, expected: format!("{want:?}"), got })
        } else {
            Ok(())
        }
    };
    check("bbox_reg", outputs.bbox_reg.dims().to_vec(), vec![m, 4])?;
    check("ctrness", outputs.ctrness.dims().to_vec(), vec![m])?;
    check("labels", targets.labels.dims().to_vec(), vec![m])?;
    let p = targets.pos_inds.dims()[0];
    check("reg_targets", targets.reg_targets.dims().to_vec(), vec![p, 4])?;
    check("ctr_targets", targets.ctr_targets.dims().to_vec(), vec![p])?;
    if c != config.num_classes {
        return Err(FcosError::Shape { what: "cls_logits", expected: format!("[M, {}]", config.num_classes), got: vec![m, c] });
    }
    let device = outputs.cls_logits.device();

    let num_pos_avg = normalizers.map_or((p as f32).max(1.0), |n| n.num_pos_avg);
    let loss_denorm = match normalizers {
        Some(n) => Tensor::<B, 1>::from_floats([n.loss_denorm], &device),
        None => targets.ctr_targets.clone().sum().clamp_min(1e-6),
    }
    .detach();

    // One-hot class targets; background (label = num_classes) is the all-zero row.
    let classes = Tensor::<B, 1, Int>::arange(0..c as i64, &device).reshape([1, c]).expand([m, c]);
    let onehot = targets.labels.clone().reshape([m, 1]).expand([m, c]).equal(classes).float();
    let cls = sigmoid_focal_loss(outputs.cls_logits.clone(), onehot, config.focal_alpha, config.focal_gamma)
        .sum()
        .div_scalar(num_pos_avg);

    let (loc, ctr) = if p == 0 {
        // Keep the graph connected with zero-valued losses.
        (outputs.bbox_reg.clone().sum().mul_scalar(0.0), outputs.ctrness.clone().sum().mul_scalar(0.0))
    } else {
        let reg = outputs.bbox_reg.clone().select(0, targets.pos_inds.clone());
        let ctr_logits = outputs.ctrness.clone().select(0, targets.pos_inds.clone());
        let giou = giou_ltrb(reg, targets.reg_targets.clone());
        let loc = (giou.neg().add_scalar(1.0) * targets.ctr_targets.clone()).sum().div(loss_denorm.clone());
        let ctr = bce_with_logits(ctr_logits, targets.ctr_targets.clone()).sum().div_scalar(num_pos_avg);
        (loc, ctr)
    };
    Ok(FcosLosses { cls, loc, ctr, num_pos_avg, loss_denorm })
}
