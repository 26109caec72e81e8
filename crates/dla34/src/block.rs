//! DLA building blocks: conv + norm, the residual BasicBlock and the aggregation Root.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use crate::conv::conv_forward;
use crate::norm::{Norm, NormKind};

/// A bias-free `k×k` convolution initialised N(0, sqrt(2/n)) with n = k·k·out, as in DLA.
pub(crate) fn dla_conv<B: Backend>(
    cin: usize,
    cout: usize,
    kernel: usize,
    stride: usize,
    device: &B::Device,
) -> Conv2d<B> {
    let pad = kernel / 2;
    let std = (2.0 / (kernel * kernel * cout) as f64).sqrt();
    Conv2dConfig::new([cin, cout], [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(false)
        .with_initializer(Initializer::Normal { mean: 0.0, std })
        .init(device)
}

/// Convolution followed by normalisation (PyTorch `nn.Sequential(conv, bn)`; keys `.0`/`.1`).
#[derive(Module, Debug)]
pub struct ConvNorm<B: Backend> {
    /// The convolution (no bias).
    pub conv: Conv2d<B>,
    /// The normalisation.
    pub norm: Norm<B>,
}

impl<B: Backend> ConvNorm<B> {
    /// A `k×k` conv (padding k/2) with the given stride, then norm.
    pub fn new(cin: usize, cout: usize, kernel: usize, stride: usize, norm: NormKind, device: &B::Device) -> Self {
        Self { conv: dla_conv(cin, cout, kernel, stride, device), norm: norm.init(cout, device) }
    }

    /// conv → norm (no activation).
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        self.norm.forward(conv_forward(&self.conv, x))
    }
}

/// DLA's BasicBlock: conv3×3(stride) → norm → ReLU → conv3×3 → norm, plus a residual given by
/// the caller, then ReLU.
#[derive(Module, Debug)]
pub struct BasicBlock<B: Backend> {
    /// First 3×3 conv (carries the stride).
    pub conv1: Conv2d<B>,
    /// Norm after `conv1`.
    pub norm1: Norm<B>,
    /// Second 3×3 conv.
    pub conv2: Conv2d<B>,
    /// Norm after `conv2`.
    pub norm2: Norm<B>,
}

impl<B: Backend> BasicBlock<B> {
    /// A block from `cin` to `cout` channels whose first conv has stride `stride`.
    pub fn new(cin: usize, cout: usize, stride: usize, norm: NormKind, device: &B::Device) -> Self {
        Self {
            conv1: dla_conv(cin, cout, 3, stride, device),
            norm1: norm.init(cout, device),
            conv2: dla_conv(cout, cout, 3, 1, device),
            norm2: norm.init(cout, device),
        }
    }

    /// Applies the block; `residual` must have the output's shape.
    pub fn forward(&self, x: Tensor<B, 4>, residual: Tensor<B, 4>) -> Tensor<B, 4> {
        let out = relu(self.norm1.forward(conv_forward(&self.conv1, x)));
        let out = self.norm2.forward(conv_forward(&self.conv2, out));
        relu(out + residual)
    }
}

/// Aggregation node: concatenate the children on channels → conv1×1 → norm → (+ first child if
/// `residual`) → ReLU. DLA-34 uses `residual = false`.
#[derive(Module, Debug)]
pub struct Root<B: Backend> {
    /// The 1×1 conv over the concatenated children.
    pub conv: Conv2d<B>,
    /// Norm after the conv.
    pub norm: Norm<B>,
    /// Whether the first child is added before the ReLU.
    pub residual: bool,
}

impl<B: Backend> Root<B> {
    /// A root taking `cin` concatenated channels to `cout`.
    pub fn new(cin: usize, cout: usize, residual: bool, norm: NormKind, device: &B::Device) -> Self {
        Self { conv: dla_conv(cin, cout, 1, 1, device), norm: norm.init(cout, device), residual }
    }

    /// Aggregates `children` (the first one is the residual when enabled).
    pub fn forward(&self, children: Vec<Tensor<B, 4>>) -> Tensor<B, 4> {
        let first = if self.residual { Some(children[0].clone()) } else { None };
        let x = self.norm.forward(conv_forward(&self.conv, Tensor::cat(children, 1)));
        match first {
            Some(r) => relu(x + r),
            None => relu(x),
        }
    }
}
