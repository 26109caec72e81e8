//! Dataset statistics in the spirit of the paper's Table II, computed from decoded masks, plus the rates
//! that make Inner Center Sampling matter (box centres outside their own person or inside another).
//!
//! Definitions (per frame, over non-crowd person masks with at least one pixel):
//! - *small*: mask area < 32 × 32 = 1024 pixels;
//! - *overlapping instance*: an instance (a track in videos, an annotation in images) whose mask's
//!   bounding box shares a positive-area region with another person's mask bounding box in the same
//!   frame, in at least one frame (equivalently: box IoU > 0);
//! - *centre outside own mask*: the pixel holding the box centre, `(floor(x + w/2), floor(y + h/2))`,
//!   is not in the person's mask; *centre in another*: that pixel is in another person's mask.

use std::collections::HashSet;

use rayon::prelude::*;
use serde::Serialize;

use crate::DataError;
use crate::frames::FrameRecord;
use crate::mask::Rle;

/// Mask area below which a person counts as small (COCO's 32²).
pub const SMALL_AREA: u64 = 32 * 32;

/// Table II-style statistics of a set of frames.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DatasetStats {
    /// Distinct videos (images for image datasets).
    pub videos: usize,
    /// Frames (images).
    pub frames: usize,
    /// Instances: tracks (distinct identities per video) or, for identity-less images, annotations.
    pub instances: usize,
    /// Person masks over all frames (non-empty).
    pub masks: usize,
    /// Masks with area < 1024 pixels.
    pub small_masks: usize,
    /// Instances overlapping another person in at least one frame (box IoU > 0).
    pub overlapping_instances: usize,
    /// Per-frame pairs of persons whose boxes overlap.
    pub overlapping_pairs: usize,
    /// Masks whose box-centre pixel lies outside the mask.
    pub centre_outside_own: usize,
    /// Masks whose box-centre pixel lies inside another person's mask.
    pub centre_in_other: usize,
    /// Annotated masks with no pixel (left out of every other count).
    pub empty_masks: usize,
}

impl DatasetStats {
    /// Share of small masks (0 when there are none).
    pub fn small_share(&self) -> f64 {
        ratio(self.small_masks, self.masks)
    }

    /// Share of masks whose box centre is outside the mask.
    pub fn centre_outside_share(&self) -> f64 {
        ratio(self.centre_outside_own, self.masks)
    }

    /// Share of masks whose box centre is inside another person.
    pub fn centre_in_other_share(&self) -> f64 {
        ratio(self.centre_in_other, self.masks)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn boxes_overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    let w = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let h = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    w > 0.0 && h > 0.0
}

fn contains(m: &Rle, x: u32, y: u32) -> bool {
    if x >= m.w || y >= m.h {
        return false;
    }
    let target = x as u64 * m.h as u64 + y as u64;
    let mut p = 0u64;
    for (i, &c) in m.counts.iter().enumerate() {
        if target < p + c as u64 {
            return i % 2 == 1;
        }
        p += c as u64;
    }
    false
}

struct FrameStats {
    masks: usize,
    small: usize,
    pairs: usize,
    outside: usize,
    in_other: usize,
    empty: usize,
    overlapping: Vec<(u64, u64)>,
    instances: Vec<(u64, u64)>,
}

/// Computes the statistics of `frames`. Instances are keyed by `(video_id, identity)`; objects with
/// identity 0 count as their own instance each.
pub fn dataset_stats(frames: &[FrameRecord]) -> Result<DatasetStats, DataError> {
    let per: Vec<FrameStats> = frames
        .par_iter()
        .enumerate()
        .map(|(fi, f)| {
            let all = f.masks()?;
            let mut keys = Vec::new();
            let mut masks = Vec::new();
            let mut empty = 0;
            for (k, (o, m)) in f.objects.iter().zip(all).enumerate() {
                if m.area() == 0 {
                    empty += 1;
                    continue;
                }
                let key = if o.identity == 0 { (u64::MAX - fi as u64, k as u64) } else { (f.video_id, o.identity as u64) };
                keys.push(key);
                masks.push(m);
            }
            let boxes: Vec<[f64; 4]> = masks.iter().map(Rle::bbox).collect();
            let mut s = FrameStats { masks: masks.len(), small: 0, pairs: 0, outside: 0, in_other: 0, empty, overlapping: vec![], instances: keys.clone() };
            for (i, m) in masks.iter().enumerate() {
                s.small += usize::from(m.area() < SMALL_AREA);
                let b = boxes[i];
                let (cx, cy) = ((b[0] + b[2] / 2.0).floor() as u32, (b[1] + b[3] / 2.0).floor() as u32);
                s.outside += usize::from(!contains(m, cx, cy));
                s.in_other += usize::from(masks.iter().enumerate().any(|(j, o)| j != i && contains(o, cx, cy)));
                for j in i + 1..masks.len() {
                    if boxes_overlap(&b, &boxes[j]) {
                        s.pairs += 1;
                        s.overlapping.push(keys[i]);
                        s.overlapping.push(keys[j]);
                    }
                }
            }
            Ok(s)
        })
        .collect::<Result<_, DataError>>()?;
    let mut out = DatasetStats {
        videos: frames.iter().map(|f| f.video_id).collect::<HashSet<_>>().len(),
        frames: frames.len(),
        ..Default::default()
    };
    let (mut inst, mut over) = (HashSet::new(), HashSet::new());
    for s in per {
        out.masks += s.masks;
        out.small_masks += s.small;
        out.overlapping_pairs += s.pairs;
        out.centre_outside_own += s.outside;
        out.centre_in_other += s.in_other;
        out.empty_masks += s.empty;
        inst.extend(s.instances);
        over.extend(s.overlapping);
    }
    out.instances = inst.len();
    out.overlapping_instances = over.len();
    Ok(out)
}
