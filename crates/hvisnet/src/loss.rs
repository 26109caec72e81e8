//! Training losses of the whole network for a batch with its sampler targets.

use blendmask::{crop_and_resize_mask, mask_loss, semantic_loss, Roi};
use burn::prelude::*;
use fcos::{fcos_losses, flatten_levels, FcosTargets};
use idbranch::IdLosses;
use sampler::{ImageInput, MaskView, Person, SamplingConfig, Targets};

use crate::error::HvisnetError;
use crate::model::Hvisnet;

/// One annotated person at network input resolution.
#[derive(Debug, Clone)]
pub struct GtPerson {
    /// Box `[x0, y0, x1, y1]` in input pixels.
    pub bbox: [f32; 4],
    /// Binary mask (non-zero = person), `height × width` of the image, row-major.
    pub mask: Vec<u8>,
    /// Training identity, `1..=id.num_identities` (`None`: unknown, ignored by the ID losses).
    pub identity: Option<u32>,
}

/// One training image's annotations (sizes are those of the padded network input).
#[derive(Debug, Clone)]
pub struct TrainImage {
    /// Input height in pixels.
    pub height: usize,
    /// Input width in pixels.
    pub width: usize,
    /// The persons.
    pub persons: Vec<GtPerson>,
}

/// The named losses (each `[1]`). `triplet` and `id_ce` are unweighted; `total` applies the config's
/// weights: cls + box + ctr + mask + sem + id.weight·(triplet_weight·triplet + ce_weight·id_ce).
#[derive(Debug, Clone)]
pub struct Losses<B: Backend> {
    /// FCOS focal classification loss.
    pub cls: Tensor<B, 1>,
    /// FCOS GIoU box loss.
    pub bbox: Tensor<B, 1>,
    /// FCOS centerness BCE.
    pub ctr: Tensor<B, 1>,
    /// BlendMask mask BCE (× instance_loss_weight).
    pub mask: Tensor<B, 1>,
    /// Auxiliary basis semantic loss (× its weight; 0 when off).
    pub sem: Tensor<B, 1>,
    /// Batch-hard triplet loss over embedding positives.
    pub triplet: Tensor<B, 1>,
    /// Identity cross-entropy (0 without classifier).
    pub id_ce: Tensor<B, 1>,
    /// Weighted sum to minimise.
    pub total: Tensor<B, 1>,
}

impl<B: Backend> Losses<B> {
    /// `(name, value)` pairs: cls, box, ctr, mask, sem, triplet, id_ce, total.
    pub fn named(&self) -> [(&'static str, Tensor<B, 1>); 8] {
        [
            ("cls", self.cls.clone()),
            ("box", self.bbox.clone()),
            ("ctr", self.ctr.clone()),
            ("mask", self.mask.clone()),
            ("sem", self.sem.clone()),
            ("triplet", self.triplet.clone()),
            ("id_ce", self.id_ce.clone()),
            ("total", self.total.clone()),
        ]
    }
}

fn input_err(what: &'static str, expected: String, got: String) -> HvisnetError {
    HvisnetError::Input { what, expected, got }
}

impl<B: Backend> Hvisnet<B> {
    /// Assigns FCOS/embedding targets for one image with the sampler (positive-sample strategy,
    /// ambiguity elimination and mixing from `sampling`; levels from the FCOS config).
    pub fn targets(&self, image: &TrainImage, sampling: &SamplingConfig, seed: u64) -> Result<Targets, HvisnetError> {
        let mut persons = Vec::with_capacity(image.persons.len());
        for p in &image.persons {
            persons.push(Person {
                mask: MaskView::new(image.width, image.height, &p.mask)?,
                bbox: p.bbox,
                identity: p.identity,
            });
        }
        let input = ImageInput { height: image.height, width: image.width, persons: &persons, seed };
        Ok(sampler::assign(&input, sampling, &self.config.levels())?.targets)
    }

