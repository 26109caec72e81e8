//! Table V of the paper: the share of predicted positives (score above a threshold) whose location lies inside
//! the mask of the person they detect. Each prediction is matched to the ground-truth person of its image with
//! the highest mask IoU; predictions matching nobody at `iou_thresh` are counted apart, not in the share. The
//! inside test is the sampler's, so training-time and prediction-time statistics use one definition.

use data::mask::Rle;
use serde::Serialize;

use crate::{EvalError, Result};

/// One predicted positive: the location that produced the detection and the detection's mask.
#[derive(Debug, Clone)]
pub struct PositivePrediction {
    /// Index of the image in the ground-truth list passed alongside.
    pub image: usize,
    /// Location `[x, y]` in image pixels.
    pub location: [f32; 2],
    /// Detection score.
    pub score: f32,
    /// Predicted mask (image size).
    pub mask: Rle,
}

/// The Table V numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct InsideReport {
    /// Predictions above the score threshold matched to a person.
    pub matched: usize,
    /// Of those, the ones whose location is on the matched person's mask.
    pub inside: usize,
    /// Predictions above the score threshold that matched no person at the IoU threshold.
    pub unmatched: usize,
    /// inside / matched (`None` when nothing matched).
    pub share: Option<f64>,
}

/// Computes the Table V share over `preds`; `gt[i]` holds the person masks of image `i`.
pub fn positives_inside_mask(preds: &[PositivePrediction], gt: &[Vec<Rle>], score_thresh: f32, iou_thresh: f64) -> Result<InsideReport> {
    let mut report = InsideReport::default();
    let mut decoded: Vec<Option<Vec<Vec<u8>>>> = vec![None; gt.len()];
    for (k, p) in preds.iter().enumerate().filter(|(_, p)| p.score > score_thresh) {
        let persons = gt.get(p.image).ok_or_else(|| {
            EvalError::invalid("<predictions>", format!("prediction {k}"), format!("an image index below {}", gt.len()))
        })?;
        let ious = data::mask::iou(std::slice::from_ref(&p.mask), persons, &vec![false; persons.len()]);
        let best = ious.first().into_iter().flatten().enumerate().max_by(|a, b| a.1.total_cmp(b.1));
        let Some((j, _)) = best.filter(|(_, iou)| **iou >= iou_thresh) else {
            report.unmatched += 1;
            continue;
        };
        let masks = decoded[p.image].get_or_insert_with(|| persons.iter().map(Rle::to_row_major).collect());
        let m = &persons[j];
        let view = sampler::MaskView::new(m.w as usize, m.h as usize, &masks[j])
            .map_err(|e| EvalError::invalid("<ground truth>", format!("image {} person {j}", p.image), e.to_string()))?;
        let share = sampler::positives_inside_mask(&[p.location], &[view])
            .map_err(|e| EvalError::invalid("<predictions>", format!("prediction {k}"), e.to_string()))?;
        report.matched += 1;
        report.inside += share.inside;
    }
    report.share = (report.matched > 0).then(|| report.inside as f64 / report.matched as f64);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(h: u32, w: u32, x0: usize, y0: usize, side: usize) -> Rle {
        let mut px = vec![0u8; (h * w) as usize];
        for y in y0..y0 + side {
            for x in x0..x0 + side {
                px[y * w as usize + x] = 1;
            }
        }
        Rle::from_row_major(h, w, &px)
    }

    #[test]
    fn counts_inside_outside_unmatched_and_low_scores() {
        let gt = vec![vec![square(32, 32, 2, 2, 10), square(32, 32, 18, 18, 10)]];
        let pred = |loc: [f32; 2], score, mask| PositivePrediction { image: 0, location: loc, score, mask };
        let preds = vec![
            pred([5.5, 5.5], 0.9, square(32, 32, 2, 2, 10)),    // on its person
            pred([1.0, 1.0], 0.9, square(32, 32, 2, 2, 10)),    // matched, location off the mask
            pred([20.0, 20.0], 0.8, square(32, 32, 18, 18, 9)), // second person (IoU 0.81), inside
            pred([20.0, 20.0], 0.4, square(32, 32, 18, 18, 10)), // below the score threshold: ignored
            pred([0.5, 30.0], 0.9, square(32, 32, 0, 28, 3)),   // matches nobody
        ];
        let r = positives_inside_mask(&preds, &gt, 0.5, 0.5).unwrap();
        assert_eq!((r.matched, r.inside, r.unmatched), (3, 2, 1));
        assert_eq!(r.share, Some(2.0 / 3.0));
    }

    #[test]
    fn a_bad_image_index_is_an_error() {
        let p = PositivePrediction { image: 3, location: [0.0, 0.0], score: 0.9, mask: square(8, 8, 0, 0, 2) };
        let err = positives_inside_mask(&[p], &[vec![]], 0.5, 0.5).unwrap_err().to_string();
        assert!(err.contains("prediction 0"), "{err}");
    }
}
