//! Serde configuration of the FCOS head; `Default` gives the values of HVISNet's BlendMask-DLA34 config
//! (model-spec §2.1).

use serde::{Deserialize, Serialize};

use crate::error::FcosError;

/// Normalisation after each 3×3 tower conv.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NormKind {
    /// GroupNorm with `gn_groups` groups (the FCOS default, `NORM: GN`).
    Gn,
    /// BatchNorm (train-mode statistics on an autodiff device). The FCOS head rejects it: AdelaiDet keeps
    /// one BN per FPN level there, which this crate does not implement; the basis module accepts it.
    Bn,
    /// No normalisation; the conv then carries a bias.
    None,
}

/// FCOS head, target and inference settings. Embedded in the `hvisnet` model config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FcosConfig {
    /// Input (FPN) channels; also the tower width. 256 in the paper.
    pub in_channels: usize,
    /// Number of foreground classes (1: person).
    pub num_classes: usize,
    /// 3×3 convs in the classification tower.
    pub num_cls_convs: usize,
    /// 3×3 convs in the box tower (which also feeds centerness and BlendMask's attention layer).
    pub num_box_convs: usize,
    /// Tower normalisation.
    pub norm: NormKind,
    /// Groups of the GroupNorm when `norm = "gn"`.
    pub gn_groups: usize,
    /// Prior foreground probability used for the class-logit bias: b = −ln((1 − p)/p).
    pub prior_prob: f64,
    /// Standard deviation of the normal init of every tower and output conv (bias 0).
    pub init_std: f64,
    /// Strides of the input levels (P3, P4, P5).
    pub fpn_strides: Vec<usize>,
    /// Boundaries of the object-size ranges between consecutive levels (max(l,t,r,b) in pixels).
    pub sizes_of_interest: Vec<f32>,
    /// Centre sampling on (used by the target builder).
    pub center_sample: bool,
    /// Centre-sampling radius in strides.
    pub pos_radius: f32,
    /// Focal loss α.
    pub focal_alpha: f32,
    /// Focal loss γ.
    pub focal_gamma: f32,
    /// Inference threshold on σ(cls)·σ(ctr) (or σ(cls) when `thresh_with_ctr` is false).
    pub score_thresh: f32,
    /// Apply the threshold to the product with centerness (`THRESH_WITH_CTR`).
    pub thresh_with_ctr: bool,
    /// Candidates kept per level before NMS.
    pub pre_nms_topk: usize,
    /// IoU above which class-aware NMS suppresses a box.
    pub nms_thresh: f32,
    /// Detections kept per image after NMS.
    pub max_detections: usize,
}

impl Default for FcosConfig {
    fn default() -> Self {
        Self {
            in_channels: 256,
            num_classes: 1,
            num_cls_convs: 4,
            num_box_convs: 4,
            norm: NormKind::Gn,
            gn_groups: 32,
            prior_prob: 0.01,
            init_std: 0.01,
            fpn_strides: vec![8, 16, 32],
            sizes_of_interest: vec![64.0, 128.0],
            center_sample: true,
            pos_radius: 1.5,
            focal_alpha: 0.25,
            focal_gamma: 2.0,
            score_thresh: 0.05,
            thresh_with_ctr: true,
            pre_nms_topk: 1000,
            nms_thresh: 0.6,
            max_detections: 100,
        }
    }
}

impl FcosConfig {
    /// Checks ranges and consistency; called by [`crate::FcosHead::new`].
    pub fn validate(&self) -> Result<(), FcosError> {
        let err = |key, reason: &str| Err(FcosError::Config { key, reason: reason.to_string() });
        if self.in_channels == 0 {
            return err("in_channels", "must be > 0");
        }
        if self.num_classes == 0 {
            return err("num_classes", "must be >= 1");
        }
        match self.norm {
            NormKind::Gn if self.gn_groups == 0 || !self.in_channels.is_multiple_of(self.gn_groups) => {
                return err("gn_groups", "must be > 0 and divide in_channels");
            }
            NormKind::Bn => return err("norm", "the FCOS head supports \"gn\" or \"none\""),
            _ => {}
        }
        if !(self.prior_prob > 0.0 && self.prior_prob < 1.0) {
            return err("prior_prob", "must be in (0, 1)");
        }
        if self.init_std.is_nan() || self.init_std < 0.0 {
            return err("init_std", "must be >= 0");
        }
        if self.fpn_strides.is_empty() || self.fpn_strides.contains(&0) {
            return err("fpn_strides", "must be non-empty and positive");
        }
        if self.sizes_of_interest.len() + 1 != self.fpn_strides.len() {
            return err("sizes_of_interest", "needs one boundary fewer than fpn_strides");
        }
        if self.sizes_of_interest.windows(2).any(|w| w[0] >= w[1]) {
            return err("sizes_of_interest", "must increase");
        }
        if !(self.focal_alpha >= 0.0 && self.focal_alpha <= 1.0) {
            return err("focal_alpha", "must be in [0, 1]");
        }
        if self.focal_gamma.is_nan() || self.focal_gamma < 0.0 {
            return err("focal_gamma", "must be >= 0");
        }
        if !(0.0..=1.0).contains(&self.nms_thresh) {
            return err("nms_thresh", "must be in [0, 1]");
        }
        if !self.score_thresh.is_finite() {
            return err("score_thresh", "must be finite");
        }
        Ok(())
    }

    /// Object-size range [lo, hi] (inclusive) of each level: [−1, 64], [64, 128], [128, 1e8] by default.
    pub fn size_ranges(&self) -> Vec<[f32; 2]> {
        let mut lo = -1.0;
        let mut out = Vec::with_capacity(self.fpn_strides.len());
        for &b in &self.sizes_of_interest {
            out.push([lo, b]);
            lo = b;
        }
        out.push([lo, 1e8]);
        out
    }

    /// The class-logit bias from `prior_prob` (≈ −4.595 for 0.01).
    pub fn prior_bias(&self) -> f64 {
        -((1.0 - self.prior_prob) / self.prior_prob).ln()
    }
}
