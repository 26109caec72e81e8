//! CLEAR-MOT counts for masks: TP, FP, FN, IDS, Frag, MT/PT/ML and the soft TP (Σ IoU of matches).

use super::frames::SequenceOverlaps;
use super::prepare::Prepared;
use crate::lsap::linear_sum_assignment;

/// Raw CLEAR counts of one sequence (or several, summed).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClearCounts {
    /// Matched ground-truth masks.
    pub tp: u64,
    /// Unmatched, non-ignored predictions.
    pub fp: u64,
    /// Unmatched ground-truth masks.
    pub fn_: u64,
    /// Identity switches.
    pub ids: u64,
    /// Fragmentations (definition depends on the variant).
    pub frag: u64,
    /// Mostly tracked ground-truth tracks.
    pub mt: u64,
    /// Partly tracked ground-truth tracks.
    pub pt: u64,
    /// Mostly lost ground-truth tracks.
    pub ml: u64,
    /// Σ IoU over matches (the soft TP of sMOTSA).
    pub soft_tp: f64,
    /// Predictions left unmatched inside ignore regions (not counted as FP).
    pub ignored: u64,
}

impl ClearCounts {
    /// Adds another sequence's counts (the combined result sums counts, then applies the formulas).
    pub fn add(&mut self, o: &ClearCounts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
        self.ids += o.ids;
        self.frag += o.frag;
        self.mt += o.mt;
        self.pt += o.pt;
        self.ml += o.ml;
        self.soft_tp += o.soft_tp;
        self.ignored += o.ignored;
    }
}

/// mots_tools counting (`compute_MOTS_metrics_per_sequence`): IoU > 0.5 matches; with `frames`, only the listed
/// timesteps are visited in that order (the `hvisnet` variant), else all timesteps in order.
pub fn clear_mots_tools(seq: &SequenceOverlaps, frames: Option<&[usize]>) -> ClearCounts {
    let all: Vec<usize> = (0..seq.frames.len()).collect();
    let order = frames.unwrap_or(&all);
    let mut c = ClearCounts::default();
    // One entry per frame where the ground-truth track exists: matched tracker id or None.
    let mut trajectories: Vec<(u64, Vec<Option<u64>>)> = Vec::new();
    let mut slot = std::collections::HashMap::new();
    for &f in order {
        let fr = &seq.frames[f];
        let nt = fr.tr_ids.len();
        let mut tr_matched = vec![false; nt];
        let mut matches = 0u64;
        for (g, &gid) in fr.gt_ids.iter().enumerate() {
            let k = *slot.entry(gid).or_insert_with(|| {
                trajectories.push((gid, Vec::new()));
                trajectories.len() - 1
            });
            trajectories[k].1.push(None);
            for (t, &tid) in fr.tr_ids.iter().enumerate() {
                let iou = fr.iou(g, t);
                if iou > 0.5 {
                    tr_matched[t] = true;
                    c.soft_tp += iou;
                    c.tp += 1;
                    matches += 1;
                    *trajectories[k].1.last_mut().expect("pushed above") = Some(tid);
                }
            }
        }
        let ignored = (0..nt).filter(|&t| !tr_matched[t] && fr.tr_ignore_ioa[t] > 0.5).count() as u64;
        c.ignored += ignored;
        c.fn_ += fr.gt_ids.len() as u64 - matches;
        c.fp += nt as u64 - matches - ignored;
    }
    for (_, g) in &trajectories {
        if g.iter().all(Option::is_none) {
            c.ml += 1;
            continue;
        }
        let mut last = g[0];
        let mut tracked = u64::from(g[0].is_some());
        let n = g.len();
        for f in 1..n {
            if last != g[f] && last.is_some() && g[f].is_some() {
                c.ids += 1;
            }
            if f < n - 1 && g[f - 1] != g[f] && last.is_some() && g[f].is_some() && g[f + 1].is_some() {
                c.frag += 1;
            }
            if g[f].is_some() {
                tracked += 1;
                last = g[f];
            }
        }
        if n > 1 && g[n - 2] != g[n - 1] && last.is_some() && g[n - 1].is_some() {
            c.frag += 1;
        }
        let ratio = tracked as f64 / n as f64;
        if ratio > 0.8 {
            c.mt += 1;
        } else if ratio < 0.2 {
            c.ml += 1;
        } else {
            c.pt += 1;
        }
    }
    c
}

