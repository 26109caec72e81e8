//! Serde configuration of the mask branch; `Default` = AdelaiDet BlendMask defaults as used by HVISNet's
//! DLA-34 config (model-spec §3).

use serde::{Deserialize, Serialize};

use crate::error::BlendMaskError;
use fcos::NormKind;

/// Basis ("bottom") module settings (`MODEL.BASIS_MODULE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasisConfig {
    /// Input (FPN) channels.
    pub in_channels: usize,
    /// Width of the refine and tower convs (`CONVS_DIM`).
    pub convs_dim: usize,
    /// 3×3 tower convs before the ×2 upsample (`NUM_CONVS`).
    pub num_convs: usize,
    /// Norm after each conv ("bn" stands for the reference's SyncBN).
    pub norm: NormKind,
    /// Groups when `norm = "gn"`.
    pub gn_groups: usize,
    /// Auxiliary semantic-segmentation head and loss on (`LOSS_ON`).
    pub loss_on: bool,
    /// Weight of the semantic loss (`LOSS_WEIGHT`).
    pub loss_weight: f32,
    /// Foreground classes of the semantic head (it predicts `num_classes + 1`, 0 = background).
    pub num_classes: usize,
}

impl Default for BasisConfig {
    fn default() -> Self {
        Self {
            in_channels: 256,
            convs_dim: 128,
            num_convs: 3,
            norm: NormKind::Bn,
            gn_groups: 32,
            loss_on: true,
            loss_weight: 0.3,
            num_classes: 1,
        }
    }
}

/// BlendMask settings. Embedded in the `hvisnet` model config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlendMaskConfig {
    /// Number of bases K (`NUM_BASES`).
    pub num_bases: usize,
    /// Attention resolution M (`ATTN_SIZE`); the attention layer has K·M·M outputs.
    pub attn_size: usize,
    /// Channels of the box-tower features the attention layer reads.
    pub top_in_channels: usize,
    /// Std of the attention conv's normal init.
    pub top_init_std: f64,
    /// Blended mask resolution R (`BOTTOM_RESOLUTION`).
    pub pooler_resolution: usize,
    /// RoIAlign scale from input pixels to the bases (1/4: bases are at stride 4).
    pub pooler_scale: f32,
    /// RoIAlign samples per bin side; ≤ 0 means adaptive ⌈roi/R⌉ (torchvision convention).
    pub pooler_sampling_ratio: i32,
    /// ROIAlignV2 (half-pixel offset) instead of the legacy ROIAlign.
    pub pooler_aligned: bool,
    /// Weight of the mask loss (`INSTANCE_LOSS_WEIGHT`).
    pub instance_loss_weight: f32,
    /// Threshold on σ(mask logits) when pasting masks.
    pub mask_threshold: f32,
    /// Basis module.
    pub basis: BasisConfig,
}

impl Default for BlendMaskConfig {
    fn default() -> Self {
        Self {
            num_bases: 4,
            attn_size: 14,
            top_in_channels: 256,
            top_init_std: 0.01,
            pooler_resolution: 56,
            pooler_scale: 0.25,
            pooler_sampling_ratio: 1,
            pooler_aligned: true,
            instance_loss_weight: 1.0,
            mask_threshold: 0.5,
            basis: BasisConfig::default(),
        }
    }
}

impl BlendMaskConfig {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), BlendMaskError> {
        let err = |key, reason: &str| Err(BlendMaskError::Config { key, reason: reason.to_string() });
        if self.num_bases == 0 {
            return err("num_bases", "must be >= 1");
        }
        if self.attn_size == 0 || self.pooler_resolution == 0 {
            return err("attn_size", "attn_size and pooler_resolution must be >= 1");
        }
        if self.top_in_channels == 0 {
            return err("top_in_channels", "must be > 0");
        }
        if !(self.pooler_scale > 0.0 && self.pooler_scale.is_finite()) {
            return err("pooler_scale", "must be positive");
        }
        let b = &self.basis;
        if b.in_channels == 0 || b.convs_dim == 0 {
            return err("basis.convs_dim", "in_channels and convs_dim must be > 0");
        }
        if b.norm == NormKind::Gn && (b.gn_groups == 0 || !b.convs_dim.is_multiple_of(b.gn_groups)) {
            return err("basis.gn_groups", "must be > 0 and divide convs_dim");
        }
        if b.loss_on && b.num_classes == 0 {
            return err("basis.num_classes", "must be >= 1 when loss_on");
        }
        Ok(())
    }

    /// Channels of the attention layer output, K·M·M (784 by default).
    pub fn attn_channels(&self) -> usize {
        self.num_bases * self.attn_size * self.attn_size
    }
}
