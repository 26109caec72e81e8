//! Positive-sample assignment for HVISNet: turns one image's person masks and boxes into FCOS training
//! targets for every location of every FPN level, with box-centre, mask-centroid or inner-centre sampling,
//! ambiguity elimination and mixing, plus the statistics that explain them.

mod config;
mod error;
mod inner;
mod mask;
mod objective;
mod search;

pub use config::{Ambiguity, CenterStrategy, InnerMetric, LevelConfig, Mix, SamplingConfig, SIZE_INF};
pub use error::SamplerError;
pub use inner::{inner_center, inner_minimiser, CenterSource, InnerCenter, Minimiser};
pub use mask::{MaskGeometry, MaskView};
pub use objective::EdgePoints;
