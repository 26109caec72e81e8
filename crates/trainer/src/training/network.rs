//! HVISNet as the loop's model: the `[model]` table turned into `hvisnet::ModelConfig`, and the loop's
//! [`TrainModel`] / [`InferModel`] traits implemented on `hvisnet::Hvisnet`.

use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;
use hvisnet::{GtPerson, Hvisnet, TrainImage};

use super::batch::HostBatch;
use super::model::{InferModel, Instance, NamedLosses, TrainModel};
use crate::config::{ExperimentConfig, NormKind};

/// Loads `model.backbone.weights` (a `trainer weights import` file: ImageNet DLA-34 in our layout) into the
/// network's DLA-34 body, as the paper initialises it; returns the model and a line saying what was loaded, or
/// the model unchanged and `None` when the key is empty (random initialisation). The FPN and heads keep their
/// own initialisation. A missing file or a tensor of another shape (e.g. `model.backbone.width` ≠ 1) is an error
/// naming the file and the tensor.
pub fn init_backbone<B: Backend>(mut model: Hvisnet<B>, c: &ExperimentConfig) -> anyhow::Result<(Hvisnet<B>, Option<String>)> {
    let file = &c.model.backbone.weights;
    if file.is_empty() {
        return Ok((model, None));
    }
    let path = std::path::Path::new(file);
    dla34::weights::load_checkpoint(&mut model.backbone.body, path, false)
        .map_err(|e| anyhow::anyhow!("model.backbone.weights = {file:?}: {e} (write the file with `trainer weights import --from dla34.pth --format ucbdrive|timm --out {file}`)"))?;
    let n = dla34::num_parameters(&model.backbone.body);
    Ok((model, Some(format!("DLA-34 body initialised from {file} ({n} parameters)"))))
}

/// The network config of an experiment; `num_identities` sizes the identity classifier (training identities).
pub fn model_config(c: &ExperimentConfig, num_identities: usize) -> anyhow::Result<hvisnet::ModelConfig> {
    let m = &c.model;
    if m.backbone.name != "dla34" {
        anyhow::bail!("model.backbone.name = {:?}: only \"dla34\" is implemented", m.backbone.name);
    }
    if !(m.backbone.width > 0.0) {
        anyhow::bail!("model.backbone.width = {}: expected a positive multiplier", m.backbone.width);
    }
    let mut h = hvisnet::ModelConfig::default();
    let w = m.backbone.width as f64;
    h.backbone.dla.channels = dla34::DLA34_CHANNELS.map(|ch| ((ch as f64 * w).round() as usize).max(4));
    h.backbone.dla.norm = match m.backbone.norm {
        NormKind::Bn => dla34::NormKind::Bn,
        NormKind::FrozenBn => dla34::NormKind::FrozenBn,
        NormKind::Gn => dla34::NormKind::Gn,
    };
    let fpn = m.fpn.channels;
    let groups = |ch: usize| (1..=32usize).rev().find(|g| ch % g == 0).unwrap_or(1);
    h.backbone.fpn_channels = fpn;
    let f = &m.fcos;
    h.fcos.in_channels = fpn;
    h.fcos.gn_groups = groups(fpn);
    h.fcos.num_classes = f.num_classes;
    h.fcos.num_cls_convs = f.num_convs;
    h.fcos.num_box_convs = f.num_convs;
    h.fcos.fpn_strides = f.fpn_strides.iter().map(|&s| s as usize).collect();
    h.fcos.sizes_of_interest = f.sizes_of_interest.clone();
    h.fcos.prior_prob = f.prior_prob as f64;
    h.fcos.focal_alpha = f.focal_alpha;
    h.fcos.focal_gamma = f.focal_gamma;
    h.fcos.score_thresh = f.score_thresh;
    h.fcos.pre_nms_topk = f.pre_nms_topk;
    h.fcos.nms_thresh = f.nms_thresh;
    h.fcos.max_detections = f.max_detections;
    h.fcos.pos_radius = m.sampling.radius;
    let b = &m.blendmask;
    h.blendmask.num_bases = b.num_bases;
    h.blendmask.attn_size = b.attn_size;
    h.blendmask.pooler_resolution = b.pooler_resolution;
    h.blendmask.mask_threshold = b.mask_thresh;
    h.blendmask.instance_loss_weight = b.mask_loss_weight;
    h.blendmask.top_in_channels = fpn;
    h.blendmask.basis.in_channels = fpn;
    h.blendmask.basis.convs_dim = (fpn / 2).max(4);
    h.blendmask.basis.gn_groups = groups(h.blendmask.basis.convs_dim);
    h.blendmask.basis.loss_on = b.sem_loss_weight > 0.0;
    h.blendmask.basis.loss_weight = b.sem_loss_weight;
    let id = &m.idbranch;
    h.id.in_channels = fpn;
    h.id.hidden_channels = fpn;
    h.id.dim = id.dim;
    h.id.triplet_margin = id.triplet_margin;
    h.id.weight = id.loss_weight;
    h.id.num_identities = num_identities;
    h.validate().map_err(|e| anyhow::anyhow!("model config: {e}"))?;
    Ok(h)
}

