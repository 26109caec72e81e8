//! AP by occlusion level for any ground truth: OCHuman's AP / AP_M / AP_H (eval-spec §3.1) generalised.
//!
//! OCHuman gives every person a `max_iou` ("max IoU with other same category objects in a single image") and
//! scores COCOeval `segm` once per range of it: all [0, 1), moderate [0.5, 0.75), hard [0.75, 1), half-open.
//! Per range the ground truth keeps the persons inside the range and **drops images left without a person**
//! (detections on those images go with them); detections on excluded persons of kept images stay, and count as
//! false positives, because the API filters ground truth only. [`evaluate_occlusion`] does exactly that for any
//! COCO ground truth and any per-annotation `max_iou`; [`box_max_iou`] computes `max_iou` where a dataset has
//! none: each person's highest **box** IoU with the other (non-crowd) persons of its image. Box, not mask, IoU
//! is what OCHuman's numbers most likely are (its mean over all 13360 boxes, many without a mask, is 0.573;
//! eval-spec §3.1) and the only choice that sees occlusion at all on datasets whose visible masks never overlap.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use data::coco::{CocoFile, CocoResult};
use serde_json::{Value, json};

use crate::coco::{CocoEval, IouType, evaluate};
use crate::coco::load::bbox_iou;
use crate::error::{EvalError, Result};

/// The three `max_iou` ranges: name, `[lo, hi)`.
pub const RANGES: [(&str, f64, f64); 3] = [("AP", 0.0, 1.0), ("AP_M", 0.5, 0.75), ("AP_H", 0.75, 1.0)];

/// COCOeval `segm` of each range.
#[derive(Debug, Clone)]
pub struct OcclusionEval {
    /// (name, evaluation) per range, in [`RANGES`] order.
    pub ranges: Vec<(&'static str, CocoEval)>,
    /// Ground-truth persons in each range, in [`RANGES`] order.
    pub persons: Vec<usize>,
}

impl OcclusionEval {
    /// AP (0.50:0.95) of a range by name ("AP", "AP_M", "AP_H").
    pub fn ap(&self, name: &str) -> Option<f64> {
        self.ranges.iter().find(|(n, _)| *n == name).map(|(_, e)| e.stats[0])
    }

    /// `{"AP", "AP_M", "AP_H", "ranges": {name: COCO JSON}}` (the full precision/recall arrays).
    pub fn to_json(&self) -> Value {
        let mut v = json!({});
        for (n, e) in &self.ranges {
            v[*n] = json!(e.stats[0]);
            v["ranges"][*n] = e.to_json();
        }
        v
    }

    /// `{"AP", "AP_M", "AP_H", "persons": {name: count}}`: the headline numbers only.
    pub fn summary_json(&self) -> Value {
        let mut v = json!({});
        for ((n, e), p) in self.ranges.iter().zip(&self.persons) {
            v[*n] = json!(e.stats[0]);
            v["persons"][*n] = json!(p);
        }
        v
    }

    /// One line per range.
    pub fn table(&self) -> String {
        let mut s = String::from("occlusion  segm   AP     AP50   AP75\n");
        for (n, e) in &self.ranges {
            s += &format!("{n:<10} {:>7.3} {:>6.3} {:>6.3}\n", e.stats[0], e.stats[1], e.stats[2]);
        }
        s
    }
}

/// Each annotation's highest box IoU (pycocotools `bbIou` on `[x, y, w, h]`) with the other non-crowd
/// annotations of its image and category; 0 for a person alone. Aligned with `gt.annotations`.
pub fn box_max_iou(gt: &CocoFile) -> Vec<f64> {
    let mut by_image: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    for (k, a) in gt.annotations.iter().enumerate() {
        if a.iscrowd == 0 {
            by_image.entry((a.image_id, a.category_id)).or_default().push(k);
        }
    }
    let mut out = vec![0.0; gt.annotations.len()];
    for group in by_image.values() {
        for &i in group {
            let best = group.iter().filter(|&&j| j != i).map(|&j| bbox_iou(&gt.annotations[i].bbox, &gt.annotations[j].bbox, false)).fold(0.0, f64::max);
            out[i] = best;
        }
    }
    out
}

/// COCOeval `segm` of `dts` against `gt` once per [`RANGES`] entry, keeping the annotations whose
/// `max_iou[k]` lies in `[lo, hi)` and the images that still hold one (OCHumanApi `toCocoFormart` semantics;
/// see the module doc). Results must name images of `gt`.
pub fn evaluate_occlusion(gt: &CocoFile, gt_path: &Path, max_iou: &[f64], dts: &[CocoResult], dt_path: &Path) -> Result<OcclusionEval> {
    if max_iou.len() != gt.annotations.len() {
        return Err(EvalError::invalid(gt_path, "max_iou", format!("one value per annotation ({}), got {}", gt.annotations.len(), max_iou.len())));
    }
    let images: HashSet<u64> = gt.images.iter().map(|i| i.id).collect();
    if let Some((i, r)) = dts.iter().enumerate().find(|(_, r)| !images.contains(&r.image_id)) {
        return Err(EvalError::invalid(dt_path, format!("result {i} (image_id {})", r.image_id), "an image id of the ground truth"));
    }
    let mut ranges = Vec::new();
    let mut persons = Vec::new();
    for (name, lo, hi) in RANGES {
        let annotations: Vec<_> = gt.annotations.iter().zip(max_iou).filter(|(_, m)| lo <= **m && **m < hi).map(|(a, _)| a.clone()).collect();
        let kept: HashSet<u64> = annotations.iter().map(|a| a.image_id).collect();
        let sub = CocoFile {
            info: gt.info.clone(),
            licenses: gt.licenses.clone(),
            images: gt.images.iter().filter(|i| kept.contains(&i.id)).cloned().collect(),
            annotations,
            categories: gt.categories.clone(),
        };
        let sub_dts: Vec<CocoResult> = dts.iter().filter(|r| kept.contains(&r.image_id)).cloned().collect();
        persons.push(sub.annotations.len());
        ranges.push((name, evaluate(&sub, gt_path, &sub_dts, dt_path, IouType::Segm)?));
    }
    Ok(OcclusionEval { ranges, persons })
}
