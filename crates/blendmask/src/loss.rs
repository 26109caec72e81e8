//! Mask-branch losses: the centerness-weighted per-positive mask BCE and the auxiliary semantic CE.

use burn::tensor::activation::log_softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use crate::error::BlendMaskError;
use fcos::bce_with_logits;

/// BlendMask mask loss: Σ_p mean_{R²} BCE(logits_p, gt_p) · ctr_p / loss_denorm.
///
/// - `mask_logits`: `[P, R, R]` from [`crate::Blender::forward`] (one per FCOS positive);
/// - `gt_masks`: `[P, R, R]` 0/1 GT masks cropped to each positive's GT box and resized to R×R
///   (see [`crate::crop_and_resize_mask`]; crop each GT once into `[G, R, R]` and `select` rows by
///   the positives' GT index, as the blender does with `roi_index`);
/// - `ctr_targets`: `[P]` centerness targets of the positives;
/// - `loss_denorm`: `[1]` FCOS's max(Σ ctr targets, 1e−6) (`fcos::FcosLosses::loss_denorm`).
///
/// With P = 0 use [`zero_loss`] instead (it keeps the graph connected).
pub fn mask_loss<B: Backend>(
    mask_logits: Tensor<B, 3>,
    gt_masks: Tensor<B, 3>,
    ctr_targets: Tensor<B, 1>,
    loss_denorm: Tensor<B, 1>,
) -> Result<Tensor<B, 1>, BlendMaskError> {
    let [p, r, rw] = mask_logits.dims();
    if gt_masks.dims() != [p, r, rw] || ctr_targets.dims() != [p] || loss_denorm.dims() != [1] {
        return Err(BlendMaskError::Shape {
            what: "mask_loss inputs",
            expected: format!("gt [{p}, {r}, {rw}], ctr [{p}], denorm [1]"),
            got: [gt_masks.dims().to_vec(), ctr_targets.dims().to_vec(), loss_denorm.dims().to_vec()].concat(),
        });
    }
    if p == 0 {
        return Err(BlendMaskError::Shape { what: "mask_logits", expected: "P > 0 (use zero_loss)".into(), got: vec![0] });
    }
    let per = bce_with_logits(mask_logits, gt_masks).reshape([p, r * rw]).mean_dim(1).reshape([p]);
    Ok((per * ctr_targets).sum().div(loss_denorm))
}

/// A zero loss that depends on every given tensor (AdelaiDet returns `0 · Σ` of attention and bases
/// when there are no positives, so every parameter still receives a (zero) gradient).
pub fn zero_loss<B: Backend, const D: usize>(tensors: &[Tensor<B, D>]) -> Option<Tensor<B, 1>> {
    tensors.iter().map(|t| t.clone().sum().mul_scalar(0.0)).reduce(|a, b| a + b)
}

/// Auxiliary semantic loss: mean cross-entropy of `logits` `[N, C+1, h, w]` against `targets`
/// `[N, h, w]` (0 = background, 1..=C = class; the thing-semantic map downsampled ×1/8 with nearest),
/// multiplied by `weight` (0.3).
pub fn semantic_loss<B: Backend>(
    logits: Tensor<B, 4>,
    targets: Tensor<B, 3, Int>,
    weight: f32,
) -> Result<Tensor<B, 1>, BlendMaskError> {
    let [n, c, h, w] = logits.dims();
    if targets.dims() != [n, h, w] {
        return Err(BlendMaskError::Shape { what: "semantic targets", expected: format!("[{n}, {h}, {w}]"), got: targets.dims().to_vec() });
    }
    let device = logits.device();
    let logp = log_softmax(logits, 1);
    let classes = Tensor::<B, 1, Int>::arange(0..c as i64, &device).reshape([1, c, 1, 1]).expand([n, c, h, w]);
    let onehot = targets.reshape([n, 1, h, w]).expand([n, c, h, w]).equal(classes).float();
    Ok((logp * onehot).sum().neg().div_scalar((n * h * w).max(1) as f32).mul_scalar(weight))
}
