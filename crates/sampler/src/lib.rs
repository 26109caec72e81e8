//! Positive-sample assignment for HVISNet: turns one image's person masks and boxes into FCOS training
//! targets for every location of every FPN level, with box-centre, mask-centroid or inner-centre sampling,
//! ambiguity elimination and mixing, plus the statistics that explain them.
//!
//! Plain Rust, no tensor library: the caller (the data pipeline) hands in masks at network resolution and
//! gets flat vectors ([`Targets`]) that map one-to-one onto tensors.

mod approx;
mod assign;
mod centers;
mod config;
mod error;
mod inner;
mod locations;
mod mask;
mod mix;
mod objective;
mod search;
mod stats;
mod targets;

pub use approx::authors_inner_center;
pub use assign::{assign, centerness, positive_region, ImageInput, Person};
pub use centers::{box_center, person_center, Center};
pub use config::{Ambiguity, CenterStrategy, InnerMetric, LevelConfig, Mix, SamplingConfig, SIZE_INF};
pub use error::SamplerError;
pub use inner::{inner_center, inner_minimiser, CenterSource, InnerCenter, Minimiser};
pub use locations::{LevelSlice, Locations};
pub use mask::{MaskGeometry, MaskView};
pub use mix::mix_regions;
pub use objective::{EdgeClusters, EdgePoints};
pub use stats::{positives_inside_mask, ImageStats, InsideShare, StatsAccumulator};
pub use targets::{Assignment, PersonSummary, Targets};
