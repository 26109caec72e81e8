//! Per-frame inference: detections with masks pasted at input resolution and embeddings.

use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use blendmask::{paste_mask, Roi};
use fcos::{flatten_levels, postprocess_image};

use crate::error::HvisnetError;
use crate::model::Hvisnet;

/// One detected person.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Box `[x0, y0, x1, y1]` in output pixels, clipped to the output frame.
    pub bbox: [f32; 4],
    /// √(σ(cls)·σ(ctr)), as FCOS reports it.
    pub score: f32,
    /// Binary mask (row-major, 1 = person) at the output resolution: the R×R soft mask pasted into the box at
    /// ≥ the threshold.
    pub mask: Vec<u8>,
    /// L2-normalised embedding at the detection's location.
    pub embedding: Vec<f32>,
    /// FPN level (0 = P3).
    pub level: usize,
    /// Location centre `[x, y]` in output pixels.
    pub location: [f32; 2],
}

impl<B: Backend> Hvisnet<B> {
    /// Detects, segments and embeds every person of one RGB 0–255 image `[3, H, W]` (any size; it is
    /// normalised and zero-padded to the size divisibility). Thresholds, top-k, NMS and the number
    /// of detections come from `fcos`; the mask threshold from `blendmask.mask_threshold`.
    pub fn infer(&self, image: Tensor<B, 3>) -> Result<Vec<Instance>, HvisnetError> {
        let [_, h, w] = image.dims();
        self.infer_at(image, (h, w))
    }

    /// [`Hvisnet::infer`] for an image resized from an `out = (height, width)` frame: boxes and locations
    /// are scaled back per axis and the soft masks pasted directly at the frame's resolution (detectron2's
    /// `detector_postprocess`), so masks keep the detail an upsampled binary mask would lose.
    pub fn infer_at(&self, image: Tensor<B, 3>, out: (usize, usize)) -> Result<Vec<Instance>, HvisnetError> {
        let [c, h, w] = image.dims();
        if c != 3 || h == 0 || w == 0 {
            return Err(HvisnetError::Input { what: "image", expected: "[3, H, W]".into(), got: format!("{:?}", image.dims()) });
        }
        let (oh, ow) = out;
        if oh == 0 || ow == 0 {
            return Err(HvisnetError::Input { what: "output size", expected: "a non-empty frame".into(), got: format!("{oh}×{ow}") });
        }
        let (sx, sy) = (ow as f32 / w as f32, oh as f32 / h as f32);
        let d = self.config.size_divisibility;
        let (hp, wp) = (h.div_ceil(d) * d, w.div_ceil(d) * d);
        let device = image.device();
        let x = self.normalize(image.reshape([1, 3, h, w]));
        let x = Tensor::zeros([1, 3, hp, wp], &device).slice_assign([0..1, 0..3, 0..h, 0..w], x);
        let out = self.forward(x)?;
        let dets = postprocess_image(&out.fcos, 0, &self.config.fcos)?;
        if dets.is_empty() {
            return Ok(Vec::new());
        }
        let locs: Vec<i64> = dets.iter().map(|d| d.location as i64).collect();
        let idx = Tensor::<B, 1, Int>::from_data(TensorData::new(locs, [dets.len()]), &device);
        let attn = flatten_levels(&out.attention);
        let [_, l, a] = attn.dims();
        let attns = attn.reshape([l, a]).select(0, idx.clone());
        let rois: Vec<Roi> = dets.iter().map(|d| Roi { batch: 0, bbox: d.bbox }).collect();
        let r = self.config.blendmask.pooler_resolution;
        let soft = sigmoid(self.blender()?.forward(out.bases, &rois, attns, None)?);
        let soft: Vec<f32> = soft.into_data().convert::<f32>().to_vec().unwrap_or_default();
        let emb = flatten_levels(&out.embeddings);
        let [_, _, dim] = emb.dims();
        let emb: Vec<f32> = emb.reshape([l, dim]).select(0, idx).into_data().convert::<f32>().to_vec().unwrap_or_default();
        if soft.len() != dets.len() * r * r || emb.len() != dets.len() * dim {
            return Err(HvisnetError::Input { what: "head outputs", expected: format!("{} instances", dets.len()), got: "fewer values".into() });
        }
        let thr = self.config.blendmask.mask_threshold;
        let (fw, fh) = (ow as f32, oh as f32);
        let mut instances = Vec::with_capacity(dets.len());
        for (k, det) in dets.iter().enumerate() {
            let [x0, y0, x1, y1] = det.bbox;
            let bbox = [(x0 * sx).clamp(0.0, fw), (y0 * sy).clamp(0.0, fh), (x1 * sx).clamp(0.0, fw), (y1 * sy).clamp(0.0, fh)];
            if !(bbox[2] > bbox[0] && bbox[3] > bbox[1]) {
                continue; // detectron2 drops boxes that are empty after clipping
            }
            instances.push(Instance {
                bbox,
                score: det.score,
                mask: paste_mask(&soft[k * r * r..(k + 1) * r * r], r, bbox, oh, ow, thr)?,
                embedding: emb[k * dim..(k + 1) * dim].to_vec(),
                level: det.level,
                location: [det.xy[0] * sx, det.xy[1] * sy],
            });
        }
        Ok(instances)
    }
}
