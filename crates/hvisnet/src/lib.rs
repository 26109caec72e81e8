//! The whole HVISNet network for one frame: DLA-34 + FPN, the FCOS head, BlendMask and the ID
//! branch, built from one model config, with the training losses and per-frame inference.

pub mod paste;
