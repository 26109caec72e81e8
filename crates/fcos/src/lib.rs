//! The FCOS detection head of HVISNet (AdelaiDet's `FCOSHead` as configured by BlendMask-RT/DLA-34):
//! per-level class logits, ltrb boxes in stride units and centerness, the three FCOS losses, and the
//! per-image inference post-processing (threshold, top-k, class-aware NMS, sqrt score).
//!
//! Flattening order used by every loss and by [`postprocess`]: image by image; inside an image, level by
//! level (P3, P4, P5); inside a level, row-major (x fastest). This is the order the `sampler` crate emits
//! its per-location targets in, so per-image target vectors can simply be concatenated.

pub mod config;
pub mod error;
pub mod head;
pub mod locations;
pub mod loss;
pub mod norm;
pub mod postprocess;

pub use config::{FcosConfig, NormKind};
pub use error::FcosError;
pub use head::{flatten_levels, flatten_rows, FcosHead, FcosHeadOutput, FlatHeadOutput};
pub use locations::{compute_locations, Location};
pub use loss::{bce_with_logits, fcos_losses, giou_ltrb, sigmoid_focal_loss, FcosLosses, FcosTargets, LossNormalizers};
pub use norm::{ConvBlock, Norm};
pub use postprocess::{box_iou, nms, postprocess_image, postprocess_levels, Detection, LevelPrediction};
