//! The assembled network and its forward pass.

use blendmask::{AttentionLayer, BasisModule, Blender};
use burn::module::Module;
use burn::prelude::*;
use dla34::DlaFpn;
use fcos::{FcosHead, FcosHeadOutput};
use idbranch::{IdClassifier, IdHead};

use crate::config::ModelConfig;
use crate::error::HvisnetError;

/// HVISNet: DLA-34 + FPN → FCOS head (+ BlendMask attention on its box tower), BlendMask bases,
/// ID embeddings. The config travels with the module (not saved in checkpoints).
#[derive(Module, Debug)]
pub struct Hvisnet<B: Backend> {
    /// DLA-34 body and FPN (P3–P5).
    pub backbone: DlaFpn<B>,
    /// FCOS towers and outputs.
    pub fcos: FcosHead<B>,
    /// BlendMask basis module (with the auxiliary semantic head when enabled).
    pub basis: BasisModule<B>,
    /// BlendMask attention ("top") layer on the box tower.
    pub attention: AttentionLayer<B>,
    /// ID-branch embedding head.
    pub id_head: IdHead<B>,
    /// Identity classifier for the cross-entropy (absent when `id.num_identities = 0`).
    pub id_classifier: Option<IdClassifier<B>>,
    /// The config the model was built from.
    #[module(skip)]
    pub config: ModelConfig,
}

/// Every head's raw outputs for a batch.
#[derive(Debug, Clone)]
pub struct HvisnetOutput<B: Backend> {
    /// Class logits, ltrb (stride units), centerness and box towers per level.
    pub fcos: FcosHeadOutput<B>,
    /// Attention logits `[N, K·M·M, H_l, W_l]` per level.
    pub attention: Vec<Tensor<B, 4>>,
    /// Bases `[N, K, H/4, W/4]`.
    pub bases: Tensor<B, 4>,
    /// Semantic logits at stride 8 (when the auxiliary head exists).
    pub sem_logits: Option<Tensor<B, 4>>,
    /// L2-normalised embeddings `[N, dim, H_l, W_l]` per level.
    pub embeddings: Vec<Tensor<B, 4>>,
}

impl<B: Backend> Hvisnet<B> {
    /// Builds the network with the reference initialisation of every part.
    pub fn new(config: &ModelConfig, device: &B::Device) -> Result<Self, HvisnetError> {
        config.validate()?;
        Ok(Self {
            backbone: config.backbone.init(device),
            fcos: FcosHead::new(&config.fcos, device)?,
            basis: BasisModule::new(&config.blendmask, 3, device)?,
            attention: AttentionLayer::new(&config.blendmask, device)?,
            id_head: IdHead::new(&config.id, device)?,
            id_classifier: IdClassifier::new(&config.id, device)?,
            config: config.clone(),
        })
    }

    /// The blender for this config.
    pub fn blender(&self) -> Result<Blender, HvisnetError> {
        Ok(Blender::new(&self.config.blendmask)?)
    }

    /// Normalises RGB 0–255 images `[N, 3, H, W]` with the config's mean and std.
    pub fn normalize(&self, images: Tensor<B, 4>) -> Tensor<B, 4> {
        let device = images.device();
        let mean = Tensor::<B, 1>::from_floats(self.config.pixel_mean, &device).reshape([1, 3, 1, 1]);
        let std = Tensor::<B, 1>::from_floats(self.config.pixel_std, &device).reshape([1, 3, 1, 1]);
        (images - mean) / std
    }

    /// Runs every head on normalised images whose sides are multiples of `size_divisibility`.
    pub fn forward(&self, images: Tensor<B, 4>) -> Result<HvisnetOutput<B>, HvisnetError> {
        let [_, c, h, w] = images.dims();
        let d = self.config.size_divisibility;
        if c != 3 || h == 0 || w == 0 || h % d != 0 || w % d != 0 {
            return Err(HvisnetError::Input {
                what: "images",
                expected: format!("[N, 3, H, W] with H, W positive multiples of {d}"),
                got: format!("{:?}", images.dims()),
            });
        }
        let feats = self.backbone.forward(images).to_vec();
        let fcos = self.fcos.forward(&feats);
        let attention = self.attention.forward(&fcos.bbox_towers);
        let basis = self.basis.forward(&feats)?;
        let embeddings = self.id_head.forward(&feats)?;
        Ok(HvisnetOutput { fcos, attention, bases: basis.bases, sem_logits: basis.sem_logits, embeddings })
    }
}
