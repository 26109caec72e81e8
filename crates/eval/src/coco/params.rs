//! COCOeval parameters, bit-identical to pycocotools' `Params` (thresholds built as numpy's `linspace`).

/// numpy `linspace(start, stop, num)`: `start + i·step`, step = (stop−start)/(num−1), last element = stop.
pub fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let step = (stop - start) / div;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if num > 1 {
        v[num - 1] = stop;
    }
    v
}

/// numpy's pairwise summation of a contiguous f64 array (what `np.mean` uses), for bit-identical means.
pub fn numpy_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut r = 0.0;
        for &x in a {
            r += x;
        }
        r
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for j in 0..8 {
                r[j] += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += a[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        numpy_sum(&a[..n2]) + numpy_sum(&a[n2..])
    }
}

/// Evaluation parameters (pycocotools `Params` for `segm`/`bbox`, or YouTube-VIS's variant).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Image (or video) ids evaluated, sorted and unique.
    pub img_ids: Vec<u64>,
    /// Category ids evaluated, sorted and unique.
    pub cat_ids: Vec<u64>,
    /// IoU thresholds: linspace(.5, .95, 10).
    pub iou_thrs: Vec<f64>,
    /// Recall thresholds: linspace(0, 1, 101).
    pub rec_thrs: Vec<f64>,
    /// Detections per image kept: [1, 10, 100].
    pub max_dets: Vec<usize>,
    /// Area ranges `[lo, hi]`, both inclusive.
    pub area_rng: Vec<[f64; 2]>,
    /// Names of the area ranges.
    pub area_lbl: Vec<&'static str>,
}

impl Params {
    /// COCO detection parameters: areas all / small (≤32²) / medium / large (≥96²).
    pub fn coco(img_ids: &[u64], cat_ids: &[u64]) -> Params {
        Params::with_areas(img_ids, cat_ids, [[0.0, 1e10], [0.0, 1024.0], [1024.0, 9216.0], [9216.0, 1e10]])
    }

    /// YouTube-VIS parameters: the same, with area ranges 128² / 256².
    pub fn ytvis(img_ids: &[u64], cat_ids: &[u64]) -> Params {
        Params::with_areas(img_ids, cat_ids, [[0.0, 1e10], [0.0, 16384.0], [16384.0, 65536.0], [65536.0, 1e10]])
    }

    fn with_areas(img_ids: &[u64], cat_ids: &[u64], area_rng: [[f64; 2]; 4]) -> Params {
        let sorted = |v: &[u64]| {
            let mut v = v.to_vec();
            v.sort_unstable();
            v.dedup();
            v
        };
        Params {
            img_ids: sorted(img_ids),
            cat_ids: sorted(cat_ids),
            iou_thrs: linspace(0.5, 0.95, 10),
            rec_thrs: linspace(0.0, 1.0, 101),
            max_dets: vec![1, 10, 100],
            area_rng: area_rng.to_vec(),
            area_lbl: vec!["all", "small", "medium", "large"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_match_numpy_bits() {
        let p = Params::coco(&[], &[]);
        assert_eq!(p.iou_thrs[8], 0.8999999999999999);
        assert_eq!(p.rec_thrs[35], 0.35000000000000003);
        assert_eq!(p.rec_thrs[70], 0.7000000000000001);
        assert_eq!(p.iou_thrs[9], 0.95);
    }

    #[test]
    fn pairwise_sum_differs_from_naive_but_is_exact_on_small() {
        let a: Vec<f64> = (0..300).map(|i| 0.1 * i as f64 + 1e-3).collect();
        let naive: f64 = a.iter().sum();
        assert!((numpy_sum(&a) - naive).abs() < 1e-9);
        assert_eq!(numpy_sum(&[1.0, 2.0]), 3.0);
    }
}
