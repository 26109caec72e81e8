//! The authors' approximate inner centre (HVISNet `inner_center/center.py`), re-implemented with a seeded RNG
//! so tests can measure how far it lands from the exact one. Not used for training.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::mask::MaskView;

/// The authors' `inner_dot`: the 3×3 window around (x, y) lies inside the image and is all foreground.
fn inner_dot(m: &MaskView<'_>, x: i64, y: i64) -> bool {
    (-1..=1).all(|dy| (-1..=1).all(|dx| x + dx >= 0 && y + dy >= 0 && m.get((x + dx) as usize, (y + dy) as usize)))
}

/// Edge pixels as the authors' `get_gradient`: foreground pixels where `np.gradient` of the mask is nonzero
/// along x or y (central differences inside, one-sided at the image border; an axis of length 1 has zero
/// gradient). Row-major.
fn gradient_edges(m: &MaskView<'_>) -> Vec<[i64; 2]> {
    let v = |x: usize, y: usize| m.get(x, y) as i32;
    let diff = |a: i32, b: i32| a != b;
    let mut out = Vec::new();
    for y in 0..m.height {
        for x in 0..m.width {
            if !m.get(x, y) {
                continue;
            }
            let gx = match (m.width, x) {
                (1, _) => false,
                (_, 0) => diff(v(1, y), v(0, y)),
                (w, x) if x == w - 1 => diff(v(x, y), v(x - 1, y)),
                _ => diff(v(x + 1, y), v(x - 1, y)),
            };
            let gy = match (m.height, y) {
                (1, _) => false,
                (_, 0) => diff(v(x, 1), v(x, 0)),
                (h, y) if y == h - 1 => diff(v(x, y), v(x, y - 1)),
                _ => diff(v(x, y + 1), v(x, y - 1)),
            };
            if gx || gy {
                out.push([x as i64, y as i64]);
            }
        }
    }
    out
}

/// The authors' approximation: the centroid if its pixel passes the 3×3 test; otherwise every 100th
/// foreground pixel (row-major) is a candidate, ⌊#edges/100⌋ gradient-edge pixels are drawn uniformly with
/// replacement (seeded here, unseeded in their code), and the candidate with the smallest summed distance
/// that passes the 3×3 test wins (candidates tried in ascending score; their index-shift bug is not
/// reproduced). Falls back to the centroid when a set is empty or no candidate passes. `None` for an empty
/// mask or a buffer of the wrong size.
pub fn authors_inner_center(mask: MaskView<'_>, seed: u64) -> Option<[f64; 2]> {
    mask.check(0).ok()?;
    let c = mask.centroid()?;
    if inner_dot(&mask, c[0].floor() as i64, c[1].floor() as i64) {
        return Some(c);
    }
    let fg: Vec<[i64; 2]> = (0..mask.height)
        .flat_map(|y| (0..mask.width).map(move |x| (x, y)))
        .filter(|&(x, y)| mask.get(x, y))
        .map(|(x, y)| [x as i64, y as i64])
        .collect();
    let candidates: Vec<[i64; 2]> = fg.iter().step_by(100).copied().collect();
    let edges = gradient_edges(&mask);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sampled: Vec<[i64; 2]> = (0..edges.len() / 100).map(|_| edges[rng.random_range(0..edges.len())]).collect();
    if candidates.is_empty() || sampled.is_empty() {
        return Some(c);
    }
    let score = |p: &[i64; 2]| -> f64 {
        sampled.iter().map(|e| (((p[0] - e[0]).pow(2) + (p[1] - e[1]).pow(2)) as f64).sqrt()).sum()
    };
    let mut order: Vec<(f64, usize)> = candidates.iter().enumerate().map(|(k, p)| (score(p), k)).collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    order
        .iter()
        .map(|&(_, k)| candidates[k])
        .find(|p| inner_dot(&mask, p[0], p[1]))
        .map(|p| [p[0] as f64, p[1] as f64])
        .or(Some(c))
}
