//! ID metrics (IDF1, IDP, IDR) as TrackEval's `Identity` computes them.

use super::prepare::Prepared;
use crate::lsap::linear_sum_assignment;

/// Raw identity counts; sequences combine by summing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdentityCounts {
    /// Identity true positives.
    pub idtp: u64,
    /// Identity false positives.
    pub idfp: u64,
    /// Identity false negatives.
    pub idfn: u64,
}

impl IdentityCounts {
    /// Adds another sequence's counts.
    pub fn add(&mut self, o: &IdentityCounts) {
        self.idtp += o.idtp;
        self.idfp += o.idfp;
        self.idfn += o.idfn;
    }
    /// IDF1 = IDTP / max(1, IDTP + ½IDFP + ½IDFN).
    pub fn idf1(&self) -> f64 {
        self.idtp as f64 / (self.idtp as f64 + 0.5 * self.idfp as f64 + 0.5 * self.idfn as f64).max(1.0)
    }
    /// ID recall.
    pub fn idr(&self) -> f64 {
        self.idtp as f64 / ((self.idtp + self.idfn) as f64).max(1.0)
    }
    /// ID precision.
    pub fn idp(&self) -> f64 {
        self.idtp as f64 / ((self.idtp + self.idfp) as f64).max(1.0)
    }
}

/// Global one-to-one id assignment maximising frames matched at IoU ≥ 0.5.
pub fn identity(p: &Prepared) -> IdentityCounts {
    if p.num_tracker_dets == 0 {
        return IdentityCounts { idfn: p.num_gt_dets, ..Default::default() };
    }
    if p.num_gt_dets == 0 {
        return IdentityCounts { idfp: p.num_tracker_dets, ..Default::default() };
    }
    let (ng, nt) = (p.num_gt_ids, p.num_tracker_ids);
    let mut pot = vec![0.0f64; ng * nt];
    let mut gc = vec![0.0f64; ng];
    let mut tc = vec![0.0f64; nt];
    for fr in &p.frames {
        let ntf = fr.tr.len();
        for (i, &g) in fr.gt.iter().enumerate() {
            for (j, &t) in fr.tr.iter().enumerate() {
                if fr.sim[i * ntf + j] >= 0.5 {
                    pot[g * nt + t] += 1.0;
                }
            }
            gc[g] += 1.0;
        }
        for &t in &fr.tr {
            tc[t] += 1.0;
        }
    }
    let n = ng + nt;
    let mut fnm = vec![0.0f64; n * n];
    let mut fpm = vec![0.0f64; n * n];
    for r in ng..n {
        for c in 0..nt {
            fpm[r * n + c] = 1e10;
        }
    }
    for r in 0..ng {
        for c in nt..n {
            fnm[r * n + c] = 1e10;
        }
    }
    for g in 0..ng {
        for c in 0..nt {
            fnm[g * n + c] = gc[g];
        }
        fnm[g * n + nt + g] = gc[g];
    }
    for t in 0..nt {
        for r in 0..ng {
            fpm[r * n + t] = tc[t];
        }
        fpm[(t + ng) * n + t] = tc[t];
    }
    for g in 0..ng {
        for t in 0..nt {
            fnm[g * n + t] -= pot[g * nt + t];
            fpm[g * n + t] -= pot[g * nt + t];
        }
    }
    let cost: Vec<f64> = fnm.iter().zip(&fpm).map(|(a, b)| a + b).collect();
    let (mut idfn, mut idfp) = (0.0, 0.0);
    for (r, c) in linear_sum_assignment(&cost, n, n) {
        idfn += fnm[r * n + c];
        idfp += fpm[r * n + c];
    }
    let (idfn, idfp) = (idfn as u64, idfp as u64);
    IdentityCounts { idtp: p.num_gt_dets - idfn, idfp, idfn }
}
