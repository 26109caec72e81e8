//! The online multi-person tracker: FairMOT's association cascade with HVISNet's thresholds.

use crate::assignment::{Assignment, CostMatrix, assign_with_limit};
use crate::config::TrackerConfig;
use crate::detection::{Detection, Track};
use crate::error::TrackerError;
use crate::geometry::BBox;
use crate::kalman::{KalmanFilter, Xyah};
use crate::track_state::{Lifecycle, TrackState};

/// A detection after validation, with its normalised embedding.
struct Candidate {
    index: usize,
    bbox: BBox,
    xyah: Xyah,
    score: f64,
    embedding: Vec<f64>,
}

/// Counts of what the tracker holds, for logging and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrackerStats {
    /// Frames processed so far.
    pub frames: u64,
    /// Confirmed tracks matched in the latest frame.
    pub tracked: usize,
    /// Tracks born in the latest frame, waiting for a second match.
    pub unconfirmed: usize,
    /// Tracks kept for re-identification.
    pub lost: usize,
    /// Identities handed out so far.
    pub ids_issued: u64,
}

/// Online tracker: feed it each frame's detections in order, get the tracked people of that frame back.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackerConfig,
    kf: KalmanFilter,
    /// Tracks matched in the latest frame (confirmed and unconfirmed).
    tracked: Vec<TrackState>,
    /// Tracks not matched recently, kept for `max_time_lost` frames.
    lost: Vec<TrackState>,
    frame_id: u64,
    next_id: u64,
    embedding_dim: Option<usize>,
}

impl Tracker {
    /// A tracker with the given settings (checked with [`TrackerConfig::validate`]).
    pub fn new(config: TrackerConfig) -> Result<Self, TrackerError> {
        config.validate()?;
        let kf = KalmanFilter {
            std_weight_position: config.kalman_position_noise,
            std_weight_velocity: config.kalman_velocity_noise,
        };
        Ok(Self { config, kf, tracked: Vec::new(), lost: Vec::new(), frame_id: 0, next_id: 1, embedding_dim: None })
    }

    /// The settings in use.
    pub fn config(&self) -> &TrackerConfig {
        &self.config
    }

    /// What the tracker currently holds.
    pub fn stats(&self) -> TrackerStats {
        TrackerStats {
            frames: self.frame_id,
            tracked: self.tracked.iter().filter(|t| t.activated).count(),
            unconfirmed: self.tracked.iter().filter(|t| !t.activated).count(),
            lost: self.lost.len(),
            ids_issued: self.next_id - 1,
        }
    }

