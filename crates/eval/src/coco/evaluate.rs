//! Per-image matching (pycocotools `evaluateImg`) on precomputed IoUs.

use super::params::Params;

/// A ground-truth instance as COCOeval sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct GtInst {
    /// Annotation id (0 behaves as "unmatched" downstream, as in pycocotools).
    pub id: u64,
    /// The JSON `area` field (never recomputed for ground truth).
    pub area: f64,
    /// Crowd region: may match many detections, and is ignored.
    pub iscrowd: bool,
}

/// A detection as COCOeval sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DtInst {
    /// Result id (1-based file position, as `loadRes` assigns).
    pub id: u64,
    /// Mask area (segm) or box area (bbox).
    pub area: f64,
    /// Confidence.
    pub score: f64,
}

/// One (image, category) cell: instances plus IoUs of the top detections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cell {
    /// Ground truth in file order.
    pub gts: Vec<GtInst>,
    /// Detections sorted by descending score (stable) and truncated to the largest `maxDets`.
    pub dts: Vec<DtInst>,
    /// IoU row-major `[dt × gt]` in the orders above (crowd gt: intersection over detection area).
    pub ious: Vec<f64>,
}

impl Cell {
    /// Builds a cell: sorts detections as `computeIoU` does, keeps `max_det` of them, then asks `iou(d, g)`
    /// for the IoU of detection `d` (index into `dts` as given) and ground truth `g`.
    pub fn new(gts: Vec<GtInst>, mut dts: Vec<DtInst>, max_det: usize, iou: impl Fn(usize, usize) -> f64) -> Cell {
        let mut order: Vec<usize> = (0..dts.len()).collect();
        order.sort_by(|&a, &b| dts[b].score.total_cmp(&dts[a].score));
        order.truncate(max_det);
        let mut ious = Vec::with_capacity(order.len() * gts.len());
        for &d in &order {
            ious.extend((0..gts.len()).map(|g| iou(d, g)));
        }
        let sorted = order.iter().map(|&d| dts[d].clone()).collect();
        dts.clear();
        Cell { gts, dts: sorted, ious }
    }
}

/// Matching result of one (image, category, area range) for `maxDet = max(maxDets)`.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalImg {
    /// Scores of the kept detections, descending.
    pub dt_scores: Vec<f64>,
    /// `[T][D]`: matched ground-truth id, 0 if none.
    pub dt_matches: Vec<Vec<u64>>,
    /// `[T][D]`: detection ignored (matched an ignored gt, or unmatched and outside the area range).
    pub dt_ignore: Vec<Vec<bool>>,
    /// Per ground truth (ignored ones last): ignored.
    pub gt_ignore: Vec<bool>,
}

fn outside(a: f64, r: [f64; 2]) -> bool {
    a < r[0] || a > r[1]
}

/// pycocotools `evaluateImg`; `None` when the cell has neither ground truth nor detections.
pub fn evaluate_img(cell: &Cell, p: &Params, a_rng: [f64; 2], max_det: usize) -> Option<EvalImg> {
    if cell.gts.is_empty() && cell.dts.is_empty() {
        return None;
    }
    let ng = cell.gts.len();
    let ig: Vec<bool> = cell.gts.iter().map(|g| g.iscrowd || outside(g.area, a_rng)).collect();
    // Stable: non-ignored first.
    let gtind: Vec<usize> = (0..ng).filter(|&g| !ig[g]).chain((0..ng).filter(|&g| ig[g])).collect();
    let nd = cell.dts.len().min(max_det);
    let t_n = p.iou_thrs.len();
    let mut gtm = vec![vec![0u64; ng]; t_n];
    let mut dtm = vec![vec![0u64; nd]; t_n];
    let mut dt_ig = vec![vec![false; nd]; t_n];
    let gt_ig: Vec<bool> = gtind.iter().map(|&g| ig[g]).collect();
    let crowd: Vec<bool> = gtind.iter().map(|&g| cell.gts[g].iscrowd).collect();
    if ng > 0 && nd > 0 {
        for (ti, &t) in p.iou_thrs.iter().enumerate() {
            for d in 0..nd {
                let mut iou = t.min(1.0 - 1e-10);
                let mut m: Option<usize> = None;
                for (gi, &g) in gtind.iter().enumerate() {
                    if gtm[ti][gi] > 0 && !crowd[gi] {
                        continue;
                    }
                    if let Some(mm) = m
                        && !gt_ig[mm]
                        && gt_ig[gi]
                    {
                        break;
                    }
                    let v = cell.ious[d * ng + g];
                    if v < iou {
                        continue;
                    }
                    iou = v;
                    m = Some(gi);
                }
                if let Some(mm) = m {
                    dt_ig[ti][d] = gt_ig[mm];
                    dtm[ti][d] = cell.gts[gtind[mm]].id;
                    gtm[ti][mm] = cell.dts[d].id;
                }
            }
        }
    }
    for d in 0..nd {
        if outside(cell.dts[d].area, a_rng) {
            for ti in 0..t_n {
                if dtm[ti][d] == 0 {
                    dt_ig[ti][d] = true;
                }
            }
        }
    }
    Some(EvalImg {
        dt_scores: cell.dts[..nd].iter().map(|d| d.score).collect(),
        dt_matches: dtm,
        dt_ignore: dt_ig,
        gt_ignore: gt_ig,
    })
}
