//! The model config: every sub-config with the paper's values as defaults.

use dla34::{Dla34Config, DlaFpnConfig};
use serde::{Deserialize, Serialize};

use crate::error::HvisnetError;

/// `[model]` of an experiment file. `Default` is HVISNet's BlendMask-DLA34 (model-spec §1–3, §5.6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// DLA-34 (`dla.channels`, `dla.norm`) and FPN width (`fpn_channels`).
    pub backbone: DlaFpnConfig,
    /// FCOS head, targets' size ranges, losses and post-processing thresholds.
    pub fcos: fcos::FcosConfig,
    /// BlendMask bases, attention, blender, mask loss, paste threshold.
    pub blendmask: blendmask::BlendMaskConfig,
    /// ID branch: embedding head, triplet and cross-entropy.
    pub id: idbranch::IdBranchConfig,
    /// Per-channel mean subtracted from RGB 0–255 input (ImageNet, as the DLA weights expect).
    pub pixel_mean: [f32; 3],
    /// Per-channel divisor after the mean (ImageNet std × 255).
    pub pixel_std: [f32; 3],
    /// Inputs are zero-padded (after normalisation) to multiples of this (32 = DLA's total stride).
    pub size_divisibility: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            backbone: DlaFpnConfig::default(),
            fcos: fcos::FcosConfig::default(),
            blendmask: blendmask::BlendMaskConfig::default(),
            id: idbranch::IdBranchConfig::default(),
            pixel_mean: [123.675, 116.28, 103.53],
            pixel_std: [58.395, 57.12, 57.375],
            size_divisibility: 32,
        }
    }
}

impl ModelConfig {
    /// A narrow variant for tests and quick experiments: DLA widths `[4, 8, 16, 24, 32, 48]`,
    /// `width`-channel FPN and towers (GroupNorm with 4 groups), 2 convs per tower.
    pub fn narrow(width: usize) -> Self {
        let mut c = Self::default();
        c.backbone = DlaFpnConfig {
            dla: Dla34Config { channels: [4, 8, 16, 24, 32, 48], ..Default::default() },
            fpn_channels: width,
        };
        c.fcos.in_channels = width;
        c.fcos.gn_groups = 4;
        c.fcos.num_cls_convs = 2;
        c.fcos.num_box_convs = 2;
        c.blendmask.top_in_channels = width;
        c.blendmask.basis.in_channels = width;
        c.blendmask.basis.convs_dim = width;
        c.blendmask.basis.gn_groups = 4;
        c.blendmask.basis.num_convs = 1;
        c.id.in_channels = width;
        c.id.hidden_channels = width;
        c.id.dim = 16;
        c
    }

    /// Checks that the pieces fit together (widths, three FPN levels) and each sub-config.
    pub fn validate(&self) -> Result<(), HvisnetError> {
        let fpn = self.backbone.fpn_channels;
        let err = |key, reason: String| Err(HvisnetError::Config { key, reason });
        if self.fcos.in_channels != fpn {
            return err("fcos.in_channels", format!("must equal backbone.fpn_channels = {fpn}"));
        }
        if self.blendmask.top_in_channels != self.fcos.in_channels {
            return err("blendmask.top_in_channels", format!("must equal fcos.in_channels = {}", self.fcos.in_channels));
        }
        if self.blendmask.basis.in_channels != fpn {
            return err("blendmask.basis.in_channels", format!("must equal backbone.fpn_channels = {fpn}"));
        }
        if self.id.in_channels != fpn {
            return err("id.in_channels", format!("must equal backbone.fpn_channels = {fpn}"));
        }
        if self.fcos.fpn_strides != [8, 16, 32] {
            return err("fcos.fpn_strides", format!("the backbone gives P3-P5, i.e. [8, 16, 32], not {:?}", self.fcos.fpn_strides));
        }
        if self.size_divisibility == 0 || self.size_divisibility % 32 != 0 {
            return err("size_divisibility", format!("must be a positive multiple of 32, not {}", self.size_divisibility));
        }
        if self.pixel_std.iter().any(|s| !(*s > 0.0)) {
            return err("pixel_std", "must be positive".into());
        }
        if self.backbone.dla.channels.contains(&0) || fpn == 0 {
            return err("backbone", "channel counts must be positive".into());
        }
        self.fcos.validate()?;
        self.blendmask.validate()?;
        self.id.validate()?;
        Ok(())
    }

    /// The sampler's level settings implied by the FCOS strides and sizes of interest.
    pub fn levels(&self) -> sampler::LevelConfig {
        let s = &self.fcos.sizes_of_interest;
        let mut ranges = Vec::with_capacity(s.len() + 1);
        let mut lo = -1.0;
        for &hi in s {
            ranges.push([lo, hi]);
            lo = hi;
        }
        ranges.push([lo, sampler::SIZE_INF]);
        sampler::LevelConfig { strides: self.fcos.fpn_strides.iter().map(|&s| s as u32).collect(), size_ranges: ranges }
    }
}
