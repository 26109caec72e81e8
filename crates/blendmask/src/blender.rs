//! The blender: for each instance, RoIAlign the bases in its box (K×R×R), resize its K×M×M attention
//! bilinearly to R×R (align_corners = false), softmax over K, multiply and sum over K → R×R mask logits.

use burn::tensor::activation::softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor};

use crate::resize::resize_bilinear;
use crate::config::BlendMaskConfig;
use crate::error::BlendMaskError;
use crate::roi_align::{roi_align, Roi, RoiAlignConfig};

/// Blender settings taken from [`BlendMaskConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blender {
    /// K.
    pub num_bases: usize,
    /// M.
    pub attn_size: usize,
    /// RoIAlign of the bases (R×R, scale, sampling ratio, aligned).
    pub pooler: RoiAlignConfig,
}

impl Blender {
    /// The blender of a (validated) config.
    pub fn new(config: &BlendMaskConfig) -> Result<Self, BlendMaskError> {
        config.validate()?;
        let r = config.pooler_resolution;
        Ok(Self {
            num_bases: config.num_bases,
            attn_size: config.attn_size,
            pooler: RoiAlignConfig {
                output: (r, r),
                spatial_scale: config.pooler_scale,
                sampling_ratio: config.pooler_sampling_ratio,
                aligned: config.pooler_aligned,
            },
        })
    }

    /// Mask logits `[P, R, R]` for P instances.
    ///
    /// - `bases`: `[N, K, H/4, W/4]` from the basis module.
    /// - `rois`: G boxes in input pixels with their image index (GT boxes in training, detections at
    ///   inference).
    /// - `attns`: `[P, K·M·M]` attention logits gathered at the instances' locations.
    /// - `roi_index`: `None` when P = G (instance i uses box i); in training `Some([P])` maps each
    ///   positive location to its GT box (`gt_inds`), so each GT box is pooled once.
    pub fn forward<B: Backend>(
        &self,
        bases: Tensor<B, 4>,
        rois: &[Roi],
        attns: Tensor<B, 2>,
        roi_index: Option<Tensor<B, 1, Int>>,
    ) -> Result<Tensor<B, 3>, BlendMaskError> {
        let [_, k, _, _] = bases.dims();
        let [p, a] = attns.dims();
        let (m, (r, rw)) = (self.attn_size, self.pooler.output);
        if k != self.num_bases || a != k * m * m {
            return Err(BlendMaskError::Shape {
                what: "bases/attns",
                expected: format!("K = {} bases and [P, {}] attentions", self.num_bases, self.num_bases * m * m),
                got: vec![k, p, a],
            });
        }
        let expected_rois = match &roi_index {
            Some(idx) => {
                if idx.dims()[0] != p {
                    return Err(BlendMaskError::Shape { what: "roi_index", expected: format!("[{p}]"), got: idx.dims().to_vec() });
                }
                rois.len()
            }
            None => p,
        };
        if rois.len() != expected_rois {
            return Err(BlendMaskError::Shape { what: "rois", expected: format!("{expected_rois} boxes"), got: vec![rois.len()] });
        }
        let device = bases.device();
        if p == 0 {
            return Ok(Tensor::zeros([0, r, rw], &device));
        }
        let mut pooled = roi_align(bases, rois, &self.pooler)?; // [G, K, R, R]
        if let Some(idx) = roi_index {
            pooled = pooled.select(0, idx);
        }
        let attn = resize_bilinear(attns.reshape([p, k, m, m]), [r, rw]);
        let attn = softmax(attn, 1);
        Ok((pooled * attn).sum_dim(1).reshape([p, r, rw]))
    }
}
