//! HOTA (DetA, AssA, LocA) as TrackEval's `HOTA` computes it, per alpha in 0.05..0.95.

use super::prepare::Prepared;
use crate::lsap::linear_sum_assignment;

/// Number of localisation thresholds alpha.
pub const N_ALPHA: usize = 19;

/// The thresholds `0.05 + i·0.05`, bit-identical to `np.arange(0.05, 0.99, 0.05)`.
pub fn alphas() -> [f64; N_ALPHA] {
    std::array::from_fn(|i| 0.05 + i as f64 * 0.05)
}

/// Per-alpha HOTA state of one sequence (or a combination).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HotaCounts {
    /// Matches per alpha.
    pub tp: Vec<f64>,
    /// Unmatched ground truth per alpha.
    pub fn_: Vec<f64>,
    /// Unmatched predictions per alpha.
    pub fp: Vec<f64>,
    /// Association accuracy per alpha.
    pub ass_a: Vec<f64>,
    /// Association recall per alpha.
    pub ass_re: Vec<f64>,
    /// Association precision per alpha.
    pub ass_pr: Vec<f64>,
    /// Localisation accuracy per alpha.
    pub loc_a: Vec<f64>,
}

impl HotaCounts {
    fn zeros() -> HotaCounts {
        let z = vec![0.0; N_ALPHA];
        HotaCounts {
            tp: z.clone(),
            fn_: z.clone(),
            fp: z.clone(),
            ass_a: z.clone(),
            ass_re: z.clone(),
            ass_pr: z.clone(),
            loc_a: z,
        }
    }

    /// Detection accuracy per alpha: TP / max(1, TP+FN+FP).
    pub fn det_a(&self) -> Vec<f64> {
        (0..N_ALPHA).map(|a| self.tp[a] / (self.tp[a] + self.fn_[a] + self.fp[a]).max(1.0)).collect()
    }
    /// Detection recall per alpha.
    pub fn det_re(&self) -> Vec<f64> {
        (0..N_ALPHA).map(|a| self.tp[a] / (self.tp[a] + self.fn_[a]).max(1.0)).collect()
    }
    /// Detection precision per alpha.
    pub fn det_pr(&self) -> Vec<f64> {
        (0..N_ALPHA).map(|a| self.tp[a] / (self.tp[a] + self.fp[a]).max(1.0)).collect()
    }
    /// HOTA per alpha: sqrt(DetA · AssA).
    pub fn hota(&self) -> Vec<f64> {
        self.det_a().iter().zip(&self.ass_a).map(|(d, a)| (d * a).sqrt()).collect()
    }

    /// Combines sequences as TrackEval does: sums TP/FN/FP, averages AssA/AssRe/AssPr/LocA weighted by TP.
    pub fn combine<'a>(all: impl IntoIterator<Item = &'a HotaCounts>) -> HotaCounts {
        let all: Vec<&HotaCounts> = all.into_iter().collect();
        let mut r = HotaCounts::zeros();
        for a in 0..N_ALPHA {
            for s in &all {
                r.tp[a] += s.tp[a];
                r.fn_[a] += s.fn_[a];
                r.fp[a] += s.fp[a];
            }
            let w = |f: fn(&HotaCounts) -> &Vec<f64>| all.iter().map(|s| f(s)[a] * s.tp[a]).sum::<f64>();
            r.ass_a[a] = w(|s| &s.ass_a) / r.tp[a].max(1.0);
            r.ass_re[a] = w(|s| &s.ass_re) / r.tp[a].max(1.0);
            r.ass_pr[a] = w(|s| &s.ass_pr) / r.tp[a].max(1.0);
            r.loc_a[a] = w(|s| &s.loc_a).max(1e-10) / r.tp[a].max(1e-10);
        }
        r
    }
}

/// Mean over the alphas (what tables report as HOTA, DetA, AssA, LocA).
pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// HOTA of one preprocessed sequence.
pub fn hota(p: &Prepared) -> HotaCounts {
    let mut r = HotaCounts::zeros();
    if p.num_tracker_dets == 0 || p.num_gt_dets == 0 {
        let v = if p.num_tracker_dets == 0 { &mut r.fn_ } else { &mut r.fp };
        let n = if p.num_tracker_dets == 0 { p.num_gt_dets } else { p.num_tracker_dets };
        v.iter_mut().for_each(|x| *x = n as f64);
        r.loc_a.iter_mut().for_each(|x| *x = 1.0);
        return r;
    }
    let eps = f64::EPSILON;
    let (ng, nt) = (p.num_gt_ids, p.num_tracker_ids);
    let mut pot = vec![0.0f64; ng * nt];
    let mut gc = vec![0.0f64; ng];
    let mut tc = vec![0.0f64; nt];
    for fr in &p.frames {
        let (a, b) = (fr.gt.len(), fr.tr.len());
        let col: Vec<f64> = (0..b).map(|j| (0..a).map(|i| fr.sim[i * b + j]).sum()).collect();
        let row: Vec<f64> = (0..a).map(|i| (0..b).map(|j| fr.sim[i * b + j]).sum()).collect();
        for i in 0..a {
            for j in 0..b {
                let s = fr.sim[i * b + j];
                let den = col[j] + row[i] - s;
                if den > eps {
                    pot[fr.gt[i] * nt + fr.tr[j]] += s / den;
                }
            }
        }
        for &g in &fr.gt {
            gc[g] += 1.0;
        }
        for &t in &fr.tr {
            tc[t] += 1.0;
        }
    }
    let align: Vec<f64> =
        (0..ng * nt).map(|k| pot[k] / (gc[k / nt] + tc[k % nt] - pot[k])).collect();
    let alphas = alphas();
    let mut matches = vec![vec![0.0f64; ng * nt]; N_ALPHA];
    for fr in &p.frames {
        let (a, b) = (fr.gt.len(), fr.tr.len());
        if a == 0 || b == 0 {
            let (v, n) = if a == 0 { (&mut r.fp, b) } else { (&mut r.fn_, a) };
            v.iter_mut().for_each(|x| *x += n as f64);
            continue;
        }
        let cost: Vec<f64> = (0..a * b)
            .map(|k| -(align[fr.gt[k / b] * nt + fr.tr[k % b]] * fr.sim[k]))
            .collect();
        let pairs = linear_sum_assignment(&cost, a, b);
        for (ai, &alpha) in alphas.iter().enumerate() {
            let mut m = 0usize;
            let mut loc = 0.0;
            for &(i, j) in &pairs {
                let s = fr.sim[i * b + j];
                if s >= alpha - eps {
                    m += 1;
                    loc += s;
                    matches[ai][fr.gt[i] * nt + fr.tr[j]] += 1.0;
                }
            }
            r.tp[ai] += m as f64;
            r.fn_[ai] += (a - m) as f64;
            r.fp[ai] += (b - m) as f64;
            r.loc_a[ai] += loc;
        }
    }
    for ai in 0..N_ALPHA {
        let (mut sa, mut sre, mut spr) = (0.0, 0.0, 0.0);
        for k in 0..ng * nt {
            let m = matches[ai][k];
            let (g, t) = (gc[k / nt], tc[k % nt]);
            sa += m * (m / (g + t - m).max(1.0));
            sre += m * (m / g.max(1.0));
            spr += m * (m / t.max(1.0));
        }
        let d = r.tp[ai].max(1.0);
        r.ass_a[ai] = sa / d;
        r.ass_re[ai] = sre / d;
        r.ass_pr[ai] = spr / d;
        r.loc_a[ai] = r.loc_a[ai].max(1e-10) / r.tp[ai].max(1e-10);
    }
    r
}
