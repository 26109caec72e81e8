//! Turns a COCO ground-truth file and a results list into COCOeval cells (pycocotools `loadRes` + `_prepare` +
//! `computeIoU`), rejecting results that pycocotools would crash on or silently mis-score.

use std::collections::HashMap;
use std::path::Path;

use data::coco::{CocoFile, CocoResult};
use data::mask::{Rle, iou as mask_iou};
use rayon::prelude::*;

use super::evaluate::{Cell, DtInst, GtInst};
use super::params::Params;
use super::IouType;
use crate::error::{EvalError, Result};

/// pycocotools `bbIou` for one pair of `[x, y, w, h]` boxes (crowd: over the detection's area).
pub fn bbox_iou(d: &[f64; 4], g: &[f64; 4], crowd: bool) -> f64 {
    let ga = g[2] * g[3];
    let da = d[2] * d[3];
    let w = (d[2] + d[0]).min(g[2] + g[0]) - d[0].max(g[0]);
    if w <= 0.0 {
        return 0.0;
    }
    let h = (d[3] + d[1]).min(g[3] + g[1]) - d[1].max(g[1]);
    if h <= 0.0 {
        return 0.0;
    }
    let i = w * h;
    let u = if crowd { da } else { da + ga - i };
    i / u
}

/// What one instance brings to the IoU: a mask or a box.
enum Shape {
    Mask(Rle),
    Box([f64; 4]),
}

/// Builds every (image, category) cell of `p` from ground truth and results.
///
/// Detection ids are 1-based file positions and detection areas follow `loadRes`: if the first result carries a
/// non-empty `bbox`, every area is the box area (even for `segm`), else the mask area.
pub fn build_cells(
    gt: &CocoFile,
    gt_path: &Path,
    dts: &[CocoResult],
    dt_path: &Path,
    iou_type: IouType,
    p: &Params,
) -> Result<HashMap<(u64, u64), Cell>> {
    let images = gt.image_index();
    let mut seen = std::collections::HashSet::new();
    for a in &gt.annotations {
        if !seen.insert(a.id) {
            return Err(EvalError::invalid(gt_path, format!("annotation id {}", a.id), "unique annotation ids"));
        }
    }
    let box_branch = dts.first().is_some_and(|r| r.bbox.is_some());
    // Decode ground truth (only what the parameters select).
    let wanted_img: std::collections::HashSet<u64> = p.img_ids.iter().copied().collect();
    let wanted_cat: std::collections::HashSet<u64> = p.cat_ids.iter().copied().collect();
    let gts: Vec<(u64, u64, GtInst, Shape)> = gt
        .annotations
        .par_iter()
        .filter(|a| wanted_img.contains(&a.image_id) && wanted_cat.contains(&a.category_id))
        .map(|a| {
            let img = images.get(&a.image_id).ok_or_else(|| {
                EvalError::invalid(gt_path, format!("annotation id {}", a.id), format!("image_id {} listed in images", a.image_id))
            })?;
            let shape = match iou_type {
                IouType::Bbox => Shape::Box(a.bbox),
                IouType::Segm => Shape::Mask(gt.annotation_rle(a, img, gt_path)?.ok_or_else(|| {
                    EvalError::invalid(gt_path, format!("annotation id {}", a.id), "a segmentation (segm evaluation)")
                })?),
            };
            Ok((a.image_id, a.category_id, GtInst { id: a.id, area: a.area, iscrowd: a.iscrowd != 0 }, shape))
        })
        .collect::<Result<_>>()?;
    let dets: Vec<(u64, u64, DtInst, Shape)> = dts
        .par_iter()
        .enumerate()
        .map(|(i, r)| {
            let what = || format!("result {} (image_id {})", i, r.image_id);
            let img = images
                .get(&r.image_id)
                .ok_or_else(|| EvalError::invalid(dt_path, what(), format!("an image_id present in {}", gt_path.display())))?;
            let rle = match &r.segmentation {
                Some(s) => Some(s.to_rle(img.height, img.width).map_err(|e| {
                    EvalError::invalid(dt_path, what(), format!("a mask of the image's size {}x{}: {e}", img.height, img.width))
                })?),
                None => None,
            };
            let area = if box_branch {
                let b = r.bbox.ok_or_else(|| EvalError::invalid(dt_path, what(), "a bbox (the first result has one)"))?;
                b[2] * b[3]
            } else {
                rle.as_ref().map(|m| m.area() as f64).ok_or_else(|| EvalError::invalid(dt_path, what(), "a segmentation"))?
            };
            let shape = match iou_type {
                IouType::Segm => Shape::Mask(rle.ok_or_else(|| EvalError::invalid(dt_path, what(), "a segmentation (segm evaluation)"))?),
                IouType::Bbox => Shape::Box(match r.bbox {
                    Some(b) => b,
                    None => rle.as_ref().map(Rle::bbox).ok_or_else(|| EvalError::invalid(dt_path, what(), "a bbox"))?,
                }),
            };
            Ok((r.image_id, r.category_id, DtInst { id: i as u64 + 1, area, score: r.score }, shape))
        })
        .collect::<Result<_>>()?;
    let mut by_cell: HashMap<(u64, u64), (Vec<(GtInst, Shape)>, Vec<(DtInst, Shape)>)> = HashMap::new();
    for (img, cat, g, s) in gts {
        by_cell.entry((img, cat)).or_default().0.push((g, s));
    }
    for (img, cat, d, s) in dets {
        if wanted_img.contains(&img) && wanted_cat.contains(&cat) {
            by_cell.entry((img, cat)).or_default().1.push((d, s));
        }
    }
    let max_det = *p.max_dets.last().unwrap_or(&100);
    Ok(by_cell
        .into_par_iter()
        .map(|(key, (g, d))| {
            let crowd: Vec<bool> = g.iter().map(|x| x.0.iscrowd).collect();
            let (gi, gs): (Vec<GtInst>, Vec<Shape>) = g.into_iter().unzip();
            let (di, ds): (Vec<DtInst>, Vec<Shape>) = d.into_iter().unzip();
            let cell = match iou_type {
                IouType::Segm => {
                    let gm: Vec<Rle> = gs.into_iter().map(|s| if let Shape::Mask(m) = s { m } else { unreachable!() }).collect();
                    let dm: Vec<Rle> = ds.into_iter().map(|s| if let Shape::Mask(m) = s { m } else { unreachable!() }).collect();
                    // Only the kept detections need IoUs; compute them lazily per row.
                    let rows: Vec<Vec<f64>> = mask_iou(&dm, &gm, &crowd);
                    Cell::new(gi, di, max_det, |d, g| rows[d][g])
                }
                IouType::Bbox => {
                    let gb: Vec<[f64; 4]> = gs.iter().map(|s| if let Shape::Box(b) = s { *b } else { unreachable!() }).collect();
                    let db: Vec<[f64; 4]> = ds.iter().map(|s| if let Shape::Box(b) = s { *b } else { unreachable!() }).collect();
                    Cell::new(gi, di, max_det, |d, g| bbox_iou(&db[d], &gb[g], crowd[g]))
                }
            };
            (key, cell)
        })
        .collect())
}