    /// Computes every loss for normalised, padded `images` `[N, 3, H, W]`, their annotations and
    /// their sampler targets (one per image, in FCOS location order).
    pub fn loss(&self, images: Tensor<B, 4>, gt: &[TrainImage], targets: &[Targets]) -> Result<Losses<B>, HvisnetError> {
        let [n, _, h, w] = images.dims();
        if gt.len() != n || targets.len() != n {
            return Err(input_err("annotations/targets", format!("{n} of each"), format!("{} and {}", gt.len(), targets.len())));
        }
        for g in gt {
            if g.height != h || g.width != w || g.persons.iter().any(|p| p.mask.len() != h * w) {
                return Err(input_err("annotation size", format!("{h}×{w} masks"), format!("{}×{}", g.height, g.width)));
            }
        }
        let cfg = &self.config;
        let out = self.forward(images)?;
        let device = out.bases.device();
        let per_image: usize = out.fcos.cls_logits.iter().map(|t| t.dims()[2] * t.dims()[3]).sum();
        if let Some(t) = targets.iter().find(|t| t.len() != per_image) {
            return Err(input_err("targets", format!("{per_image} locations per image"), t.len().to_string()));
        }

        // Host-side target tensors in FCOS order.
        let nc = cfg.fcos.num_classes as i64;
        let (mut labels, mut pos, mut reg, mut ctr, mut pos_gt) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut rois, mut gt_crops, mut gt_offset) = (Vec::new(), Vec::new(), 0usize);
        let r = cfg.blendmask.pooler_resolution;
        let (mut emb_pos, mut emb_ids) = (Vec::new(), Vec::new());
        for (i, (t, g)) in targets.iter().zip(gt).enumerate() {
            for j in 0..per_image {
                let global = (i * per_image + j) as i64;
                let label = t.labels[j];
                labels.push(if label > 0 { (label - 1) as i64 } else { nc });
                if label > 0 {
                    let m = t.matched[j];
                    if m < 0 || m as usize >= g.persons.len() {
                        return Err(input_err("targets.matched", format!("a person index < {}", g.persons.len()), m.to_string()));
                    }
                    pos.push(global);
                    reg.extend_from_slice(&t.ltrb_at(j));
                    ctr.push(t.centerness[j]);
                    pos_gt.push((gt_offset + m as usize) as i64);
                }
                let id = t.emb_identity[j];
                if id >= 1 {
                    if self.id_classifier.is_some() && id as usize > cfg.id.num_identities {
                        return Err(input_err("identity", format!("1..={}", cfg.id.num_identities), id.to_string()));
                    }
                    emb_pos.push(global);
                    emb_ids.push(id);
                }
            }
            for p in &g.persons {
                rois.push(Roi { batch: i, bbox: p.bbox });
                gt_crops.push(crop_and_resize_mask(&p.mask, h, w, p.bbox, r)?);
            }
            gt_offset += g.persons.len();
        }
        let p = pos.len();
        let int1 = |v: Vec<i64>| Tensor::<B, 1, Int>::from_data(TensorData::new(v.clone(), [v.len()]), &device);
        let fcos_targets = FcosTargets {
            labels: int1(labels),
            pos_inds: int1(pos),
            reg_targets: Tensor::from_data(TensorData::new(reg, [p, 4]), &device),
            ctr_targets: Tensor::from_data(TensorData::new(ctr, [p]), &device),
        };
        let flat = out.fcos.flatten();
        let det = fcos_losses(&flat, &fcos_targets, &cfg.fcos, None)?;

        // Masks: every positive blends its GT box's pooled bases with its own attention.
        let attn = flatten_levels(&out.attention);
        let [_, _, a] = attn.dims();
        let attn = attn.reshape([n * per_image, a]);
        let mask = if p > 0 {
            let attns = attn.select(0, fcos_targets.pos_inds.clone());
            let logits = self.blender()?.forward(out.bases.clone(), &rois, attns, Some(int1(pos_gt.clone())))?;
            let gt_masks: Vec<f32> = pos_gt.iter().flat_map(|&k| gt_crops[k as usize].iter().copied()).collect();
            let gt_masks = Tensor::from_data(TensorData::new(gt_masks, [p, r, r]), &device);
            mask_loss(logits, gt_masks, fcos_targets.ctr_targets.clone(), det.loss_denorm.clone())?
                .mul_scalar(cfg.blendmask.instance_loss_weight)
        } else {
            attn.sum().mul_scalar(0.0) + out.bases.clone().sum().mul_scalar(0.0)
        };

        // Auxiliary semantic loss: any person = class 1, sampled at stride 8 (nearest).
        let sem = match &out.sem_logits {
            Some(logits) => {
                let [_, _, sh, sw] = logits.dims();
                let (sy, sx) = (h / sh.max(1), w / sw.max(1));
                let mut map = vec![0i64; n * sh * sw];
                for (i, g) in gt.iter().enumerate() {
                    for y in 0..sh {
                        for x in 0..sw {
                            let px = (y * sy) * w + x * sx;
                            if g.persons.iter().any(|q| q.mask[px] != 0) {
                                map[(i * sh + y) * sw + x] = 1;
                            }
                        }
                    }
                }
                let target = Tensor::<B, 3, Int>::from_data(TensorData::new(map, [n, sh, sw]), &device);
                semantic_loss(logits.clone(), target, cfg.blendmask.basis.loss_weight)?
            }
            None => out.bases.clone().sum().mul_scalar(0.0),
        };

        // Identity losses over the embedding positives of the whole batch.
        let emb = flatten_levels(&out.embeddings);
        let [_, _, dim] = emb.dims();
        let emb = emb.reshape([n * per_image, dim]);
        let (triplet, id_ce, id_total) = if emb_pos.is_empty() {
            let z = emb.sum().mul_scalar(0.0);
            (z.clone(), z.clone(), z)
        } else {
            let e = emb.select(0, int1(emb_pos));
            let ids = int1(emb_ids);
            let l = match &self.id_classifier {
                Some(c) => c.losses(e, ids, &cfg.id)?,
                None => IdLosses::triplet_only(e, ids, &cfg.id)?,
            };
            (l.triplet, l.ce, l.total)
        };

        let total = det.cls.clone() + det.loc.clone() + det.ctr.clone() + mask.clone() + sem.clone() + id_total;
        Ok(Losses { cls: det.cls, bbox: det.loc, ctr: det.ctr, mask, sem, triplet, id_ce, total })
    }
}
