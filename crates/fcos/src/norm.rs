//! Conv + norm + ReLU blocks shared by the heads (FCOS towers here; BlendMask's basis module reuses them).

use burn::module::{Initializer, Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, GroupNorm, GroupNormConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use dla34::conv_forward;

use crate::config::NormKind;

/// A normalisation layer: GroupNorm, BatchNorm or identity.
#[derive(Module, Debug)]
pub struct Norm<B: Backend> {
    gn: Option<GroupNorm<B>>,
    bn: Option<BatchNorm<B>>,
}

impl<B: Backend> Norm<B> {
    /// Builds the norm for `channels` channels.
    pub fn new(kind: NormKind, channels: usize, gn_groups: usize, device: &B::Device) -> Self {
        match kind {
            NormKind::Gn => Self { gn: Some(GroupNormConfig::new(gn_groups, channels).init(device)), bn: None },
            NormKind::Bn => Self { gn: None, bn: Some(BatchNormConfig::new(channels).init(device)) },
            NormKind::None => Self { gn: None, bn: None },
        }
    }

    /// True when this is the identity (the preceding conv then keeps its bias).
    pub fn is_identity(&self) -> bool {
        self.gn.is_none() && self.bn.is_none()
    }

    /// Normalises an `[N, C, H, W]` map (burn's GroupNorm/BatchNorm semantics, computed by the
    /// backbone's cheaper [`dla34::group_norm`] / [`dla34::batch_norm`]).
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        if let Some(gn) = &self.gn {
            dla34::group_norm(gn, x)
        } else if let Some(bn) = &self.bn {
            dla34::batch_norm(bn, x)
        } else {
            x
        }
    }
}

/// Replaces a conv's bias by a constant (burn initialises biases with the weight initializer).
pub fn set_bias<B: Backend>(conv: &mut Conv2d<B>, value: f64, device: &B::Device) {
    if let Some(bias) = &conv.bias {
        let n = bias.dims()[0];
        conv.bias = Some(Param::from_tensor(Tensor::<B, 1>::full([n], value, device)));
    }
}

/// A `k×k` conv with "same" padding and the given weight initializer; the bias (if any) starts at 0.
pub fn conv2d<B: Backend>(
    cin: usize,
    cout: usize,
    k: usize,
    bias: bool,
    init: Initializer,
    device: &B::Device,
) -> Conv2d<B> {
    let p = k / 2;
    let mut conv = Conv2dConfig::new([cin, cout], [k, k])
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .with_bias(bias)
        .with_initializer(init)
        .init(device);
    set_bias(&mut conv, 0.0, device);
    conv
}

/// conv3×3 → norm → ReLU. FCOS tower convs keep their bias under GroupNorm; detectron2-style
/// `conv_with_kaiming_uniform` blocks (BlendMask's basis module) have a bias only without a norm.
#[derive(Module, Debug)]
pub struct ConvBlock<B: Backend> {
    /// The 3×3 convolution.
    pub conv: Conv2d<B>,
    /// The normalisation after it.
    pub norm: Norm<B>,
}

impl<B: Backend> ConvBlock<B> {
    /// Builds a `cin → cout` block with weight initializer `init`; `bias: None` means "bias only when
    /// the norm is the identity".
    pub fn new(
        cin: usize,
        cout: usize,
        norm: NormKind,
        gn_groups: usize,
        bias: Option<bool>,
        init: Initializer,
        device: &B::Device,
    ) -> Self {
        let norm = Norm::new(norm, cout, gn_groups, device);
        let bias = bias.unwrap_or(norm.is_identity());
        let conv = conv2d(cin, cout, 3, bias, init, device);
        Self { conv, norm }
    }

    /// `relu(norm(conv(x)))`.
    pub fn forward(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        relu(self.norm.forward(conv_forward(&self.conv, x)))
    }
}