    /// Processes the next frame. Returns the confirmed tracks matched in this frame, sorted by id, each carrying
    /// the payload of the detection it matched. Invalid detections are rejected before any state changes.
    pub fn update<T>(&mut self, detections: Vec<Detection<T>>) -> Result<Vec<Track<T>>, TrackerError> {
        let candidates = self.validate(&detections)?;
        self.frame_id += 1;
        let frame = self.frame_id;
        let cfg = self.config.clone();
        let kf = self.kf;

        // Split the previous tracks: confirmed ones join the lost ones in the pool and are predicted;
        // unconfirmed ones keep their birth box.
        let (mut unconfirmed, confirmed): (Vec<_>, Vec<_>) = std::mem::take(&mut self.tracked).into_iter().partition(|t| !t.activated);
        let mut pool: Vec<TrackState> = confirmed;
        pool.append(&mut self.lost);
        for t in pool.iter_mut() {
            if t.lifecycle != Lifecycle::Tracked {
                t.gaussian.mean[7] = 0.0;
            }
            t.gaussian = kf.predict(&t.gaussian);
        }
        // (track, detection) for every match of this frame, as positions in `pool` / `unconfirmed` and `candidates`.
        let mut matched: Vec<(u64, usize)> = Vec::new();

        // Stage 1: embedding distance fused with motion, gated by Mahalanobis distance.
        let all_dets: Vec<usize> = (0..candidates.len()).collect();
        let all_pool: Vec<usize> = (0..pool.len()).collect();
        let cost = self.fused_cost(&pool, &all_pool, &candidates, &all_dets);
        let a1 = assign_with_limit(&cost, cfg.embedding_max_distance)?;
        for &(r, c) in &a1.matches {
            let d = &candidates[c];
            pool[r].absorb(&kf, d.xyah, &d.embedding, d.score, cfg.embedding_momentum, frame);
            matched.push((pool[r].id, d.index));
        }

        // Stage 2: IoU for the leftovers among tracks that were tracked in the previous frame.
        let r_tracks: Vec<usize> = a1.unmatched_rows.iter().copied().filter(|&r| pool[r].lifecycle == Lifecycle::Tracked).collect();
        let r_dets = a1.unmatched_cols.clone();
        let a2 = iou_assign(pool.iter().collect(), &r_tracks, &candidates, &r_dets, cfg.iou_max_distance)?;
        for &(ri, ci) in &a2.matches {
            let (r, d) = (r_tracks[ri], &candidates[r_dets[ci]]);
            pool[r].absorb(&kf, d.xyah, &d.embedding, d.score, cfg.embedding_momentum, frame);
            matched.push((pool[r].id, d.index));
        }
        for &ri in &a2.unmatched_rows {
            pool[r_tracks[ri]].lifecycle = Lifecycle::Lost;
        }

        // Unconfirmed tracks (born last frame) against what is left, by IoU with their birth box.
        let u_dets: Vec<usize> = a2.unmatched_cols.iter().map(|&ci| r_dets[ci]).collect();
        let all_unconfirmed: Vec<usize> = (0..unconfirmed.len()).collect();
        let a3 = iou_assign(unconfirmed.iter().collect(), &all_unconfirmed, &candidates, &u_dets, cfg.unconfirmed_iou_max_distance)?;
        for &(r, ci) in &a3.matches {
            let d = &candidates[u_dets[ci]];
            unconfirmed[r].absorb(&kf, d.xyah, &d.embedding, d.score, cfg.embedding_momentum, frame);
            matched.push((unconfirmed[r].id, d.index));
        }
        for &r in &a3.unmatched_rows {
            unconfirmed[r].lifecycle = Lifecycle::Removed;
        }

        // New tracks from confident leftovers (confirmed at once only in the very first frame).
        let mut born = Vec::new();
        for &ci in &a3.unmatched_cols {
            let d = &candidates[u_dets[ci]];
            if d.score >= cfg.new_track_score {
                let t = TrackState::new(self.next_id, &kf, d.xyah, d.embedding.clone(), d.score, frame);
                self.next_id += 1;
                matched.push((t.id, d.index));
                born.push(t);
            }
        }

        // Lost tracks past their buffer are removed.
        for t in pool.iter_mut() {
            if t.lifecycle == Lifecycle::Lost && frame - t.frame_id > u64::from(cfg.max_time_lost) {
                t.lifecycle = Lifecycle::Removed;
            }
        }

        let mut tracked: Vec<TrackState> = Vec::new();
        let mut lost: Vec<TrackState> = Vec::new();
        for t in pool.into_iter().chain(unconfirmed).chain(born) {
            match t.lifecycle {
                Lifecycle::Tracked => tracked.push(t),
                Lifecycle::Lost => lost.push(t),
                Lifecycle::Removed => {}
            }
        }
        remove_duplicates(&mut tracked, &mut lost, cfg.duplicate_max_iou_distance);
        tracked.sort_by_key(|t| t.id);
        lost.sort_by_key(|t| t.id);
        self.tracked = tracked;
        self.lost = lost;

        // Output: confirmed tracks matched this frame, with the matched detection's payload.
        let mut slots: Vec<Option<Detection<T>>> = detections.into_iter().map(Some).collect();
        let mut out = Vec::new();
        for t in self.tracked.iter().filter(|t| t.activated) {
            let Some(&(_, det_index)) = matched.iter().find(|(id, _)| *id == t.id) else { continue };
            let bbox = t.bbox();
            if bbox.area() <= cfg.min_box_area || bbox.width() / bbox.height() > cfg.max_aspect_ratio {
                continue;
            }
            let Some(det) = slots[det_index].take() else { continue };
            out.push(Track { id: t.id, bbox, detection_bbox: det.bbox, score: det.score, detection_index: det_index, payload: det.payload });
        }
        Ok(out)
    }

