//! Statistics of an assignment: positives per level, ambiguous locations, share of positives on the mask.

use serde::Serialize;

use crate::mask::MaskView;
use crate::targets::Targets;
use crate::SamplerError;

/// How many of a set of positive locations fall on their own person's mask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct InsideShare {
    /// Locations on the matched person's mask.
    pub inside: usize,
    /// All locations counted.
    pub total: usize,
}

impl InsideShare {
    /// inside / total, `None` when nothing was counted.
    pub fn share(&self) -> Option<f64> {
        (self.total > 0).then(|| self.inside as f64 / self.total as f64)
    }

    /// Adds another count.
    pub fn add(&mut self, o: InsideShare) {
        self.inside += o.inside;
        self.total += o.total;
    }
}

/// The share of `locations` (input pixels) that fall on the mask of the same index (the paper's Table V,
/// which evaluation computes on predicted positives). A location is on a mask when the pixel
/// `(floor(x), floor(y))` is foreground.
pub fn positives_inside_mask(locations: &[[f32; 2]], masks: &[MaskView<'_>]) -> Result<InsideShare, SamplerError> {
    if locations.len() != masks.len() {
        return Err(SamplerError::LengthMismatch { what: "positives_inside_mask: locations vs masks", left: locations.len(), right: masks.len() });
    }
    for (k, m) in masks.iter().enumerate() {
        m.check(k)?;
    }
    let inside = locations.iter().zip(masks).filter(|(p, m)| m.contains_point(p[0], p[1])).count();
    Ok(InsideShare { inside, total: locations.len() })
}

/// Per-image statistics of [`Targets`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImageStats {
    /// Detection/mask positives (label 1) per level.
    pub positives_per_level: Vec<usize>,
    /// Ambiguous locations (claimed by more than one person) per level, before elimination.
    pub ambiguous_per_level: Vec<usize>,
    /// Detection/mask positives on their matched person's mask.
    pub inside: InsideShare,
}

impl ImageStats {
    /// Statistics of `t`, whose persons' masks are `masks` (in input order).
    pub fn new(t: &Targets, masks: &[MaskView<'_>]) -> Result<Self, SamplerError> {
        let nl = t.locations.levels.len();
        let mut s = Self { positives_per_level: vec![0; nl], ambiguous_per_level: vec![0; nl], inside: InsideShare::default() };
        for (l, slice) in t.locations.levels.iter().enumerate() {
            for j in 0..slice.height {
                for i in 0..slice.width {
                    let idx = slice.offset + j * slice.width + i;
                    s.ambiguous_per_level[l] += (t.claims[idx] > 1) as usize;
                    if t.labels[idx] != 1 {
                        continue;
                    }
                    s.positives_per_level[l] += 1;
                    let k = t.matched[idx] as usize;
                    let m = masks.get(k).ok_or(SamplerError::LengthMismatch {
                        what: "image stats: matched person vs masks",
                        left: k + 1,
                        right: masks.len(),
                    })?;
                    s.inside.total += 1;
                    s.inside.inside += m.contains_point(slice.coord(i), slice.coord(j)) as usize;
                }
            }
        }
        Ok(s)
    }

    /// Total positives over levels.
    pub fn positives(&self) -> usize {
        self.positives_per_level.iter().sum()
    }

    /// Total ambiguous locations over levels.
    pub fn ambiguous(&self) -> usize {
        self.ambiguous_per_level.iter().sum()
    }
}

/// Statistics summed over many images.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatsAccumulator {
    /// Images added.
    pub images: usize,
    /// Sums of the per-image fields.
    pub total: ImageStats,
}

impl StatsAccumulator {
    /// Adds one image (levels beyond the current length extend the vectors).
    pub fn add(&mut self, s: &ImageStats) {
        self.images += 1;
        let grow = |v: &mut Vec<usize>, o: &[usize]| {
            if v.len() < o.len() {
                v.resize(o.len(), 0);
            }
            v.iter_mut().zip(o).for_each(|(a, b)| *a += b);
        };
        grow(&mut self.total.positives_per_level, &s.positives_per_level);
        grow(&mut self.total.ambiguous_per_level, &s.ambiguous_per_level);
        self.total.inside.add(s.inside);
    }
}
