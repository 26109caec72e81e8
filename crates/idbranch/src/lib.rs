//! HVISNet's identity-embedding branch (the authors never released it; this design follows the paper's
//! description and FairMOT's re-ID head): a small conv head on every FPN level gives an L2-normalised
//! embedding per location; training combines a batch-hard triplet loss over all positives of the batch
//! (a clip's frames give same-identity pairs across frames) with a cross-entropy over the training
//! identities (class 0 = background): L_id = weight · (w_tri · L_tri + w_ce · L_ce).
//!
//! Identity labels used throughout: `≥ 1` = identity (1-based index into the training identities),
//! `0` = background / not a person (CE only), `−1` = ignore (a person whose identity is unknown).

pub mod config;
pub mod error;
pub mod head;
pub mod loss;
pub mod triplet;

pub use config::IdBranchConfig;
pub use error::IdBranchError;
pub use head::{l2_normalize, IdHead, IdLevelHead};
pub use loss::{id_cross_entropy, IdClassifier, IdLosses};
pub use triplet::batch_hard_triplet_loss;
