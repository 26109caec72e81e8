//! Configurable normalisation: batch norm, frozen batch norm or group norm.

use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig, GroupNorm, GroupNormConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Which normalisation the backbone uses after each convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormKind {
    /// Batch norm: batch statistics when training (autodiff backend), running statistics otherwise.
    /// The reference config uses SyncBN; on one device this is the same thing.
    #[default]
    Bn,
    /// Frozen batch norm: always the stored running statistics and affine values, no gradients
    /// (detectron2's `FrozenBN`, AdelaiDet's default for DLA).
    FrozenBn,
    /// Group norm with `min(32, channels)` groups (DLA's 16-channel stem cannot take 32 groups).
    Gn,
}

/// Group count for group norm: 32 where the channels allow it, else the channel count.
fn gn_groups(channels: usize) -> usize {
    if channels % 32 == 0 { 32 } else { channels }
}

/// A normalisation layer of the kind chosen by [`NormKind`]. The variant names do not appear in
/// PyTorch key paths: burn-store skips them when importing.
#[derive(Module, Debug)]
pub enum Norm<B: Backend> {
    /// Trainable batch norm.
    Batch(BatchNorm<B>),
    /// Batch norm whose statistics and affine values are never updated.
    FrozenBatch(BatchNorm<B>),
    /// Group norm.
    Group(GroupNorm<B>),
}

impl NormKind {
    /// Builds a normalisation layer over `channels` channels (PyTorch defaults: eps 1e-5, momentum 0.1).
    pub fn init<B: Backend>(&self, channels: usize, device: &B::Device) -> Norm<B> {
        match self {
            NormKind::Bn => Norm::Batch(BatchNormConfig::new(channels).init(device)),
            NormKind::FrozenBn => Norm::FrozenBatch(BatchNormConfig::new(channels).init(device)),
            NormKind::Gn => Norm::Group(GroupNormConfig::new(gn_groups(channels), channels).init(device)),
        }
    }
}

impl<B: Backend> Norm<B> {
    /// Normalises an `[N, C, H, W]` tensor.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        match self {
            Norm::Batch(bn) => bn.forward(x),
            Norm::Group(gn) => gn.forward(x),
            Norm::FrozenBatch(bn) => {
                let c = x.dims()[1];
                let var = bn.running_var.value().detach();
                let mean = bn.running_mean.value().detach();
                let scale = bn.gamma.val().detach() / (var + bn.epsilon).sqrt();
                let shift = bn.beta.val().detach() - mean * scale.clone();
                x * scale.reshape([1, c, 1, 1]) + shift.reshape([1, c, 1, 1])
            }
        }
    }
}
