//! HVISNet's match module: links per-frame person detections into identities over a video.
//!
//! A constant-velocity [`KalmanFilter`] predicts each track's box; [`Tracker::update`] runs FairMOT's association
//! cascade with HVISNet's thresholds ([`TrackerConfig`]): embedding distance fused with motion, then IoU for the
//! leftovers, then unconfirmed tracks, then new tracks; lost tracks are kept for re-identification. Matching
//! uses [`assign_with_limit`] (minimum-cost assignment with a cost limit). Each output [`Track`] carries the
//! payload (for example the mask) of the detection it matched in that frame. Plain Rust: no tensors.
//!
//! ```
//! use tracker::{BBox, Detection, Tracker, TrackerConfig};
//! let mut tracker = Tracker::new(TrackerConfig::default()).unwrap();
//! for frame in 0..3 {
//!     let x = 10.0 + 2.0 * frame as f64;
//!     let det = Detection { bbox: BBox::from_corners([x, 20.0, x + 30.0, 100.0]), score: 0.9, embedding: vec![1.0, 0.0], payload: frame };
//!     let tracks = tracker.update(vec![det]).unwrap();
//!     assert_eq!(tracks[0].id, 1);
//!     assert_eq!(tracks[0].payload, frame);
//! }
//! ```

pub mod assignment;
pub mod config;
pub mod detection;
pub mod error;
pub mod geometry;
pub mod kalman;
pub mod scenario;
mod track_state;
pub mod tracker;

pub use assignment::{Assignment, AssignmentError, CostMatrix, assign_with_limit, linear_sum_assignment};
pub use config::TrackerConfig;
pub use detection::{Detection, Track};
pub use error::TrackerError;
pub use geometry::BBox;
pub use kalman::{CHI2_95, Gaussian, KalmanFilter};
pub use track_state::Lifecycle;
pub use tracker::{Tracker, TrackerStats};
