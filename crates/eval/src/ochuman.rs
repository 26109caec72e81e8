//! OCHuman AP, AP_M and AP_H (eval-spec §3.1): COCOeval `segm` against the raw file converted exactly as
//! OCHumanApi's `toCocoFormart`, once per `max_iou` range: all [0, 1), moderate [0.5, 0.75), hard [0.75, 1).
//!
//! Results carry the image ids of the split's all-range conversion (images numbered from 1 in sorted raw-id
//! order). For each range they are remapped by file name to that range's renumbered images; results on images
//! the range drops are dropped with them, results on excluded people of kept images stay (and count as false
//! positives), as the API does: it filters ground truth only.

use std::collections::HashMap;
use std::path::Path;

use data::coco::CocoResult;
use data::ochuman::{OchumanFile, OchumanSplit};

use crate::coco::{IouType, evaluate};
use crate::error::{EvalError, Result};

pub use crate::occlusion::RANGES;

/// COCOeval of each range (the same type as the generalised [`crate::occlusion`] evaluation).
pub type OchumanEval = crate::occlusion::OcclusionEval;

/// The stored `max_iou` of every person of the split's all-range conversion (`to_coco(split, (0, 1))`), in
/// its annotation order: what [`crate::occlusion::evaluate_occlusion`] needs to give this module's numbers.
pub fn split_max_iou(raw: &OchumanFile, split: OchumanSplit) -> Vec<f64> {
    let imgs = raw.kpt_and_segm();
    let n = imgs.len().min(data::ochuman::VAL_IMAGES);
    let chosen = match split {
        OchumanSplit::All => &imgs[..],
        OchumanSplit::Val => &imgs[..n],
        OchumanSplit::Test => &imgs[n..],
    };
    chosen.iter().flat_map(|i| i.annotations.iter().map(|a| a.max_iou)).filter(|m| (0.0..1.0).contains(m)).collect()
}

/// Evaluates results on a split of a raw OCHuman file.
pub fn evaluate_ochuman(raw: &OchumanFile, raw_path: &Path, split: OchumanSplit, dts: &[CocoResult], dt_path: &Path) -> Result<OchumanEval> {
    let all = raw.to_coco(split, (0.0, 1.0), raw_path)?;
    let name_of: HashMap<u64, &str> = all.images.iter().map(|i| (i.id, i.file_name.as_str())).collect();
    for (i, r) in dts.iter().enumerate() {
        if !name_of.contains_key(&r.image_id) {
            return Err(EvalError::invalid(
                dt_path,
                format!("result {i} (image_id {})", r.image_id),
                format!("an image id of the split's converted ground truth (1..={})", all.images.len()),
            ));
        }
    }
    let mut ranges = Vec::new();
    let mut persons = Vec::new();
    for (name, lo, hi) in RANGES {
        let gt = if (lo, hi) == (0.0, 1.0) { all.clone() } else { raw.to_coco(split, (lo, hi), raw_path)? };
        let id_of: HashMap<&str, u64> = gt.images.iter().map(|i| (i.file_name.as_str(), i.id)).collect();
        let remapped: Vec<CocoResult> = dts
            .iter()
            .filter_map(|r| {
                let id = *id_of.get(name_of[&r.image_id])?;
                Some(CocoResult { image_id: id, ..r.clone() })
            })
            .collect();
        persons.push(gt.annotations.len());
        ranges.push((name, evaluate(&gt, raw_path, &remapped, dt_path, IouType::Segm)?));
    }
    Ok(OchumanEval { ranges, persons })
}

/// Reads the raw file and the results, then evaluates.
pub fn evaluate_ochuman_files(raw_path: &Path, dt_path: &Path, split: OchumanSplit) -> Result<OchumanEval> {
    let raw = data::ochuman::load_ochuman(raw_path)?;
    let dts = data::coco::load_results(dt_path)?;
    evaluate_ochuman(&raw, raw_path, split, &dts, dt_path)
}
