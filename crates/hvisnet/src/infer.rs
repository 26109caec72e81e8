//! Per-frame inference: detections with masks pasted at input resolution and embeddings.

use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use blendmask::Roi;
use fcos::{flatten_levels, postprocess_image};

use crate::error::HvisnetError;
use crate::model::Hvisnet;
use crate::paste::paste_mask;

/// One detected person.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Box `[x0, y0, x1, y1]` in image pixels, clipped to the image.
    pub bbox: [f32; 4],
    /// √(σ(cls)·σ(ctr)), as FCOS reports it.
    pub score: f32,
    /// Binary mask `height × width` (row-major), the 56×56 soft mask pasted into the box at ≥ 0.5.
    pub mask: Vec<bool>,
    /// L2-normalised embedding at the detection's location.
    pub embedding: Vec<f32>,
    /// FPN level (0 = P3).
    pub level: usize,
    /// Location centre `[x, y]` in image pixels.
    pub location: [f32; 2],
}

impl<B: Backend> Hvisnet<B> {
    /// Detects, segments and embeds every person of one RGB 0–255 image `[3, H, W]` (any size; it is
    /// normalised and zero-padded to the size divisibility). Thresholds, top-k, NMS and the number
    /// of detections come from `fcos`; the mask threshold from `blendmask.mask_threshold`.
    pub fn infer(&self, image: Tensor<B, 3>) -> Result<Vec<Instance>, HvisnetError> {
        let [c, h, w] = image.dims();
        if c != 3 || h == 0 || w == 0 {
            return Err(HvisnetError::Input { what: "image", expected: "[3, H, W]".into(), got: format!("{:?}", image.dims()) });
        }
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
        let mut instances = Vec::with_capacity(dets.len());
        for (k, det) in dets.iter().enumerate() {
            let [x0, y0, x1, y1] = det.bbox;
            let bbox = [x0.clamp(0.0, w as f32), y0.clamp(0.0, h as f32), x1.clamp(0.0, w as f32), y1.clamp(0.0, h as f32)];
            if !(bbox[2] > bbox[0] && bbox[3] > bbox[1]) {
                continue; // detectron2 drops boxes that are empty after clipping
            }
            instances.push(Instance {
                bbox,
                score: det.score,
                mask: paste_mask(&soft[k * r * r..(k + 1) * r * r], r, bbox, h, w, thr),
                embedding: emb[k * dim..(k + 1) * dim].to_vec(),
                level: det.level,
                location: det.xy,
            });
        }
        Ok(instances)
    }
}
