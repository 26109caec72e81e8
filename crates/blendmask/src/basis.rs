//! BlendMask's basis module (AdelaiDet `ProtoNet`): refine P3–P5 to `convs_dim` channels, resize to P3
//! and sum, a conv tower, ×2 bilinear upsample, one more conv and a 1×1 conv to K bases at stride 4;
//! plus the optional auxiliary semantic head on P3.

use burn::module::{Initializer, Module};
use burn::nn::conv::Conv2d;
use burn::tensor::backend::Backend;
use burn::tensor::Tensor;
use dla34::conv_forward;

use crate::config::BlendMaskConfig;
use crate::error::BlendMaskError;
use crate::resize::resize_bilinear;
use fcos::norm::{conv2d, ConvBlock};

/// detectron2 `conv_with_kaiming_uniform`: kaiming-uniform with a = 1, i.e. U(±√(3/fan_in)).
fn kaiming_a1() -> Initializer {
    Initializer::KaimingUniform { gain: 1.0, fan_out_only: false }
}

/// PyTorch's default `nn.Conv2d` init: U(±1/√fan_in) for weights and biases.
fn torch_default() -> Initializer {
    Initializer::KaimingUniform { gain: 1.0 / 3f64.sqrt(), fan_out_only: false }
}

/// Basis module. Parameters with defaults (K = 4, BN, semantic head on): see the crate tests.
#[derive(Module, Debug)]
pub struct BasisModule<B: Backend> {
    /// One refine block per input level (256 → 128).
    pub refine: Vec<ConvBlock<B>>,
    /// Tower before the upsample.
    pub tower: Vec<ConvBlock<B>>,
    /// Conv block after the ×2 upsample.
    pub tower_up: ConvBlock<B>,
    /// 1×1 conv to the K bases (with bias).
    pub bases_out: Conv2d<B>,
    /// Auxiliary semantic head on P3, when `loss_on`.
    pub seg_head: Option<SemHead<B>>,
}

/// Auxiliary semantic head: conv block (in → dim), conv block (dim → dim), 1×1 conv to `num_classes + 1`.
#[derive(Module, Debug)]
pub struct SemHead<B: Backend> {
    /// First conv block.
    pub conv1: ConvBlock<B>,
    /// Second conv block.
    pub conv2: ConvBlock<B>,
    /// Class logits (0 = background).
    pub out: Conv2d<B>,
}

/// Output of [`BasisModule::forward`].
#[derive(Debug, Clone)]
pub struct BasisOutput<B: Backend> {
    /// Bases `[N, K, H/4, W/4]` (no activation); 2× the P3 size.
    pub bases: Tensor<B, 4>,
    /// Semantic logits `[N, num_classes + 1, H/8, W/8]` at P3 resolution, when the head exists.
    pub sem_logits: Option<Tensor<B, 4>>,
}

impl<B: Backend> BasisModule<B> {
    /// Builds the module from a validated config (`num_levels` input levels, 3 for P3–P5).
    pub fn new(config: &BlendMaskConfig, num_levels: usize, device: &B::Device) -> Result<Self, BlendMaskError> {
        config.validate()?;
        if num_levels == 0 {
            return Err(BlendMaskError::Config { key: "basis levels", reason: "needs at least one level".into() });
        }
        let b = &config.basis;
        let block = |cin| ConvBlock::new(cin, b.convs_dim, b.norm, b.gn_groups, None, kaiming_a1(), device);
        let refine = (0..num_levels).map(|_| block(b.in_channels)).collect();
        let tower = (0..b.num_convs).map(|_| block(b.convs_dim)).collect();
        let tower_up = block(b.convs_dim);
        let mut bases_out = conv2d(b.convs_dim, config.num_bases, 1, true, torch_default(), device);
        bases_out.bias = Some(torch_default().init_with([config.num_bases], Some(b.convs_dim), None, device));
        let seg_head = b.loss_on.then(|| {
            let mut out = conv2d(b.convs_dim, b.num_classes + 1, 1, true, torch_default(), device);
            out.bias = Some(torch_default().init_with([b.num_classes + 1], Some(b.convs_dim), None, device));
            SemHead { conv1: block(b.in_channels), conv2: block(b.convs_dim), out }
        });
        Ok(Self { refine, tower, tower_up, bases_out, seg_head })
    }

    /// Computes the bases (and semantic logits) from the FPN levels, finest (P3) first.
    pub fn forward(&self, features: &[Tensor<B, 4>]) -> Result<BasisOutput<B>, BlendMaskError> {
        if features.len() != self.refine.len() {
            return Err(BlendMaskError::Shape {
                what: "basis features",
                expected: format!("{} levels", self.refine.len()),
                got: vec![features.len()],
            });
        }
        let [_, _, h, w] = features[0].dims();
        let mut x = self.refine[0].forward(features[0].clone());
        for (block, f) in self.refine.iter().zip(features).skip(1) {
            x = x + resize_bilinear(block.forward(f.clone()), [h, w]);
        }
        let x = self.tower.iter().fold(x, |x, b| b.forward(x));
        let x = resize_bilinear(x, [2 * h, 2 * w]);
        let bases = conv_forward(&self.bases_out, self.tower_up.forward(x));
        let sem_logits = self
            .seg_head
            .as_ref()
            .map(|s| conv_forward(&s.out, s.conv2.forward(s.conv1.forward(features[0].clone()))));
        Ok(BasisOutput { bases, sem_logits })
    }
}
