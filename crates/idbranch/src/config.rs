//! Serde configuration of the ID branch. The paper gives the embedding size (256) and the loss form
//! (triplet + identity CE, 0 = background); the rest follows FairMOT (model-spec §5.6) and is ours.

use serde::{Deserialize, Serialize};

use crate::error::IdBranchError;

/// ID-branch settings. Embedded in the `hvisnet` model config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdBranchConfig {
    /// Input (FPN) channels.
    pub in_channels: usize,
    /// Channels of the 3×3 conv.
    pub hidden_channels: usize,
    /// Embedding dimension (256 in the paper; FairMOT uses 128).
    pub dim: usize,
    /// One head shared by all FPN levels (true) or one head per level (false).
    pub share_across_levels: bool,
    /// Number of FPN levels (used when `share_across_levels` is false).
    pub num_levels: usize,
    /// Training identities; the classifier has `num_identities + 1` outputs (0 = background).
    /// 0 disables the CE term.
    pub num_identities: usize,
    /// Triplet margin α (FairMOT's `TripletLoss` default 0.3).
    pub triplet_margin: f32,
    /// Weight of the triplet term inside L_id.
    pub triplet_weight: f32,
    /// Weight of the CE term inside L_id.
    pub ce_weight: f32,
    /// Weight of L_id against the detection and mask losses.
    pub weight: f32,
    /// Scale applied to the normalised embedding before the classifier; `None` = FairMOT's
    /// √2 · ln(num_identities − 1) (1 when there are fewer than 3 identities).
    pub emb_scale: Option<f32>,
}

impl Default for IdBranchConfig {
    fn default() -> Self {
        Self {
            in_channels: 256,
            hidden_channels: 256,
            dim: 256,
            share_across_levels: true,
            num_levels: 3,
            num_identities: 0,
            triplet_margin: 0.3,
            triplet_weight: 1.0,
            ce_weight: 1.0,
            weight: 1.0,
            emb_scale: None,
        }
    }
}

impl IdBranchConfig {
    /// Checks ranges.
    pub fn validate(&self) -> Result<(), IdBranchError> {
        let err = |key, reason: &str| Err(IdBranchError::Config { key, reason: reason.to_string() });
        if self.in_channels == 0 || self.hidden_channels == 0 || self.dim == 0 {
            return err("dim", "in_channels, hidden_channels and dim must be > 0");
        }
        if !self.share_across_levels && self.num_levels == 0 {
            return err("num_levels", "must be >= 1 for per-level heads");
        }
        for (key, v) in [("triplet_margin", self.triplet_margin), ("triplet_weight", self.triplet_weight), ("ce_weight", self.ce_weight), ("weight", self.weight)] {
            if !(v >= 0.0 && v.is_finite()) {
                return err(key, "must be finite and >= 0");
            }
        }
        if let Some(s) = self.emb_scale
            && !(s > 0.0 && s.is_finite())
        {
            return err("emb_scale", "must be positive");
        }
        Ok(())
    }

    /// The classifier's input scale (see `emb_scale`).
    pub fn effective_emb_scale(&self) -> f32 {
        self.emb_scale.unwrap_or_else(|| {
            if self.num_identities > 2 { 2f32.sqrt() * ((self.num_identities - 1) as f32).ln() } else { 1.0 }
        })
    }
}
