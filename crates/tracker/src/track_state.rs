//! The tracker's memory of one identity (FairMOT's `STrack`, without the payload).

use crate::geometry::BBox;
use crate::kalman::{Gaussian, KalmanFilter, Xyah};

/// Life-cycle state of a track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// Matched in the latest frame.
    Tracked,
    /// Not matched recently; kept for re-identification.
    Lost,
    /// Dropped for good.
    Removed,
}

/// Internal per-identity state.
#[derive(Debug, Clone)]
pub(crate) struct TrackState {
    pub id: u64,
    pub lifecycle: Lifecycle,
    /// Confirmed: matched in two consecutive frames (or born in the first frame).
    pub activated: bool,
    pub gaussian: Gaussian,
    /// L2-normalised exponential moving average of the matched embeddings.
    pub smooth_embedding: Vec<f64>,
    pub score: f64,
    /// Last frame (1-based) the track was matched in.
    pub frame_id: u64,
    pub start_frame: u64,
}

impl TrackState {
    pub fn new(id: u64, kf: &KalmanFilter, z: Xyah, embedding: Vec<f64>, score: f64, frame_id: u64) -> Self {
        Self {
            id,
            lifecycle: Lifecycle::Tracked,
            activated: frame_id == 1,
            gaussian: kf.initiate(z),
            smooth_embedding: embedding,
            score,
            frame_id,
            start_frame: frame_id,
        }
    }

    /// Box of the current Kalman mean.
    pub fn bbox(&self) -> BBox {
        BBox::from_xyah(self.gaussian.mean.as_slice())
    }

    /// Absorbs a matched detection: Kalman update, score, embedding EMA; the track becomes Tracked and
    /// confirmed (this covers FairMOT's `update` and `re_activate`, the latter now also taking the score).
    pub fn absorb(&mut self, kf: &KalmanFilter, z: Xyah, embedding: &[f64], score: f64, momentum: f64, frame_id: u64) {
        self.gaussian = kf.update(&self.gaussian, z).unwrap_or_else(|| kf.initiate(z));
        let mut norm = 0.0;
        for (s, e) in self.smooth_embedding.iter_mut().zip(embedding) {
            *s = momentum * *s + (1.0 - momentum) * e;
            norm += *s * *s;
        }
        let norm = norm.sqrt();
        if norm > 0.0 {
            self.smooth_embedding.iter_mut().for_each(|s| *s /= norm);
        } else {
            self.smooth_embedding.copy_from_slice(embedding);
        }
        self.score = score;
        self.lifecycle = Lifecycle::Tracked;
        self.activated = true;
        self.frame_id = frame_id;
    }
}
