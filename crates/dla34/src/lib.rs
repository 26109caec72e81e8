//! The DLA-34 backbone with its FPN (P3–P5), the feature extractor of HVISNet, plus import of
//! ImageNet/timm weights from PyTorch checkpoints and our own checkpoint save/load.
//!
//! Layout follows ucbdrive's `dla.py` (levels `[1,1,1,2,2,1]`, channels `[16,32,64,128,256,512]`,
//! BasicBlock, trees with roots, level roots, max-pool downsampling with 1×1 projections),
//! including the two projection layers that the reference builds but never uses, so the
//! parameter count is the reference's 15,270,832 and ucbdrive checkpoints load without leftovers.

mod block;
mod conv;
mod count;
mod dla;
mod fpn;
mod norm;
mod tree;
mod upsample;
pub mod weights;

pub use conv::{conv2d_flex_autodiff, conv_forward, gemm_options, FlexAutodiff};
pub use count::num_parameters;
pub use block::{BasicBlock, ConvNorm, Root};
pub use dla::{Dla34, Dla34Config, DlaFeatures, DlaFpn, DlaFpnConfig, DLA34_CHANNELS};
pub use fpn::{Fpn, FpnConfig};
pub use norm::{batch_norm, group_norm, Norm, NormKind};
pub use tree::{Tree1, Tree2};
pub use upsample::{nearest_source_index, upsample_nearest};
