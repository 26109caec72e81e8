//! Feature pyramid (detectron2 style) on DLA level3–5, giving P3–P5 without P6/P7.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Initializer, PaddingConfig2d};
use burn::prelude::*;

use crate::conv::conv_forward;
use crate::upsample::upsample_nearest;

/// FPN settings.
#[derive(Debug, Clone, PartialEq)]
pub struct FpnConfig {
    /// Channels of the inputs, finest first (DLA-34: `[128, 256, 512]`).
    pub in_channels: [usize; 3],
    /// Channels of every output (reference 256).
    pub out_channels: usize,
}

/// detectron2's `c2_xavier_fill`: kaiming-uniform with a = 1 (bound sqrt(3 / fan_in)), bias 0.
fn xavier_conv<B: Backend>(cin: usize, cout: usize, kernel: usize, device: &B::Device) -> Conv2d<B> {
    let pad = kernel / 2;
    let mut conv = Conv2dConfig::new([cin, cout], [kernel, kernel])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_initializer(Initializer::KaimingUniform { gain: 1.0, fan_out_only: false })
        .init(device);
    conv.bias = Some(Param::from_tensor(Tensor::zeros([cout], device)));
    conv
}

impl FpnConfig {
    /// Builds the lateral 1×1 and output 3×3 convs (with bias, no norm).
    pub fn init<B: Backend>(&self, device: &B::Device) -> Fpn<B> {
        let o = self.out_channels;
        Fpn {
            lateral: self.in_channels.iter().map(|&c| xavier_conv(c, o, 1, device)).collect(),
            output: self.in_channels.iter().map(|_| xavier_conv(o, o, 3, device)).collect(),
        }
    }
}

/// Top-down FPN: `prev = lateral(C5)`, `P5 = out(prev)`; then `prev = lateral(Ci) +
/// nearest_upsample(prev)` and `Pi = out(prev)`, sum fusion.
#[derive(Module, Debug)]
pub struct Fpn<B: Backend> {
    /// Lateral 1×1 convs for level3, level4, level5.
    pub lateral: Vec<Conv2d<B>>,
    /// Output 3×3 convs for P3, P4, P5.
    pub output: Vec<Conv2d<B>>,
}

impl<B: Backend> Fpn<B> {
    /// `[C3, C4, C5]` → `[P3, P4, P5]`.
    pub fn forward(&self, inputs: [Tensor<B, 4>; 3]) -> [Tensor<B, 4>; 3] {
        let [c3, c4, c5] = inputs;
        let prev5 = conv_forward(&self.lateral[2], c5);
        let prev4 = self.merge(1, c4, prev5.clone());
        let prev3 = self.merge(0, c3, prev4.clone());
        [conv_forward(&self.output[0], prev3), conv_forward(&self.output[1], prev4), conv_forward(&self.output[2], prev5)]
    }

    /// `lateral_i(c) + nearest-upsample(coarser)` to the lateral's size ([`upsample_nearest`]: burn's
    /// nearest `interpolate` has a wrong gradient on the cubecl backends).
    fn merge(&self, i: usize, c: Tensor<B, 4>, coarser: Tensor<B, 4>) -> Tensor<B, 4> {
        let lat = conv_forward(&self.lateral[i], c);
        let [_, _, h, w] = lat.dims();
        lat + upsample_nearest(coarser, [h, w])
    }
}
