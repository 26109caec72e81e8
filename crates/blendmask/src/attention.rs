//! BlendMask's attention ("top") layer: one 3×3 conv, shared across levels, from FCOS's box-tower
//! features to K·M·M attention logits per location.

use burn::module::{Initializer, Module};
use burn::nn::conv::Conv2d;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use dla34::conv_forward;

use crate::config::BlendMaskConfig;
use crate::error::BlendMaskError;

/// The attention layer (784 output channels by default).
#[derive(Module, Debug)]
pub struct AttentionLayer<B: Backend> {
    /// conv3×3(top_in_channels → K·M·M), N(0, 0.01) weights, zero bias.
    pub conv: Conv2d<B>,
}

impl<B: Backend> AttentionLayer<B> {
    /// Builds the layer from a validated config.
    pub fn new(config: &BlendMaskConfig, device: &B::Device) -> Result<Self, BlendMaskError> {
        config.validate()?;
        let init = Initializer::Normal { mean: 0.0, std: config.top_init_std };
        Ok(Self { conv: fcos::norm::conv2d(config.top_in_channels, config.attn_channels(), 3, true, init, device) })
    }

    /// Applies the conv to every level's box-tower output: `[N, C, H, W]` → `[N, K·M·M, H, W]`.
    /// Flatten the result with `fcos::flatten_levels` to get per-location attentions in FCOS order.
    pub fn forward(&self, bbox_towers: &[Tensor<B, 4>]) -> Vec<Tensor<B, 4>> {
        bbox_towers.iter().map(|x| conv_forward(&self.conv, x.clone())).collect()
    }
}
