//! The DLA-34 network and its combination with the FPN.

use burn::module::Module;
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use crate::block::ConvNorm;
use crate::fpn::{Fpn, FpnConfig};
use crate::norm::NormKind;
use crate::tree::{Tree1, Tree2};

/// DLA-34's channel widths per level (level0..level5).
pub const DLA34_CHANNELS: [usize; 6] = [16, 32, 64, 128, 256, 512];

/// DLA-34 settings. The level layout `[1,1,1,2,2,1]` is fixed; the widths can be narrowed for
/// tests and small experiments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Dla34Config {
    /// Channels of level0..level5 (reference: `[16, 32, 64, 128, 256, 512]`).
    pub channels: [usize; 6],
    /// Normalisation after every convolution.
    pub norm: NormKind,
}

impl Default for Dla34Config {
    fn default() -> Self {
        Self { channels: DLA34_CHANNELS, norm: NormKind::Bn }
    }
}

impl Dla34Config {
    /// Builds the backbone with the reference initialisation.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Dla34<B> {
        let c = self.channels;
        let n = self.norm;
        Dla34 {
            base_layer: ConvNorm::new(3, c[0], 7, 1, n, device),
            level0: ConvNorm::new(c[0], c[0], 3, 1, n, device),
            level1: ConvNorm::new(c[0], c[1], 3, 2, n, device),
            level2: Tree1::new(c[1], c[2], 2, false, 0, n, device),
            level3: Tree2::new(c[2], c[3], 2, true, n, device),
            level4: Tree2::new(c[3], c[4], 2, true, n, device),
            level5: Tree1::new(c[4], c[5], 2, true, 0, n, device),
        }
    }
}

/// Outputs of DLA-34 used by the FPN: level3, level4, level5 at strides 8, 16, 32.
#[derive(Debug, Clone)]
pub struct DlaFeatures<B: Backend> {
    /// Stride-8 features (`channels[3]` channels).
    pub level3: Tensor<B, 4>,
    /// Stride-16 features (`channels[4]` channels).
    pub level4: Tensor<B, 4>,
    /// Stride-32 features (`channels[5]` channels).
    pub level5: Tensor<B, 4>,
}

/// DLA-34 without classifier. Field names follow the PyTorch module names.
#[derive(Module, Debug)]
pub struct Dla34<B: Backend> {
    /// conv7×7 (3→c0) + norm + ReLU, stride 1.
    pub base_layer: ConvNorm<B>,
    /// conv3×3 (c0→c0) + norm + ReLU, stride 1.
    pub level0: ConvNorm<B>,
    /// conv3×3 stride 2 (c0→c1) + norm + ReLU.
    pub level1: ConvNorm<B>,
    /// Tree of depth 1, stride 4 overall.
    pub level2: Tree1<B>,
    /// Tree of depth 2 with level root, stride 8.
    pub level3: Tree2<B>,
    /// Tree of depth 2 with level root, stride 16.
    pub level4: Tree2<B>,
    /// Tree of depth 1 with level root, stride 32.
    pub level5: Tree1<B>,
}

impl<B: Backend> Dla34<B> {
    /// Runs the backbone on `[N, 3, H, W]` images (H and W multiples of 32, as the reference's
    /// size divisibility guarantees) and returns level3–5.
    pub fn forward(&self, x: Tensor<B, 4>) -> DlaFeatures<B> {
        let x = relu(self.base_layer.forward(x));
        let x = relu(self.level0.forward(x));
        let x = relu(self.level1.forward(x));
        let x = self.level2.forward(x, Vec::new());
        let level3 = self.level3.forward(x);
        let level4 = self.level4.forward(level3.clone());
        let level5 = self.level5.forward(level4.clone(), Vec::new());
        DlaFeatures { level3, level4, level5 }
    }
}

/// Backbone + FPN settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DlaFpnConfig {
    /// The DLA-34 body.
    pub dla: Dla34Config,
    /// FPN output channels (reference 256).
    pub fpn_channels: usize,
}

impl Default for DlaFpnConfig {
    fn default() -> Self {
        Self { dla: Dla34Config::default(), fpn_channels: 256 }
    }
}

impl DlaFpnConfig {
    /// Builds DLA-34 and an FPN on its level3–5.
    pub fn init<B: Backend>(&self, device: &B::Device) -> DlaFpn<B> {
        let c = self.dla.channels;
        DlaFpn {
            body: self.dla.init(device),
            fpn: FpnConfig { in_channels: [c[3], c[4], c[5]], out_channels: self.fpn_channels }.init(device),
        }
    }
}

/// DLA-34 followed by the FPN: images → P3, P4, P5 (strides 8, 16, 32).
#[derive(Module, Debug)]
pub struct DlaFpn<B: Backend> {
    /// The DLA-34 body (the part ImageNet weights load into).
    pub body: Dla34<B>,
    /// The feature pyramid.
    pub fpn: Fpn<B>,
}

impl<B: Backend> DlaFpn<B> {
    /// `[N, 3, H, W]` → `[P3, P4, P5]`.
    pub fn forward(&self, x: Tensor<B, 4>) -> [Tensor<B, 4>; 3] {
        let f = self.body.forward(x);
        self.fpn.forward([f.level3, f.level4, f.level5])
    }
}
