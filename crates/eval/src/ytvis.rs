//! YouTube-VIS video AP (youtubevos/cocoapi `YTVOSeval`): COCOeval over videos with spatio-temporal mask IoU,
//! per-track mean area and area ranges 128² / 256².

use std::collections::HashMap;
use std::path::Path;

use data::mask::Rle;
use data::ytvis::{YtvisFile, YtvisResult};
use rayon::prelude::*;

use crate::coco::params::numpy_sum;
use crate::coco::{Cell, CocoEval, DtInst, GtInst, Params, evaluate_cells};
use crate::error::{EvalError, Result};

/// Spatio-temporal IoU: Σ_f |d∩g| / Σ_f |d∪g| over zipped frames (a frame with one mask adds its area to the
/// union; 0 when the union is empty). Crowd flags are not used here, as in `YTVOSeval.computeIoU`.
pub fn st_iou(d: &[Option<Rle>], g: &[Option<Rle>]) -> f64 {
    let (mut i, mut u) = (0.0f64, 0.0f64);
    for (d, g) in d.iter().zip(g) {
        match (d, g) {
            (Some(d), Some(g)) => {
                let inter = d.intersection_area(g) as f64;
                i += inter;
                u += d.area() as f64 + g.area() as f64 - inter;
            }
            (None, Some(g)) => u += g.area() as f64,
            (Some(d), None) => u += d.area() as f64,
            (None, None) => {}
        }
    }
    if u > 0.0 { i / u } else { 0.0 }
}

/// Mean of the truthy (present, non-zero) per-frame areas, 0 when none (`avg_area`).
pub fn avg_area(areas: impl Iterator<Item = Option<f64>>) -> f64 {
    let v: Vec<f64> = areas.flatten().filter(|&a| a != 0.0).collect();
    if v.is_empty() { 0.0 } else { numpy_sum(&v) / v.len() as f64 }
}

fn decode(segs: &[Option<data::mask::Segmentation>], h: u32, w: u32, path: &Path, what: &dyn Fn(usize) -> String) -> Result<Vec<Option<Rle>>> {
    segs.iter()
        .enumerate()
        .map(|(f, s)| {
            s.as_ref()
                .map(|s| s.to_rle(h, w).map_err(|e| EvalError::invalid(path, what(f), format!("a mask of the video's size {h}x{w}: {e}"))))
                .transpose()
        })
        .collect()
}

/// Evaluates YouTube-VIS results against ground truth (all videos and categories).
pub fn evaluate_ytvis(gt: &YtvisFile, gt_path: &Path, dts: &[YtvisResult], dt_path: &Path) -> Result<CocoEval> {
    let videos = gt.video_index();
    let vid_ids: Vec<u64> = gt.videos.iter().map(|v| v.id).collect();
    let cat_ids: Vec<u64> = gt.categories.iter().map(|c| c.id).collect();
    let p = Params::ytvis(&vid_ids, &cat_ids);
    let gts: Vec<(u64, u64, GtInst, Vec<Option<Rle>>)> = gt
        .annotations
        .par_iter()
        .map(|a| {
            let v = videos.get(&a.video_id).ok_or_else(|| {
                EvalError::invalid(gt_path, format!("annotation id {}", a.id), format!("video_id {} listed in videos", a.video_id))
            })?;
            let masks = decode(&a.segmentations, v.height, v.width, gt_path, &|f| format!("annotation id {}, frame {f}", a.id))?;
            let area = avg_area(a.areas.iter().copied());
            Ok((a.video_id, a.category_id, GtInst { id: a.id, area, iscrowd: a.iscrowd != 0 }, masks))
        })
        .collect::<Result<_>>()?;
    let dets: Vec<(u64, u64, DtInst, Vec<Option<Rle>>)> = dts
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let what = |f: usize| format!("result {i} (video_id {}), frame {f}", r.video_id);
            let v = videos.get(&r.video_id).ok_or_else(|| {
                EvalError::invalid(dt_path, format!("result {i} (video_id {})", r.video_id), format!("a video_id present in {}", gt_path.display()))
            })?;
            let masks = decode(&r.segmentations, v.height, v.width, dt_path, &what)?;
            let area = avg_area(masks.iter().map(|m| m.as_ref().map(|m| m.area() as f64)));
            Ok((r.video_id, r.category_id, DtInst { id: i as u64 + 1, area, score: r.score }, masks))
        })
        .collect::<Result<_>>()?;
    type Group = (Vec<(GtInst, Vec<Option<Rle>>)>, Vec<(DtInst, Vec<Option<Rle>>)>);
    let mut by: HashMap<(u64, u64), Group> = HashMap::new();
    for (v, c, g, m) in gts {
        by.entry((v, c)).or_default().0.push((g, m));
    }
    for (v, c, d, m) in dets {
        by.entry((v, c)).or_default().1.push((d, m));
    }
    let max_det = *p.max_dets.last().unwrap_or(&100);
    let cells: HashMap<(u64, u64), Cell> = by
        .into_par_iter()
        .map(|(k, (g, d))| {
            let (gi, gm): (Vec<GtInst>, Vec<_>) = g.into_iter().unzip();
            let (di, dm): (Vec<DtInst>, Vec<_>) = d.into_iter().unzip();
            (k, Cell::new(gi, di, max_det, |a, b| st_iou(&dm[a], &gm[b])))
        })
        .collect();
    Ok(evaluate_cells(&p, &cells))
}

/// Reads both files and evaluates.
pub fn evaluate_ytvis_files(gt_path: &Path, dt_path: &Path) -> Result<CocoEval> {
    let gt = data::ytvis::load_ytvis(gt_path)?;
    let dts = data::ytvis::load_ytvis_results(dt_path)?;
    evaluate_ytvis(&gt, gt_path, &dts, dt_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(bits: &[u8]) -> Option<Rle> {
        Some(Rle::from_row_major(1, bits.len() as u32, bits))
    }

    #[test]
    fn spatio_temporal_iou_sums_over_frames() {
        // frame 0: |d∩g| = 1, |d∪g| = 3; frame 1: only g (2 px); frame 2: neither.
        let d = vec![m(&[1, 1, 0, 0]), None, None];
        let g = vec![m(&[0, 1, 1, 0]), m(&[1, 1, 0, 0]), None];
        assert_eq!(st_iou(&d, &g), 1.0 / 5.0);
        assert_eq!(st_iou(&[None], &[None]), 0.0);
    }

    #[test]
    fn avg_area_drops_nulls_and_zeros() {
        assert_eq!(avg_area([Some(4.0), None, Some(0.0), Some(2.0)].into_iter()), 3.0);
        assert_eq!(avg_area([None, Some(0.0)].into_iter()), 0.0);
    }
}
