//! COCO box and mask AP, bit-identical to pycocotools' `COCOeval` (evaluate → accumulate → summarize).

pub mod accumulate;
pub mod evaluate;
pub mod load;
pub mod params;

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;
use serde_json::{Value, json};

pub use accumulate::Accumulated;
pub use evaluate::{Cell, DtInst, EvalImg, GtInst};
pub use params::Params;

use crate::error::{EvalError, Result};

/// Which overlap COCOeval uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IouType {
    /// Mask IoU (`iouType='segm'`).
    #[default]
    Segm,
    /// Box IoU (`iouType='bbox'`).
    Bbox,
}

impl std::str::FromStr for IouType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "segm" => Ok(IouType::Segm),
            "bbox" => Ok(IouType::Bbox),
            _ => Err(format!("unknown iou type {s:?}: expected segm or bbox")),
        }
    }
}

/// Names of the 12 summary numbers, in `summarize()` order.
pub const STAT_NAMES: [&str; 12] =
    ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"];

/// The outcome of one COCO-style evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct CocoEval {
    /// Parameters used.
    pub params: Params,
    /// Precision / recall arrays.
    pub acc: Accumulated,
    /// The 12 summary numbers.
    pub stats: [f64; 12],
}

/// Runs evaluate + accumulate + summarize over prepared cells (missing cells are empty).
pub fn evaluate_cells(p: &Params, cells: &HashMap<(u64, u64), Cell>) -> CocoEval {
    let empty = Cell::default();
    let max_det = *p.max_dets.last().unwrap_or(&100);
    let eval_imgs: Vec<Vec<Vec<Option<EvalImg>>>> = p
        .cat_ids
        .par_iter()
        .map(|&k| {
            p.area_rng
                .iter()
                .map(|&a| {
                    p.img_ids
                        .iter()
                        .map(|&i| evaluate::evaluate_img(cells.get(&(i, k)).unwrap_or(&empty), p, a, max_det))
                        .collect()
                })
                .collect()
        })
        .collect();
    let acc = accumulate::accumulate(p, &eval_imgs);
    let stats = accumulate::summarize(p, &acc);
    CocoEval { params: p.clone(), acc, stats }
}

/// Evaluates results against a COCO ground truth (all its images and categories, as COCOeval's defaults).
/// An empty results list is allowed (pycocotools crashes on it): every AP and AR with ground truth is 0.
pub fn evaluate(
    gt: &data::coco::CocoFile,
    gt_path: &Path,
    dts: &[data::coco::CocoResult],
    dt_path: &Path,
    iou_type: IouType,
) -> Result<CocoEval> {
    let img_ids: Vec<u64> = gt.images.iter().map(|i| i.id).collect();
    let cat_ids: Vec<u64> = gt.categories.iter().map(|c| c.id).collect();
    evaluate_with(gt, gt_path, dts, dt_path, iou_type, Params::coco(&img_ids, &cat_ids))
}

/// As [`evaluate`] with explicit parameters (image / category subsets).
pub fn evaluate_with(
    gt: &data::coco::CocoFile,
    gt_path: &Path,
    dts: &[data::coco::CocoResult],
    dt_path: &Path,
    iou_type: IouType,
    p: Params,
) -> Result<CocoEval> {
    let cells = load::build_cells(gt, gt_path, dts, dt_path, iou_type, &p)?;
    Ok(evaluate_cells(&p, &cells))
}

/// Reads both files and evaluates.
pub fn evaluate_files(gt_path: &Path, dt_path: &Path, iou_type: IouType) -> Result<CocoEval> {
    let gt = data::coco::load_coco(gt_path)?;
    let dts = data::coco::load_results(dt_path)?;
    evaluate(&gt, gt_path, &dts, dt_path, iou_type)
}

fn nested(v: &[f64], shape: &[usize]) -> Value {
    if shape.len() == 1 {
        return json!(v);
    }
    let step: usize = shape[1..].iter().product();
    Value::Array((0..shape[0]).map(|i| nested(&v[i * step..(i + 1) * step], &shape[1..])).collect())
}

impl CocoEval {
    /// `{"stats": [12], "stat_names", "precision": [T][R][K][A][M], "recall": [T][K][A][M], "params"}`.
    pub fn to_json(&self) -> Value {
        let [t, r, k, a, m] = self.acc.shape;
        let p = &self.params;
        json!({
            "stats": self.stats.to_vec(),
            "stat_names": STAT_NAMES,
            "precision": nested(&self.acc.precision, &[t, r, k, a, m]),
            "recall": nested(&self.acc.recall, &[t, k, a, m]),
            "params": {
                "iouThrs": p.iou_thrs, "recThrs": p.rec_thrs, "maxDets": p.max_dets,
                "areaRng": p.area_rng, "areaRngLbl": p.area_lbl, "catIds": p.cat_ids, "imgIds_count": p.img_ids.len(),
            },
        })
    }

    /// The summary in pycocotools' printed layout.
    pub fn table(&self) -> String {
        let md = self.params.max_dets.last().copied().unwrap_or(100);
        let rows: [(&str, &str, &str, usize); 12] = [
            ("Average Precision", "0.50:0.95", "all", md),
            ("Average Precision", "0.50", "all", md),
            ("Average Precision", "0.75", "all", md),
            ("Average Precision", "0.50:0.95", "small", md),
            ("Average Precision", "0.50:0.95", "medium", md),
            ("Average Precision", "0.50:0.95", "large", md),
            ("Average Recall", "0.50:0.95", "all", self.params.max_dets[0]),
            ("Average Recall", "0.50:0.95", "all", self.params.max_dets[1]),
            ("Average Recall", "0.50:0.95", "all", md),
            ("Average Recall", "0.50:0.95", "small", md),
            ("Average Recall", "0.50:0.95", "medium", md),
            ("Average Recall", "0.50:0.95", "large", md),
        ];
        let mut s = String::new();
        for (i, (title, iou, area, m)) in rows.iter().enumerate() {
            let short = if title.contains("Precision") { "(AP)" } else { "(AR)" };
            s += &format!(" {title:<18} {short} @[ IoU={iou:<9} | area={area:>6} | maxDets={m:>3} ] = {:.3}\n", self.stats[i]);
        }
        s
    }
}

/// Writes a JSON value to a file (pretty-printed).
pub fn write_json(path: &Path, v: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|e| EvalError::invalid(path, "output", e.to_string()))?;
    std::fs::write(path, text).map_err(|e| EvalError::io(path, e))
}