/// TrackEval's CLEAR (`metrics/clear.py`) on preprocessed data: Hungarian matching on
/// `1000·[continues the previous frame's match] + IoU`, IoU ≥ 0.5 − ε.
pub fn clear_trackeval(p: &Prepared) -> ClearCounts {
    let mut c = ClearCounts::default();
    if p.num_tracker_dets == 0 {
        c.fn_ = p.num_gt_dets;
        c.ml = p.num_gt_ids as u64;
        return c;
    }
    if p.num_gt_dets == 0 {
        c.fp = p.num_tracker_dets;
        return c;
    }
    let ng = p.num_gt_ids;
    let mut gt_count = vec![0u64; ng];
    let mut gt_matched = vec![0u64; ng];
    let mut gt_frag = vec![0u64; ng];
    let mut prev_tr: Vec<Option<usize>> = vec![None; ng];
    let mut prev_step_tr: Vec<Option<usize>> = vec![None; ng];
    let eps = f64::EPSILON;
    for fr in &p.frames {
        let (ng_t, nt_t) = (fr.gt.len(), fr.tr.len());
        if ng_t == 0 {
            c.fp += nt_t as u64;
            continue;
        }
        if nt_t == 0 {
            c.fn_ += ng_t as u64;
            for &g in &fr.gt {
                gt_count[g] += 1;
            }
            continue;
        }
        let mut neg = vec![0.0f64; ng_t * nt_t];
        for (i, &g) in fr.gt.iter().enumerate() {
            for (j, &t) in fr.tr.iter().enumerate() {
                let sim = fr.sim[i * nt_t + j];
                let cont = if prev_step_tr[g] == Some(t) { 1000.0 } else { 0.0 };
                let score = if sim < 0.5 - eps { 0.0 } else { cont + sim };
                neg[i * nt_t + j] = -score;
            }
        }
        let pairs: Vec<(usize, usize)> = linear_sum_assignment(&neg, ng_t, nt_t)
            .into_iter()
            .filter(|&(i, j)| -neg[i * nt_t + j] > eps)
            .collect();
        for &(i, j) in &pairs {
            let (g, t) = (fr.gt[i], fr.tr[j]);
            if prev_tr[g].is_some_and(|p| p != t) {
                c.ids += 1;
            }
        }
        for &g in &fr.gt {
            gt_count[g] += 1;
        }
        let not_prev: Vec<bool> = prev_step_tr.iter().map(Option::is_none).collect();
        prev_step_tr.iter_mut().for_each(|x| *x = None);
        let mut soft = 0.0;
        for &(i, j) in &pairs {
            let (g, t) = (fr.gt[i], fr.tr[j]);
            gt_matched[g] += 1;
            prev_tr[g] = Some(t);
            prev_step_tr[g] = Some(t);
            soft += fr.sim[i * nt_t + j];
        }
        for g in 0..ng {
            if not_prev[g] && prev_step_tr[g].is_some() {
                gt_frag[g] += 1;
            }
        }
        let m = pairs.len() as u64;
        c.tp += m;
        c.fn_ += ng_t as u64 - m;
        c.fp += nt_t as u64 - m;
        c.soft_tp += soft;
    }
    for g in 0..ng {
        if gt_count[g] == 0 {
            continue;
        }
        let r = gt_matched[g] as f64 / gt_count[g] as f64;
        if r > 0.8 {
            c.mt += 1;
        } else if r >= 0.2 {
            c.pt += 1;
        }
    }
    c.ml = ng as u64 - c.mt - c.pt;
    c.frag = gt_frag.iter().filter(|&&n| n > 0).map(|n| n - 1).sum();
    c.ignored = p.removed;
    c
}
