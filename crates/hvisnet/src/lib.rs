//! The whole HVISNet network for one frame: DLA-34 + FPN, the FCOS head, BlendMask and the ID
//! branch, built from one model config (`[model]` in an experiment file), with the named training
//! losses and per-frame inference (boxes, scores, masks pasted at input or frame resolution, embeddings).

mod config;
mod error;
mod infer;
mod loss;
mod model;

pub use config::ModelConfig;
pub use error::HvisnetError;
pub use infer::Instance;
pub use loss::{GtPerson, Losses, TrainImage};
pub use model::{Hvisnet, HvisnetOutput};
