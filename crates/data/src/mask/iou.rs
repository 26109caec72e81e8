//! Mask IoU matrix with pycocotools `iou` semantics.

use super::{Rle, rle::inter_union};

/// IoU of every detection against every ground truth: `out[d][g]`. For a crowd ground truth the union is
/// the detection's area (intersection over detection). Disjoint masks give 0; masks of different sizes
/// whose boxes overlap give −1, as pycocotools does.
pub fn iou(dt: &[Rle], gt: &[Rle], iscrowd: &[bool]) -> Vec<Vec<f64>> {
    let dboxes: Vec<[f64; 4]> = dt.iter().map(Rle::bbox).collect();
    let gboxes: Vec<[f64; 4]> = gt.iter().map(Rle::bbox).collect();
    let dareas: Vec<u64> = dt.iter().map(Rle::area).collect();
    dt.iter()
        .enumerate()
        .map(|(di, d)| {
            gt.iter()
                .enumerate()
                .map(|(gi, g)| {
                    let crowd = iscrowd.get(gi).copied().unwrap_or(false);
                    if bbox_iou(&dboxes[di], &gboxes[gi], crowd) <= 0.0 {
                        return 0.0;
                    }
                    if d.h != g.h || d.w != g.w {
                        return -1.0;
                    }
                    let (i, mut u) = inter_union(d, g);
                    if i == 0 {
                        u = 1;
                    } else if crowd {
                        u = dareas[di];
                    }
                    i as f64 / u as f64
                })
                .collect()
        })
        .collect()
}

/// Box IoU `[x, y, w, h]` as pycocotools `bbIou` (crowd: over the detection box area); only its sign is
/// used here, as pycocotools uses it as a prefilter.
fn bbox_iou(d: &[f64; 4], g: &[f64; 4], crowd: bool) -> f64 {
    let w = (d[0] + d[2]).min(g[0] + g[2]) - d[0].max(g[0]);
    if w <= 0.0 {
        return 0.0;
    }
    let h = (d[1] + d[3]).min(g[1] + g[3]) - d[1].max(g[1]);
    if h <= 0.0 {
        return 0.0;
    }
    let i = w * h;
    let u = if crowd { d[2] * d[3] } else { d[2] * d[3] + g[2] * g[3] - i };
    i / u
}
