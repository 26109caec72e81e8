//! Every threshold of the match module, with HVISNet's values as defaults (model-spec §5.4, §6).

use serde::{Deserialize, Serialize};

use crate::error::TrackerError;

/// Tracker settings; the experiment config embeds this as its `[tracker]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrackerConfig {
    /// Detections scoring below this are dropped before tracking (HVISNet: the detector's test threshold, 0.5).
    pub min_detection_score: f64,
    /// A leftover detection starts a new track only if its score is at least this (`det_thresh`, 0.5).
    pub new_track_score: f64,
    /// Stage 1 cost limit: fused embedding/motion cost above this stays unmatched (HVISNet 0.7; FairMOT 0.4).
    pub embedding_max_distance: f64,
    /// Weight λ of the embedding distance in the fused cost λ·d_emb + (1−λ)·d_maha (0.98).
    pub appearance_weight: f64,
    /// Squared-Mahalanobis gate on (cx, cy, a, h): pairs beyond it are forbidden in stage 1 (χ²₀.₉₅, 4 dof = 9.4877).
    pub gating_threshold: f64,
    /// Stage 2 cost limit on 1 − IoU for leftover tracked tracks (0.5, i.e. IoU ≥ 0.5).
    pub iou_max_distance: f64,
    /// Cost limit on 1 − IoU for unconfirmed (one-frame-old) tracks (0.7, i.e. IoU ≥ 0.3).
    pub unconfirmed_iou_max_distance: f64,
    /// A lost track is kept this many frames for re-identification before it is removed (30).
    pub max_time_lost: u32,
    /// A tracked and a lost track with 1 − IoU below this are duplicates; the younger one is dropped (0.15).
    pub duplicate_max_iou_distance: f64,
    /// Momentum α of the per-track embedding average: smooth ← α·smooth + (1−α)·new, then L2-normalised (0.9).
    pub embedding_momentum: f64,
    /// Output filter: tracks whose (Kalman) box area w·h is not above this are not reported (200 px²).
    pub min_box_area: f64,
    /// Output filter: tracks with w/h above this are not reported (1.6, tuned for standing people; `inf` disables).
    pub max_aspect_ratio: f64,
    /// Kalman position noise per unit of box height (1/20).
    pub kalman_position_noise: f64,
    /// Kalman velocity noise per unit of box height (1/160).
    pub kalman_velocity_noise: f64,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            min_detection_score: 0.5,
            new_track_score: 0.5,
            embedding_max_distance: 0.7,
            appearance_weight: 0.98,
            gating_threshold: crate::kalman::CHI2_95[3],
            iou_max_distance: 0.5,
            unconfirmed_iou_max_distance: 0.7,
            max_time_lost: 30,
            duplicate_max_iou_distance: 0.15,
            embedding_momentum: 0.9,
            min_box_area: 200.0,
            max_aspect_ratio: 1.6,
            kalman_position_noise: 1.0 / 20.0,
            kalman_velocity_noise: 1.0 / 160.0,
        }
    }
}

impl TrackerConfig {
    /// FairMOT's values (stage-1 limit 0.4, new tracks from score 0.4) for comparison with its tracker.
    pub fn fairmot() -> Self {
        Self { min_detection_score: 0.4, new_track_score: 0.4, embedding_max_distance: 0.4, min_box_area: 100.0, ..Self::default() }
    }

    /// Checks every value is in its meaningful range; the error names the field and what was expected.
    pub fn validate(&self) -> Result<(), TrackerError> {
        let bad = |field: &'static str, value: f64, expected: &'static str| {
            Err(TrackerError::Config { field, value, expected })
        };
        let unit = [
            ("appearance_weight", self.appearance_weight),
            ("embedding_momentum", self.embedding_momentum),
        ];
        for (field, v) in unit {
            if !(0.0..=1.0).contains(&v) {
                return bad(field, v, "a number in [0, 1]");
            }
        }
        let distances = [
            ("embedding_max_distance", self.embedding_max_distance),
            ("iou_max_distance", self.iou_max_distance),
            ("unconfirmed_iou_max_distance", self.unconfirmed_iou_max_distance),
            ("duplicate_max_iou_distance", self.duplicate_max_iou_distance),
        ];
        for (field, v) in distances {
            if !(v.is_finite() && v >= 0.0) {
                return bad(field, v, "a finite number >= 0");
            }
        }
        let finite = [
            ("min_detection_score", self.min_detection_score),
            ("new_track_score", self.new_track_score),
            ("min_box_area", self.min_box_area),
        ];
        for (field, v) in finite {
            if !v.is_finite() {
                return bad(field, v, "a finite number");
            }
        }
        if self.gating_threshold.is_nan() || self.gating_threshold <= 0.0 {
            return bad("gating_threshold", self.gating_threshold, "a number > 0 (inf disables gating)");
        }
        if self.max_aspect_ratio.is_nan() || self.max_aspect_ratio <= 0.0 {
            return bad("max_aspect_ratio", self.max_aspect_ratio, "a number > 0 (inf disables the filter)");
        }
        for (field, v) in [("kalman_position_noise", self.kalman_position_noise), ("kalman_velocity_noise", self.kalman_velocity_noise)] {
            if !(v.is_finite() && v > 0.0) {
                return bad(field, v, "a finite number > 0");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_hvisnets_and_valid() {
        let c = TrackerConfig::default();
        assert_eq!((c.embedding_max_distance, c.new_track_score, c.max_time_lost), (0.7, 0.5, 30));
        assert_eq!(c.gating_threshold, 9.4877);
        c.validate().unwrap();
        TrackerConfig::fairmot().validate().unwrap();
    }

    #[test]
    fn bad_values_name_the_field() {
        let c = TrackerConfig { appearance_weight: 1.5, ..Default::default() };
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("appearance_weight"), "{e}");
    }
}