    /// Checks every detection and normalises embeddings; drops those under `min_detection_score`.
    fn validate<T>(&mut self, detections: &[Detection<T>]) -> Result<Vec<Candidate>, TrackerError> {
        let mut dim = self.embedding_dim;
        let mut out = Vec::with_capacity(detections.len());
        for (index, d) in detections.iter().enumerate() {
            if !d.bbox.is_valid() {
                return Err(TrackerError::InvalidBox { index, bbox: d.bbox.corners() });
            }
            if !d.score.is_finite() {
                return Err(TrackerError::InvalidScore { index, score: d.score });
            }
            let e = &d.embedding;
            if e.is_empty() {
                return Err(TrackerError::InvalidEmbedding { index, reason: "is empty".into() });
            }
            match dim {
                Some(expected) if expected != e.len() => {
                    return Err(TrackerError::EmbeddingDim { index, got: e.len(), expected });
                }
                _ => dim = Some(e.len()),
            }
            if let Some(i) = e.iter().position(|v| !v.is_finite()) {
                return Err(TrackerError::InvalidEmbedding { index, reason: format!("entry {i} is {}", e[i]) });
            }
            let norm = e.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt();
            if norm == 0.0 {
                return Err(TrackerError::InvalidEmbedding { index, reason: "has zero norm".into() });
            }
            if d.score < self.config.min_detection_score {
                continue;
            }
            let embedding = e.iter().map(|&v| f64::from(v) / norm).collect();
            out.push(Candidate { index, bbox: d.bbox, xyah: d.bbox.to_xyah(), score: d.score, embedding });
        }
        self.embedding_dim = dim;
        Ok(out)
    }

    /// Stage-1 cost: λ·max(0, cosine distance) + (1−λ)·squared Mahalanobis, +∞ beyond the gate.
    fn fused_cost(&self, tracks: &[TrackState], rows: &[usize], dets: &[Candidate], cols: &[usize]) -> CostMatrix {
        let lambda = self.config.appearance_weight;
        let measurements: Vec<Xyah> = cols.iter().map(|&c| dets[c].xyah).collect();
        let mut cost = CostMatrix::from_fn(rows.len(), cols.len(), |_, _| f64::INFINITY);
        for (ri, &r) in rows.iter().enumerate() {
            let t = &tracks[r];
            let Some(maha) = self.kf.gating_distance(&t.gaussian, &measurements, false) else { continue };
            for (ci, &c) in cols.iter().enumerate() {
                if maha[ci].is_nan() || maha[ci] > self.config.gating_threshold {
                    continue;
                }
                let dot: f64 = t.smooth_embedding.iter().zip(&dets[c].embedding).map(|(a, b)| a * b).sum();
                let emb = (1.0 - dot).max(0.0);
                cost.set(ri, ci, lambda * emb + (1.0 - lambda) * maha[ci]);
            }
        }
        cost
    }
}

/// Assignment on 1 − IoU between the chosen tracks' boxes and the chosen detections' boxes.
fn iou_assign(tracks: Vec<&TrackState>, rows: &[usize], dets: &[Candidate], cols: &[usize], limit: f64) -> Result<Assignment, TrackerError> {
    let boxes: Vec<BBox> = rows.iter().map(|&r| tracks[r].bbox()).collect();
    let cost = CostMatrix::from_fn(rows.len(), cols.len(), |r, c| 1.0 - boxes[r].iou(&dets[cols[c]].bbox));
    Ok(assign_with_limit(&cost, limit)?)
}

/// FairMOT's `remove_duplicate_stracks`: a tracked and a lost track overlapping with 1 − IoU below `max_distance`
/// are one person; the one with the shorter history goes (the tracked one on a tie).
fn remove_duplicates(tracked: &mut Vec<TrackState>, lost: &mut Vec<TrackState>, max_distance: f64) {
    let tb: Vec<BBox> = tracked.iter().map(TrackState::bbox).collect();
    let lb: Vec<BBox> = lost.iter().map(TrackState::bbox).collect();
    let mut drop_tracked = vec![false; tracked.len()];
    let mut drop_lost = vec![false; lost.len()];
    for (p, a) in tracked.iter().enumerate() {
        for (q, b) in lost.iter().enumerate() {
            if 1.0 - tb[p].iou(&lb[q]) < max_distance {
                let age_p = a.frame_id - a.start_frame;
                let age_q = b.frame_id - b.start_frame;
                if age_p > age_q {
                    drop_lost[q] = true;
                } else {
                    drop_tracked[p] = true;
                }
            }
        }
    }
    let mut i = 0;
    tracked.retain(|_| (!drop_tracked[i], i += 1).0);
    let mut j = 0;
    lost.retain(|_| (!drop_lost[j], j += 1).0);
}
