//! TrackEval's MOTS preprocessing: delete unmatched predictions inside ignore regions, relabel ids 0..n.

use super::frames::SequenceOverlaps;
use crate::lsap::linear_sum_assignment;

/// One timestep after preprocessing: contiguous ids and the IoU matrix `[gt × tracker]`.
#[derive(Debug, Clone, Default)]
pub struct PreparedFrame {
    /// Ground-truth ids, relabelled to `0..num_gt_ids` (sorted original order), in file order.
    pub gt: Vec<usize>,
    /// Tracker ids, relabelled to `0..num_tracker_ids`.
    pub tr: Vec<usize>,
    /// IoU, row-major `[gt × tracker]`.
    pub sim: Vec<f64>,
}

/// A sequence ready for CLEAR (TrackEval rule), Identity and HOTA.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    /// All timesteps.
    pub frames: Vec<PreparedFrame>,
    /// Distinct ground-truth ids.
    pub num_gt_ids: usize,
    /// Distinct tracker ids (after removals).
    pub num_tracker_ids: usize,
    /// Ground-truth masks.
    pub num_gt_dets: u64,
    /// Tracker masks (after removals).
    pub num_tracker_dets: u64,
    /// Tracker masks removed as lying in ignore regions.
    pub removed: u64,
}

/// Runs TrackEval's `get_preprocessed_seq_data` (KITTI MOTS / MOTSChallenge) on one sequence.
pub fn prepare(seq: &SequenceOverlaps) -> Prepared {
    let eps = f64::EPSILON;
    let mut kept: Vec<(Vec<u64>, Vec<u64>, Vec<f64>)> = Vec::with_capacity(seq.frames.len());
    let mut removed = 0u64;
    for fr in &seq.frames {
        let (ng, nt) = (fr.gt_ids.len(), fr.tr_ids.len());
        let mut matched = vec![false; nt];
        if ng > 0 && nt > 0 {
            let cost: Vec<f64> = fr.iou.iter().map(|&s| if s < 0.5 - eps { 10000.0 } else { -s }).collect();
            for (i, j) in linear_sum_assignment(&cost, ng, nt) {
                if -cost[i * nt + j] > eps {
                    matched[j] = true;
                }
            }
        }
        let keep: Vec<usize> = (0..nt).filter(|&j| matched[j] || fr.tr_ignore_ioa[j] <= 0.5 + eps).collect();
        removed += (nt - keep.len()) as u64;
        let tr: Vec<u64> = keep.iter().map(|&j| fr.tr_ids[j]).collect();
        let mut sim = Vec::with_capacity(ng * keep.len());
        for i in 0..ng {
            sim.extend(keep.iter().map(|&j| fr.iou[i * nt + j]));
        }
        kept.push((fr.gt_ids.clone(), tr, sim));
    }
    let relabel = |all: Vec<u64>| {
        let mut u = all;
        u.sort_unstable();
        u.dedup();
        u
    };
    let gt_u = relabel(kept.iter().flat_map(|k| k.0.iter().copied()).collect());
    let tr_u = relabel(kept.iter().flat_map(|k| k.1.iter().copied()).collect());
    let idx = |u: &[u64], id: u64| u.binary_search(&id).expect("id collected above");
    let mut p = Prepared { num_gt_ids: gt_u.len(), num_tracker_ids: tr_u.len(), removed, ..Default::default() };
    for (g, t, sim) in kept {
        p.num_gt_dets += g.len() as u64;
        p.num_tracker_dets += t.len() as u64;
        p.frames.push(PreparedFrame {
            gt: g.iter().map(|&id| idx(&gt_u, id)).collect(),
            tr: t.iter().map(|&id| idx(&tr_u, id)).collect(),
            sim,
        });
    }
    p
}
