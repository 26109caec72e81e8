//! Sampling configuration: the `[model.sampling]` table of an experiment config, and the FPN levels.

use serde::{Deserialize, Serialize};

use crate::SamplerError;

/// Which point of a person the 1.5-stride centre-sampling box is put around.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CenterStrategy {
    /// Box centre (FCOS).
    Bbox,
    /// Mask centroid m10/m00, m01/m00 (CondInst, AdelaiDet `get_sample_region`).
    Centroid,
    /// Inner centre (HVISNet's Inner Center Sampling), see [`crate::inner_centre`].
    Inner,
    /// No centre sampling: every location strictly inside the box is a candidate.
    None,
}

impl CenterStrategy {
    /// All four strategies, in documentation order.
    pub const ALL: [CenterStrategy; 4] = [Self::Bbox, Self::Centroid, Self::Inner, Self::None];

    /// The lowercase config name (`"bbox"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Bbox => "bbox",
            Self::Centroid => "centroid",
            Self::Inner => "inner",
            Self::None => "none",
        }
    }
}

impl std::str::FromStr for CenterStrategy {
    type Err = SamplerError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| SamplerError::Config {
            key: "center",
            msg: format!("unknown strategy {s:?}, expected bbox, centroid, inner or none"),
        })
    }
}

/// Which objective the inner centre minimises over the interior pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InnerMetric {
    /// Sum of Euclidean distances to all edge points (the authors' code; robust to long thin limbs).
    #[default]
    SumOfDistances,
    /// Sum of squared distances (the paper's formula): the interior pixel nearest to the edge-point mean.
    Squared,
}

/// Whether ambiguous locations (claimed by more than one person) become negatives, per target kind (Table VI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ambiguity {
    /// Eliminate from the classification, box, centerness and mask targets.
    pub seg: bool,
    /// Eliminate from the embedding (identity) targets.
    pub emb: bool,
}

impl Default for Ambiguity {
    /// The paper's best row of Table VI: both eliminated.
    fn default() -> Self {
        Self { seg: true, emb: true }
    }
}

/// Mixing (paper Fig. 6): replace `fraction` of the main strategy's own positives by the other strategy's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mix {
    /// The strategy whose positives are mixed in.
    pub from: CenterStrategy,
    /// Share in [0, 1] of the strategy-specific positives that are swapped (0 = main only, 1 = `from` only).
    pub fraction: f32,
}

/// The `[model.sampling]` table. `Default` is the paper's setting.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamplingConfig {
    /// Centre used for centre sampling.
    pub center: CenterStrategy,
    /// Half side of the sampling box, in strides of the location's level (FCOS `POS_RADIUS`).
    pub radius: f32,
    /// Elimination of ambiguous locations.
    pub eliminate_ambiguous: Ambiguity,
    /// Optional mixing of a second strategy's positives.
    pub mix: Option<Mix>,
    /// Objective of the inner centre.
    pub inner_metric: InnerMetric,
    /// Seed for the random choices of mixing (combined with a per-image seed).
    pub seed: u64,
}

impl Default for SamplingConfig {
    /// Inner centre, radius 1.5, both eliminations on, no mixing, sum-of-distances metric, seed 0.
    fn default() -> Self {
        Self {
            center: CenterStrategy::Inner,
            radius: 1.5,
            eliminate_ambiguous: Ambiguity::default(),
            mix: None,
            inner_metric: InnerMetric::SumOfDistances,
            seed: 0,
        }
    }
}

impl SamplingConfig {
    /// Checks value ranges (positive finite radius, mixing fraction in [0, 1]).
    pub fn validate(&self) -> Result<(), SamplerError> {
        if !(self.radius.is_finite() && self.radius > 0.0) {
            return Err(SamplerError::Config { key: "radius", msg: format!("{} is not a positive number", self.radius) });
        }
        if let Some(mix) = self.mix
            && !(0.0..=1.0).contains(&mix.fraction)
        {
            return Err(SamplerError::Config { key: "mix.fraction", msg: format!("{} is outside [0, 1]", mix.fraction) });
        }
        Ok(())
    }
}

/// FPN levels: stride and FCOS size range `[lo, hi]` (inclusive) of each level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelConfig {
    /// Stride of each level in input pixels.
    pub strides: Vec<u32>,
    /// Accepted range of max(l, t, r, b) in input pixels per level, both ends inclusive.
    pub size_ranges: Vec<[f32; 2]>,
}

/// AdelaiDet's stand-in for infinity in the last size range.
pub const SIZE_INF: f32 = 1e8;

impl Default for LevelConfig {
    /// P3–P5 of HVISNet: strides 8/16/32, ranges [-1, 64], [64, 128], [128, 1e8].
    fn default() -> Self {
        Self { strides: vec![8, 16, 32], size_ranges: vec![[-1.0, 64.0], [64.0, 128.0], [128.0, SIZE_INF]] }
    }
}

impl LevelConfig {
    /// Checks that there is one range per nonzero stride and every range is ordered.
    pub fn validate(&self) -> Result<(), SamplerError> {
        if self.strides.len() != self.size_ranges.len() {
            return Err(SamplerError::LengthMismatch {
                what: "levels: strides vs size_ranges",
                left: self.strides.len(),
                right: self.size_ranges.len(),
            });
        }
        if self.strides.is_empty() || self.strides.contains(&0) {
            return Err(SamplerError::Config { key: "strides", msg: format!("{:?} must be nonempty and nonzero", self.strides) });
        }
        if let Some(r) = self.size_ranges.iter().find(|r| r[0].partial_cmp(&r[1]).is_none_or(|o| o.is_gt())) {
            return Err(SamplerError::Config { key: "size_ranges", msg: format!("{r:?} is not an ordered pair") });
        }
        Ok(())
    }

    /// Feature-map size (height, width) of level `level` for an input of `height` x `width`: ceil(side / stride),
    /// the size a stride-2 conv chain with padding produces.
    pub fn feature_size(&self, level: usize, height: usize, width: usize) -> (usize, usize) {
        let s = self.strides[level] as usize;
        (height.div_ceil(s), width.div_ceil(s))
    }
}
