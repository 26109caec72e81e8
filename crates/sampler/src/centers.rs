//! The centre each strategy puts the sampling box around.

use crate::config::{CenterStrategy, InnerMetric};
use crate::inner::{inner_center, CenterSource};
use crate::mask::{MaskGeometry, MaskView};
use crate::SamplerError;

/// A person's sampling centre in input pixels, or no centre for strategy `none`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Center {
    /// (x, y); `None` for strategy `none`.
    pub point: Option<[f32; 2]>,
    /// How it was obtained (falls back to the box centre for an empty mask).
    pub source: CenterSource,
}

/// Box centre ((x1 + x2) / 2, (y1 + y2) / 2).
pub fn box_center(bbox: [f32; 4]) -> [f32; 2] {
    [(bbox[0] + bbox[2]) * 0.5, (bbox[1] + bbox[3]) * 0.5]
}

/// The centre of one person under `strategy`. Mask centres are in pixel-index coordinates (AdelaiDet's
/// convention, no +0.5); an empty mask falls back to the box centre.
pub fn person_center(
    strategy: CenterStrategy,
    mask: MaskView<'_>,
    bbox: [f32; 4],
    metric: InnerMetric,
) -> Result<Center, SamplerError> {
    let boxed = Center { point: Some(box_center(bbox)), source: CenterSource::BoxCenter };
    Ok(match strategy {
        CenterStrategy::None => Center { point: None, source: CenterSource::NoCenter },
        CenterStrategy::Bbox => boxed,
        CenterStrategy::Centroid => {
            mask.check(0)?;
            match mask.centroid() {
                Some(c) => Center { point: Some([c[0] as f32, c[1] as f32]), source: CenterSource::Centroid },
                None => boxed,
            }
        }
        CenterStrategy::Inner => match inner_center(&MaskGeometry::new(mask)?, metric) {
            Some(c) => Center { point: Some([c.point[0] as f32, c.point[1] as f32]), source: c.source },
            None => boxed,
        },
    })
}
