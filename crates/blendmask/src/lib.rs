//! The BlendMask mask branch of HVISNet (AdelaiDet `BlendMask`): the basis module (K bases at stride 4
//! from P3–P5, optional auxiliary semantic head), the attention ("top") layer on FCOS's box tower,
//! RoIAlign on burn tensor ops, a bilinear resize from `select` and products (differentiable on GPU backends),
//! the blender (RoIAlign(bases) ⊙ softmax_K(resize(attention)), summed over
//! K) and the centerness-weighted per-positive mask BCE.

pub mod attention;
pub mod basis;
pub mod blender;
pub mod config;
pub mod error;
pub mod loss;
pub mod paste;
pub mod resize;
pub mod roi_align;

pub use attention::AttentionLayer;
pub use basis::{BasisModule, BasisOutput, SemHead};
pub use blender::Blender;
pub use config::{BasisConfig, BlendMaskConfig};
pub use error::BlendMaskError;
pub use loss::{mask_loss, semantic_loss, zero_loss};
pub use paste::paste_mask;
pub use resize::resize_bilinear;
pub use roi_align::{crop_and_resize_mask, roi_align, roi_align_host, Roi, RoiAlignConfig};
