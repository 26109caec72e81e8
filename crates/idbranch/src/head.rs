//! The embedding head: conv3×3 (in → hidden) + ReLU + conv1×1 (hidden → dim), then L2 normalisation
//! over channels. By default one head is shared by all FPN levels: a person may be matched at P3 in one
//! frame and at P4 in the next, so every level must map into the same embedding space (and sharing keeps
//! the branch at 0.66 M parameters at 256/256/256).

use burn::module::{Initializer, Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use dla34::conv_forward;

use crate::config::IdBranchConfig;
use crate::error::IdBranchError;

/// One level's head (FairMOT's `id` head shape: 3×3 + ReLU + 1×1).
#[derive(Module, Debug)]
pub struct IdLevelHead<B: Backend> {
    /// conv3×3(in → hidden), PyTorch default init, zero bias (FairMOT `fill_fc_weights`).
    pub conv1: Conv2d<B>,
    /// conv1×1(hidden → dim).
    pub conv2: Conv2d<B>,
}

fn conv<B: Backend>(cin: usize, cout: usize, k: usize, device: &B::Device) -> Conv2d<B> {
    let p = k / 2;
    let mut c = Conv2dConfig::new([cin, cout], [k, k])
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .with_initializer(Initializer::KaimingUniform { gain: 1.0 / 3f64.sqrt(), fan_out_only: false })
        .init(device);
    c.bias = Some(Param::from_tensor(Tensor::zeros([cout], device)));
    c
}

impl<B: Backend> IdLevelHead<B> {
    /// Raw (unnormalised) embedding map `[N, dim, H, W]`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        conv_forward(&self.conv2, relu(conv_forward(&self.conv1, x)))
    }
}

/// The ID branch head: one [`IdLevelHead`] shared by all levels, or one per level.
#[derive(Module, Debug)]
pub struct IdHead<B: Backend> {
    /// Heads; a single entry when shared across levels.
    pub heads: Vec<IdLevelHead<B>>,
}

impl<B: Backend> IdHead<B> {
    /// Builds the head from a validated config.
    pub fn new(config: &IdBranchConfig, device: &B::Device) -> Result<Self, IdBranchError> {
        config.validate()?;
        let n = if config.share_across_levels { 1 } else { config.num_levels };
        let heads = (0..n)
            .map(|_| IdLevelHead {
                conv1: conv(config.in_channels, config.hidden_channels, 3, device),
                conv2: conv(config.hidden_channels, config.dim, 1, device),
            })
            .collect();
        Ok(Self { heads })
    }

    /// L2-normalised embedding maps `[N, dim, H_l, W_l]`, one per input level. Flatten them into FCOS
    /// location order with `fcos::flatten_levels` (→ `[N, L, dim]`).
    pub fn forward(&self, features: &[Tensor<B, 4>]) -> Result<Vec<Tensor<B, 4>>, IdBranchError> {
        if self.heads.len() > 1 && self.heads.len() != features.len() {
            return Err(IdBranchError::Shape {
                what: "ID-branch levels",
                expected: format!("{} levels", self.heads.len()),
                got: vec![features.len()],
            });
        }
        Ok(features
            .iter()
            .enumerate()
            .map(|(l, f)| {
                let head = &self.heads[if self.heads.len() == 1 { 0 } else { l }];
                l2_normalize(head.forward(f.clone()), 1)
            })
            .collect())
    }
}

/// Divides `x` by its L2 norm along `dim` (norm clamped at 1e−12, like `F.normalize`).
pub fn l2_normalize<B: Backend, const D: usize>(x: Tensor<B, D>, dim: usize) -> Tensor<B, D> {
    let norm = (x.clone() * x.clone()).sum_dim(dim).sqrt().clamp_min(1e-12);
    x / norm
}
