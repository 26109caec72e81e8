//! Per-image FCOS inference (AdelaiDet `forward_for_single_feature_map` + `select_over_all_levels`):
//! p = σ(cls)·σ(ctr), threshold, per-level top-k, ltrb decode, class-aware NMS, top `max_detections`,
//! reported score √p. Runs on the host after one read-back per level.

use burn::tensor::backend::Backend;
use burn::tensor::Tensor;

use crate::config::FcosConfig;
use crate::error::FcosError;
use crate::head::FcosHeadOutput;

/// One detection of one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// (x0, y0, x1, y1) in input pixels (not clipped to the image).
    pub bbox: [f32; 4],
    /// √(σ(cls)·σ(ctr)), the score FCOS reports.
    pub score: f32,
    /// Class index in `0..num_classes`.
    pub class: usize,
    /// FPN level index (0 = P3).
    pub level: usize,
    /// Index of the location in the image's flattened FCOS order (to gather attention or embeddings).
    pub location: usize,
    /// Location centre in input pixels.
    pub xy: [f32; 2],
}

/// Host copy of one level's predictions for one image.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelPrediction {
    /// Class logits, `[C, H, W]` row-major.
    pub cls_logits: Vec<f32>,
    /// ltrb in stride units, `[4, H, W]`.
    pub bbox_reg: Vec<f32>,
    /// Centerness logits, `[H, W]`.
    pub ctrness: Vec<f32>,
    /// Map height.
    pub height: usize,
    /// Map width.
    pub width: usize,
    /// Level stride.
    pub stride: usize,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Reads image `image` of every level back to the host and post-processes it.
pub fn postprocess_image<B: Backend>(
    out: &FcosHeadOutput<B>,
    image: usize,
    config: &FcosConfig,
) -> Result<Vec<Detection>, FcosError> {
    let mut levels = Vec::with_capacity(out.cls_logits.len());
    if out.cls_logits.len() != config.fpn_strides.len() {
        return Err(FcosError::Shape {
            what: "cls_logits levels",
            expected: format!("{} levels", config.fpn_strides.len()),
            got: vec![out.cls_logits.len()],
        });
    }
    for (l, &stride) in config.fpn_strides.iter().enumerate() {
        let [n, c, h, w] = out.cls_logits[l].dims();
        if image >= n {
            return Err(FcosError::Shape { what: "image index", expected: format!("< {n}"), got: vec![image] });
        }
        let read = |t: &Tensor<B, 4>, ch: usize| -> Result<Vec<f32>, FcosError> {
            let d = t.dims();
            if d != [n, ch, h, w] {
                return Err(FcosError::Shape { what: "level output", expected: format!("[{n}, {ch}, {h}, {w}]"), got: d.to_vec() });
            }
            let v = t.clone().slice([image..image + 1, 0..ch, 0..h, 0..w]).into_data().convert::<f32>();
            Ok(v.to_vec::<f32>().unwrap_or_default())
        };
        levels.push(LevelPrediction {
            cls_logits: read(&out.cls_logits[l], c)?,
            bbox_reg: read(&out.bbox_reg[l], 4)?,
            ctrness: read(&out.ctrness[l], 1)?,
            height: h,
            width: w,
            stride,
        });
    }
    postprocess_levels(&levels, config)
}

/// Post-processes host predictions of one image (all levels, in order). Errors when a level's buffers
/// do not match its `height × width`.
pub fn postprocess_levels(levels: &[LevelPrediction], config: &FcosConfig) -> Result<Vec<Detection>, FcosError> {
    let mut all = Vec::new();
    let mut offset = 0;
    for (level, lp) in levels.iter().enumerate() {
        let hw = lp.height * lp.width;
        let c = lp.cls_logits.len().checked_div(hw).unwrap_or(0);
        if c * hw != lp.cls_logits.len() || lp.bbox_reg.len() != 4 * hw || lp.ctrness.len() != hw {
            return Err(FcosError::Shape {
                what: "LevelPrediction buffers",
                expected: format!("[C·{hw}], [4·{hw}], [{hw}] for a {}×{} level", lp.height, lp.width),
                got: vec![lp.cls_logits.len(), lp.bbox_reg.len(), lp.ctrness.len()],
            });
        }
        // (p, class, location-in-level)
        let mut cand: Vec<(f32, usize, usize)> = Vec::new();
        for k in 0..c {
            for i in 0..hw {
                let s = sigmoid(lp.cls_logits[k * hw + i]);
                let ctr = sigmoid(lp.ctrness[i]);
                let test = if config.thresh_with_ctr { s * ctr } else { s };
                if test > config.score_thresh {
                    cand.push((s * ctr, k, i));
                }
            }
        }
        if cand.len() > config.pre_nms_topk {
            cand.sort_by(|a, b| b.0.total_cmp(&a.0));
            cand.truncate(config.pre_nms_topk);
        }
        let s = lp.stride as f32;
        for (p, class, i) in cand {
            let (row, col) = (i / lp.width, i % lp.width);
            let x = (col * lp.stride + lp.stride / 2) as f32;
            let y = (row * lp.stride + lp.stride / 2) as f32;
            let r = |ch: usize| lp.bbox_reg[ch * hw + i] * s;
            all.push(Detection {
                bbox: [x - r(0), y - r(1), x + r(2), y + r(3)],
                score: p.sqrt(),
                class,
                level,
                location: offset + i,
                xy: [x, y],
            });
        }
        offset += hw;
    }
    let keep = nms(&all, config.nms_thresh);
    let mut kept: Vec<Detection> = keep.into_iter().map(|i| all[i]).collect();
    kept.truncate(config.max_detections);
    Ok(kept)
}

/// Intersection over union of two xyxy boxes (no +1; torchvision convention).
pub fn box_iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = iw * ih;
    let area = |x: &[f32; 4]| (x[2] - x[0]).max(0.0) * (x[3] - x[1]).max(0.0);
    let union = area(a) + area(b) - inter;
    if union > 0.0 { inter / union } else { 0.0 }
}

/// Class-aware greedy NMS (torchvision `batched_nms`): returns indices into `dets` sorted by decreasing
/// score; a box is suppressed when its IoU with a kept box of the same class exceeds `iou_thresh`.
pub fn nms(dets: &[Detection], iou_thresh: f32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..dets.len()).collect();
    order.sort_by(|&a, &b| dets[b].score.total_cmp(&dets[a].score).then(a.cmp(&b)));
    let mut keep: Vec<usize> = Vec::new();
    for &i in &order {
        let suppressed = keep
            .iter()
            .any(|&k| dets[k].class == dets[i].class && box_iou(&dets[k].bbox, &dets[i].bbox) > iou_thresh);
        if !suppressed {
            keep.push(i);
        }
    }
    keep
}
