//! From a rendered label map to per-person masks, and the box-centre statistic that motivates the inner centre.

use serde::{Deserialize, Serialize};

use crate::mask::Rle;

/// Column-major run lengths (pycocotools order) of every label `1..=slots` in a row-major label map, in one
/// pass. Entry `k - 1` holds the runs of label `k`; a label that never occurs gets `[w * h]`.
pub fn runs_by_label(labels: &[u16], w: usize, h: usize, slots: usize) -> Vec<Vec<u32>> {
    let mut counts: Vec<Vec<u32>> = vec![Vec::new(); slots + 1];
    let mut start = vec![0u32; slots + 1];
    let mut prev = 0u16;
    for x in 0..w {
        for y in 0..h {
            let l = labels[y * w + x];
            if l != prev {
                let i = (x * h + y) as u32;
                if prev != 0 && (prev as usize) <= slots {
                    counts[prev as usize].push(i - start[prev as usize]);
                    start[prev as usize] = i;
                }
                if l != 0 && (l as usize) <= slots {
                    counts[l as usize].push(i - start[l as usize]);
                    start[l as usize] = i;
                }
                prev = l;
            }
        }
    }
    let n = (w * h) as u32;
    for k in 1..=slots {
        let last = n - start[k];
        counts[k].push(last);
    }
    counts.remove(0);
    counts
}

/// Counts of where the box centre of each person mask falls.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct CentreStats {
    /// Non-empty person masks looked at.
    pub instances: u64,
    /// Masks whose box centre pixel is not in the mask itself.
    pub outside_own: u64,
    /// Masks whose box centre pixel lies in another person's mask of the same frame.
    pub inside_other: u64,
}

impl CentreStats {
    /// Share of masks whose box centre is outside the mask (0 when there are none).
    pub fn outside_own_rate(&self) -> f64 {
        ratio(self.outside_own, self.instances)
    }

    /// Share of masks whose box centre is on another person.
    pub fn inside_other_rate(&self) -> f64 {
        ratio(self.inside_other, self.instances)
    }

    /// Adds another set of counts.
    pub fn add(&mut self, o: &CentreStats) {
        self.instances += o.instances;
        self.outside_own += o.outside_own;
        self.inside_other += o.inside_other;
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Whether pixel `(x, y)` is foreground in `rle`.
pub fn rle_contains(rle: &Rle, x: u32, y: u32) -> bool {
    if x >= rle.w || y >= rle.h {
        return false;
    }
    let idx = x as u64 * rle.h as u64 + y as u64;
    let mut end = 0u64;
    for (i, &c) in rle.counts.iter().enumerate() {
        end += c as u64;
        if idx < end {
            return i % 2 == 1;
        }
    }
    false
}

/// The box centre pixel of a mask: the pixel containing `(x + w/2, y + h/2)` of its COCO box, or `None` for
/// an empty mask.
pub fn box_centre_pixel(rle: &Rle) -> Option<(u32, u32)> {
    if rle.area() == 0 {
        return None;
    }
    let [x, y, w, h] = rle.bbox();
    let cx = ((x + w / 2.0).floor() as u32).min(rle.w.saturating_sub(1));
    let cy = ((y + h / 2.0).floor() as u32).min(rle.h.saturating_sub(1));
    Some((cx, cy))
}

/// Where the box centres of one frame's person masks fall: in the mask itself, on another person of the
/// same frame, or elsewhere. This is the failure of box-centre sampling that HVISNet's inner centre fixes;
/// it works on any dataset's masks, not only synthetic ones. Empty masks are skipped.
pub fn box_centre_outside_rate(masks: &[Rle]) -> CentreStats {
    let mut s = CentreStats::default();
    for (i, m) in masks.iter().enumerate() {
        let Some((cx, cy)) = box_centre_pixel(m) else { continue };
        s.instances += 1;
        if !rle_contains(m, cx, cy) {
            s.outside_own += 1;
            if masks.iter().enumerate().any(|(j, o)| j != i && rle_contains(o, cx, cy)) {
                s.inside_other += 1;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_runs_match_per_mask_encoding() {
        let (w, h) = (7usize, 5usize);
        let labels: Vec<u16> = (0..w * h).map(|i| ((i * 7919 + i / 3) % 4) as u16).collect();
        let runs = runs_by_label(&labels, w, h, 4);
        for k in 1..=4u16 {
            let m: Vec<u8> = labels.iter().map(|&l| u8::from(l == k)).collect();
            let expect = Rle::from_row_major(h as u32, w as u32, &m);
            assert_eq!(runs[k as usize - 1], expect.counts, "label {k}");
        }
    }

    #[test]
    fn centre_of_a_ring_is_outside_and_on_the_person_inside() {
        // A 9x9 ring (person 1) around a 3x3 block (person 2).
        let (w, h) = (9usize, 9usize);
        let mut labels = vec![0u16; w * h];
        for y in 0..h {
            for x in 0..w {
                let edge = x == 0 || y == 0 || x == w - 1 || y == h - 1;
                let core = (3..6).contains(&x) && (3..6).contains(&y);
                labels[y * w + x] = if edge { 1 } else if core { 2 } else { 0 };
            }
        }
        let masks: Vec<Rle> = runs_by_label(&labels, w, h, 2)
            .into_iter()
            .map(|c| Rle::from_counts(h as u32, w as u32, c).unwrap())
            .collect();
        let s = box_centre_outside_rate(&masks);
        assert_eq!(s, CentreStats { instances: 2, outside_own: 1, inside_other: 1 });
    }
}
