//! pycocotools `accumulate` (precision/recall arrays) and `summarize` (the 12 stats).

use super::evaluate::EvalImg;
use super::params::{Params, numpy_sum};

/// `np.spacing(1)`.
const SPACING_1: f64 = 2.220446049250313e-16;

/// Accumulated curves, laid out as pycocotools' arrays (row-major, −1 where undefined).
#[derive(Debug, Clone, PartialEq)]
pub struct Accumulated {
    /// Shape `[T, R, K, A, M]`.
    pub precision: Vec<f64>,
    /// Shape `[T, K, A, M]`.
    pub recall: Vec<f64>,
    /// Shape `[T, R, K, A, M]`: the score at each recall threshold.
    pub scores: Vec<f64>,
    /// `[T, R, K, A, M]`.
    pub shape: [usize; 5],
}

impl Accumulated {
    /// Index into `precision`.
    pub fn p_idx(&self, t: usize, r: usize, k: usize, a: usize, m: usize) -> usize {
        let [_, rn, kn, an, mn] = self.shape;
        (((t * rn + r) * kn + k) * an + a) * mn + m
    }
    /// Index into `recall`.
    pub fn r_idx(&self, t: usize, k: usize, a: usize, m: usize) -> usize {
        let [_, _, kn, an, mn] = self.shape;
        ((t * kn + k) * an + a) * mn + m
    }
}

/// `eval_imgs[k][a][i]` for category k, area range a, image i (pycocotools' evalImgs order).
pub fn accumulate(p: &Params, eval_imgs: &[Vec<Vec<Option<EvalImg>>>]) -> Accumulated {
    let (tn, rn, kn, an, mn) = (p.iou_thrs.len(), p.rec_thrs.len(), p.cat_ids.len(), p.area_rng.len(), p.max_dets.len());
    let mut acc = Accumulated {
        precision: vec![-1.0; tn * rn * kn * an * mn],
        recall: vec![-1.0; tn * kn * an * mn],
        scores: vec![-1.0; tn * rn * kn * an * mn],
        shape: [tn, rn, kn, an, mn],
    };
    for k in 0..kn {
        for a in 0..an {
            let es: Vec<&EvalImg> = eval_imgs[k][a].iter().flatten().collect();
            if es.is_empty() {
                continue;
            }
            for (m, &max_det) in p.max_dets.iter().enumerate() {
                // (score, image index, position) for the first max_det of each image.
                let mut all: Vec<(f64, usize, usize)> = Vec::new();
                for (ei, e) in es.iter().enumerate() {
                    for d in 0..e.dt_scores.len().min(max_det) {
                        all.push((e.dt_scores[d], ei, d));
                    }
                }
                // Stable sort by descending score (numpy mergesort on -score).
                all.sort_by(|x, y| (-x.0).partial_cmp(&(-y.0)).unwrap_or(std::cmp::Ordering::Equal));
                let npig = es.iter().map(|e| e.gt_ignore.iter().filter(|&&g| !g).count()).sum::<usize>();
                if npig == 0 {
                    continue;
                }
                let nd = all.len();
                for t in 0..tn {
                    let mut tp = 0.0f64;
                    let mut fp = 0.0f64;
                    let mut rc = Vec::with_capacity(nd);
                    let mut pr = Vec::with_capacity(nd);
                    for &(_, ei, d) in &all {
                        let e = es[ei];
                        let matched = e.dt_matches[t][d] != 0;
                        let ig = e.dt_ignore[t][d];
                        if matched && !ig {
                            tp += 1.0;
                        }
                        if !matched && !ig {
                            fp += 1.0;
                        }
                        rc.push(tp / npig as f64);
                        pr.push(tp / (fp + tp + SPACING_1));
                    }
                    let ri = acc.r_idx(t, k, a, m);
                    acc.recall[ri] = if nd > 0 { rc[nd - 1] } else { 0.0 };
                    for i in (1..nd).rev() {
                        if pr[i] > pr[i - 1] {
                            pr[i - 1] = pr[i];
                        }
                    }
                    for (r, &thr) in p.rec_thrs.iter().enumerate() {
                        let pi = rc.partition_point(|&x| x < thr);
                        let idx = acc.p_idx(t, r, k, a, m);
                        if pi < nd {
                            acc.precision[idx] = pr[pi];
                            acc.scores[idx] = all[pi].0;
                        } else {
                            // pycocotools leaves zeros from this recall threshold on.
                            for r2 in r..rn {
                                let j = acc.p_idx(t, r2, k, a, m);
                                acc.precision[j] = 0.0;
                                acc.scores[j] = 0.0;
                            }
                            break;
                        }
                    }
                }
            }
        }
    }
    acc
}

/// The 12 numbers of `COCOeval.summarize()`: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl.
pub fn summarize(p: &Params, acc: &Accumulated) -> [f64; 12] {
    let md = *p.max_dets.last().unwrap_or(&100);
    let one = |ap: bool, iou: Option<f64>, area: &str, max_det: usize| -> f64 {
        let Some(a) = p.area_lbl.iter().position(|l| *l == area) else { return -1.0 };
        let Some(m) = p.max_dets.iter().position(|&d| d == max_det) else { return -1.0 };
        let ts: Vec<usize> = (0..p.iou_thrs.len()).filter(|&t| iou.is_none_or(|v| p.iou_thrs[t] == v)).collect();
        let mut vals = Vec::new();
        for &t in &ts {
            if ap {
                for r in 0..p.rec_thrs.len() {
                    for k in 0..p.cat_ids.len() {
                        vals.push(acc.precision[acc.p_idx(t, r, k, a, m)]);
                    }
                }
            } else {
                for k in 0..p.cat_ids.len() {
                    vals.push(acc.recall[acc.r_idx(t, k, a, m)]);
                }
            }
        }
        vals.retain(|&v| v > -1.0);
        if vals.is_empty() { -1.0 } else { numpy_sum(&vals) / vals.len() as f64 }
    };
    [
        one(true, None, "all", md),
        one(true, Some(0.5), "all", md),
        one(true, Some(0.75), "all", md),
        one(true, None, "small", md),
        one(true, None, "medium", md),
        one(true, None, "large", md),
        one(false, None, "all", p.max_dets[0]),
        one(false, None, "all", p.max_dets[1]),
        one(false, None, "all", md),
        one(false, None, "small", md),
        one(false, None, "medium", md),
        one(false, None, "large", md),
    ]
}