impl<B: AutodiffBackend> TrainModel<B> for Hvisnet<B> {
    fn losses(&self, batch: &HostBatch, device: &B::Device) -> anyhow::Result<NamedLosses<B>> {
        let images = Tensor::<B, 4>::from_data(TensorData::new(batch.images.clone(), [batch.n, 3, batch.height, batch.width]), device);
        let gt: Vec<TrainImage> = batch
            .frames
            .iter()
            .map(|f| TrainImage {
                height: batch.height,
                width: batch.width,
                persons: f
                    .masks
                    .iter()
                    .zip(&f.boxes)
                    .zip(&f.identities)
                    .map(|((m, &bbox), &id)| GtPerson { bbox, mask: m.to_row_major(), identity: (id != 0).then_some(id) })
                    .collect(),
            })
            .collect();
        let losses = self.loss(images, &gt, &batch.targets)?;
        let mut terms: Vec<(String, Tensor<B, 1>)> = losses.named().into_iter().map(|(n, t)| (n.to_string(), t)).collect();
        let total = terms.pop().map(|(_, t)| t);
        Ok(NamedLosses { terms, total })
    }
}

impl<B: Backend> InferModel<B> for Hvisnet<B> {
    fn infer(&self, frame: &data::augment::Augmented, original: (u32, u32), device: &B::Device) -> anyhow::Result<Vec<Instance>> {
        // Back from the loader's normalisation to RGB 0–255 over the valid (unpadded) region.
        let (ph, pw) = (frame.height as usize, frame.width as usize);
        let (vh, vw) = (frame.valid.0 as usize, frame.valid.1 as usize);
        let mut rgb = vec![0f32; 3 * vh * vw];
        for c in 0..3 {
            let (mean, std) = (data::augment::IMAGENET_MEAN[c], data::augment::IMAGENET_STD[c]);
            for y in 0..vh {
                for x in 0..vw {
                    rgb[(c * vh + y) * vw + x] = (frame.image[(c * ph + y) * pw + x] * std + mean) * 255.0;
                }
            }
        }
        let image = Tensor::<B, 3>::from_data(TensorData::new(rgb, [3, vh, vw]), device);
        let (oh, ow) = (original.0 as usize, original.1 as usize);
        // Boxes scaled back and soft masks pasted at the original frame's resolution.
        let found = Hvisnet::infer_at(self, image, (oh, ow))?;
        Ok(found
            .into_iter()
            .map(|i| Instance {
                bbox: i.bbox,
                score: i.score,
                mask: data::mask::Rle::from_row_major(oh as u32, ow as u32, &i.mask),
                embedding: i.embedding,
                location: Some(i.location),
            })
            .collect())
    }
}
