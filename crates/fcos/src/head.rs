//! The FCOS head: a classification tower and a box tower shared across FPN levels, with class-logit,
//! ltrb and centerness output convs (AdelaiDet `FCOSHead`, no per-level `Scale`: `USE_SCALE False`).

use burn::module::{Initializer, Module};
use burn::nn::conv::Conv2d;
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use dla34::conv_forward;

use crate::config::FcosConfig;
use crate::error::FcosError;
use crate::norm::{conv2d, set_bias, ConvBlock};

/// FCOS head. Parameters for 1 class at 256 channels: 4,738,566.
#[derive(Module, Debug)]
pub struct FcosHead<B: Backend> {
    /// Classification tower (conv3×3 + GN + ReLU, each conv with bias).
    pub cls_tower: Vec<ConvBlock<B>>,
    /// Box tower; its output also feeds centerness, BlendMask's attention layer.
    pub bbox_tower: Vec<ConvBlock<B>>,
    /// 3×3 conv to `num_classes` logits, bias = −ln((1 − π)/π).
    pub cls_logits: Conv2d<B>,
    /// 3×3 conv to the 4 ltrb distances (ReLU applied in `forward`).
    pub bbox_pred: Conv2d<B>,
    /// 3×3 conv to the centerness logit, on the box tower.
    pub ctrness: Conv2d<B>,
}

/// Per-level raw outputs of [`FcosHead::forward`]; each `Vec` has one entry per input level.
#[derive(Debug, Clone)]
pub struct FcosHeadOutput<B: Backend> {
    /// Class logits `[N, num_classes, H, W]`.
    pub cls_logits: Vec<Tensor<B, 4>>,
    /// ltrb distances in units of the level stride, ≥ 0 (ReLU), `[N, 4, H, W]`.
    pub bbox_reg: Vec<Tensor<B, 4>>,
    /// Centerness logits `[N, 1, H, W]`.
    pub ctrness: Vec<Tensor<B, 4>>,
    /// Box-tower features `[N, C, H, W]` (input of BlendMask's attention layer).
    pub bbox_towers: Vec<Tensor<B, 4>>,
}

/// Head outputs flattened over images and locations in FCOS order (see the crate doc).
#[derive(Debug, Clone)]
pub struct FlatHeadOutput<B: Backend> {
    /// `[N·L, num_classes]` class logits.
    pub cls_logits: Tensor<B, 2>,
    /// `[N·L, 4]` ltrb in stride units.
    pub bbox_reg: Tensor<B, 2>,
    /// `[N·L]` centerness logits.
    pub ctrness: Tensor<B, 1>,
}

impl<B: Backend> FcosHead<B> {
    /// Builds the head from a validated config: N(0, init_std) weights, zero biases, prior-prob class bias.
    pub fn new(config: &FcosConfig, device: &B::Device) -> Result<Self, FcosError> {
        config.validate()?;
        let c = config.in_channels;
        let init = Initializer::Normal { mean: 0.0, std: config.init_std };
        let tower = |n: usize| {
            (0..n)
                .map(|_| ConvBlock::new(c, c, config.norm, config.gn_groups, Some(true), init.clone(), device))
                .collect::<Vec<_>>()
        };
        let cls_tower = tower(config.num_cls_convs);
        let bbox_tower = tower(config.num_box_convs);
        let mut cls_logits = conv2d(c, config.num_classes, 3, true, init.clone(), device);
        set_bias(&mut cls_logits, config.prior_bias(), device);
        let bbox_pred = conv2d(c, 4, 3, true, init.clone(), device);
        let ctrness = conv2d(c, 1, 3, true, init, device);
        Ok(Self { cls_tower, bbox_tower, cls_logits, bbox_pred, ctrness })
    }

    /// Runs the head on every FPN level (P3, P4, P5, … in order).
    pub fn forward(&self, features: &[Tensor<B, 4>]) -> FcosHeadOutput<B> {
        let mut out = FcosHeadOutput {
            cls_logits: Vec::with_capacity(features.len()),
            bbox_reg: Vec::with_capacity(features.len()),
            ctrness: Vec::with_capacity(features.len()),
            bbox_towers: Vec::with_capacity(features.len()),
        };
        for f in features {
            let cls = self.cls_tower.iter().fold(f.clone(), |x, b| b.forward(x));
            let bbox = self.bbox_tower.iter().fold(f.clone(), |x, b| b.forward(x));
            out.cls_logits.push(conv_forward(&self.cls_logits, cls));
            out.bbox_reg.push(relu(conv_forward(&self.bbox_pred, bbox.clone())));
            out.ctrness.push(conv_forward(&self.ctrness, bbox.clone()));
            out.bbox_towers.push(bbox);
        }
        out
    }
}

impl<B: Backend> FcosHeadOutput<B> {
    /// Flattens the three prediction maps into FCOS order (image-major, then level, then row-major).
    pub fn flatten(&self) -> FlatHeadOutput<B> {
        let cls = flatten_levels(&self.cls_logits);
        let [n, l, c] = cls.dims();
        FlatHeadOutput {
            cls_logits: cls.reshape([n * l, c]),
            bbox_reg: flatten_levels(&self.bbox_reg).reshape([n * l, 4]),
            ctrness: flatten_levels(&self.ctrness).reshape([n * l]),
        }
    }
}

/// Per-location rows `[N·L, C]` of per-level maps `[N, C, H_i, W_i]` in FCOS order; `select(0, pos_inds)`
/// on the result gathers attentions or embeddings at the positives.
pub fn flatten_rows<B: Backend>(maps: &[Tensor<B, 4>]) -> Tensor<B, 2> {
    let flat = flatten_levels(maps);
    let [n, l, c] = flat.dims();
    flat.reshape([n * l, c])
}

/// Turns per-level maps `[N, C, H_i, W_i]` into `[N, Σ H_i·W_i, C]` (levels in order, row-major inside).
/// Used for class/box/centerness outputs, BlendMask attention maps and ID embeddings alike.
pub fn flatten_levels<B: Backend>(maps: &[Tensor<B, 4>]) -> Tensor<B, 3> {
    let parts: Vec<Tensor<B, 3>> = maps
        .iter()
        .map(|m| {
            let [n, c, h, w] = m.dims();
            m.clone().permute([0, 2, 3, 1]).reshape([n, h * w, c])
        })
        .collect();
    Tensor::cat(parts, 1)
}
