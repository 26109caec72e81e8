//! The exact inner centre equals a brute-force search, on many random masks.

mod common;

use common::shapes::{random_mask, Mask};
use sampler::{inner_center, inner_minimiser, CenterSource, EdgePoints, InnerMetric, MaskGeometry};

/// Edge points by the definition, pixel by pixel: foreground with a 4-neighbour off the mask or the image.
fn naive_edges(m: &Mask) -> Vec<[u32; 2]> {
    let mut out = Vec::new();
    for y in 0..m.h as i64 {
        for x in 0..m.w as i64 {
            if m.get(x, y) && !(m.get(x - 1, y) && m.get(x + 1, y) && m.get(x, y - 1) && m.get(x, y + 1)) {
                out.push([x as u32, y as u32]);
            }
        }
    }
    out
}

/// 3×3 interior test by the definition.
fn naive_interior(m: &Mask, x: i64, y: i64) -> bool {
    (-1..=1).all(|dy| (-1..=1).all(|dx| m.get(x + dx, y + dy)))
}

/// Brute force: every candidate pixel, exact value, ties to the smaller (y, x).
fn brute_force(m: &Mask, metric: InnerMetric) -> Option<(i64, i64)> {
    let edges = naive_edges(m);
    let any_interior = (0..m.h as i64).any(|y| (0..m.w as i64).any(|x| naive_interior(m, x, y)));
    let pts = EdgePoints::from_points(&edges);
    let n = edges.len() as i128;
    let (sx, sy): (i128, i128) = (edges.iter().map(|e| e[0] as i128).sum(), edges.iter().map(|e| e[1] as i128).sum());
    let mut best: Option<(f64, i128, i64, i64)> = None;
    for y in 0..m.h as i64 {
        for x in 0..m.w as i64 {
            let cand = if any_interior { naive_interior(m, x, y) } else { m.get(x, y) };
            if !cand {
                continue;
            }
            let (f, q) = match metric {
                InnerMetric::SumOfDistances => (pts.sum_of_distances(x as f64, y as f64), 0),
                InnerMetric::Squared => {
                    let (dx, dy) = (n * x as i128 - sx, n * y as i128 - sy);
                    (0.0, dx * dx + dy * dy)
                }
            };
            // Row-major scan: only a strictly smaller value replaces, so ties keep the smaller (y, x).
            if best.is_none_or(|b| (f, q) < (b.0, b.1)) {
                best = Some((f, q, x, y));
            }
        }
    }
    best.map(|b| (b.2, b.3))
}

#[test]
fn edge_points_match_the_definition() {
    for seed in 0..60 {
        let m = random_mask(seed, 37 + (seed as usize % 5) * 31, 41);
        let g = MaskGeometry::new(m.view()).unwrap();
        assert_eq!(g.edges(), naive_edges(&m).as_slice(), "seed {seed}");
        let interior = (0..m.h as i64).flat_map(|y| (0..m.w as i64).map(move |x| (x, y)));
        let n = interior.filter(|&(x, y)| naive_interior(&m, x, y)).count();
        assert_eq!(g.interior_count(), n, "seed {seed}");
        assert_eq!(g.area() as usize, m.area(), "seed {seed}");
        // Centroid by the definition (pixel-index coordinates), from both code paths.
        let (mut n, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for y in 0..m.h {
            for x in 0..m.w {
                if m.px[y * m.w + x] != 0 {
                    (n, sx, sy) = (n + 1.0, sx + x as f64, sy + y as f64);
                }
            }
        }
        let want = (n > 0.0).then(|| [sx / n, sy / n]);
        assert_eq!(g.centroid(), want, "seed {seed}");
        assert_eq!(m.view().centroid(), want, "seed {seed}");
    }
}

#[test]
fn exact_minimiser_equals_brute_force_on_random_masks() {
    let mut kinds = [0usize; 6];
    let mut thin = 0;
    for seed in 0..300u64 {
        let (w, h) = (20 + (seed as usize * 7) % 70, 20 + (seed as usize * 13) % 90);
        let m = random_mask(seed, w, h);
        let g = MaskGeometry::new(m.view()).unwrap();
        for metric in [InnerMetric::SumOfDistances, InnerMetric::Squared] {
            let fast = inner_minimiser(&g, metric).map(|r| (r.x, r.y));
            assert_eq!(fast, brute_force(&m, metric), "seed {seed} {w}x{h} {metric:?}");
        }
        if m.area() > 0 {
            kinds[seed as usize % 6] += 1;
            thin += (g.interior_count() == 0) as usize;
        }
    }
    assert!(kinds.iter().all(|&k| k >= 40), "every mask kind is exercised: {kinds:?}");
    assert!(thin >= 30, "masks without interior pixels are exercised: {thin}");
}

#[test]
fn exact_minimiser_equals_brute_force_on_large_person_masks() {
    for seed in 0..6u64 {
        let m = random_mask(6 * seed + 5, 160, 240);
        let g = MaskGeometry::new(m.view()).unwrap();
        let fast = inner_minimiser(&g, InnerMetric::SumOfDistances).unwrap();
        assert_eq!(Some((fast.x, fast.y)), brute_force(&m, InnerMetric::SumOfDistances), "seed {seed}");
        // The search is exact yet evaluates only a small share of the candidates.
        assert!(fast.values < g.interior_count() / 4, "seed {seed}: {} of {}", fast.values, g.interior_count());
    }
}

#[test]
fn symmetric_masks_break_ties_by_row_then_column() {
    // A 7x7 square: the 3x3 interior centre (3, 3) is the unique minimiser; a 8x7 rectangle has two.
    let mut m = Mask::new(12, 12);
    m.segment([2.0, 2.0], [9.0, 2.0], 0.0);
    for y in 2..9 {
        for x in 2..10 {
            m.set(x, y);
        }
    }
    let g = MaskGeometry::new(m.view()).unwrap();
    let r = inner_minimiser(&g, InnerMetric::SumOfDistances).unwrap();
    assert_eq!((r.x, r.y), brute_force(&m, InnerMetric::SumOfDistances).unwrap());
    assert_eq!(r.y, 5);
}

#[test]
fn inner_center_uses_the_centroid_when_it_passes_the_3x3_test() {
    let mut m = Mask::new(30, 30);
    m.ellipse(14.0, 15.0, 8.0, 10.0);
    let g = MaskGeometry::new(m.view()).unwrap();
    let c = inner_center(&g, InnerMetric::SumOfDistances).unwrap();
    assert_eq!(c.source, CenterSource::Centroid);
    assert_eq!(c.point, g.centroid().unwrap());
    // A ring: the centroid lies in the hole, so the minimiser is used and lands on the mask.
    let mut ring = Mask::new(40, 40);
    ring.ellipse(20.0, 20.0, 15.0, 15.0);
    ring.cut([14.0, 20.0], [26.0, 20.0], 7.0);
    let g = MaskGeometry::new(ring.view()).unwrap();
    let c = inner_center(&g, InnerMetric::SumOfDistances).unwrap();
    assert_eq!(c.source, CenterSource::Interior);
    assert!(g.is_interior(c.point[0] as i64, c.point[1] as i64));
}

#[test]
fn degenerate_masks_fall_back_without_panicking() {
    let empty = Mask::new(10, 10);
    let g = MaskGeometry::new(empty.view()).unwrap();
    assert_eq!(inner_center(&g, InnerMetric::SumOfDistances), None);
    let mut one = Mask::new(10, 10);
    one.set(3, 4);
    let g = MaskGeometry::new(one.view()).unwrap();
    let c = inner_center(&g, InnerMetric::Squared).unwrap();
    assert_eq!((c.point, c.source), ([3.0, 4.0], CenterSource::Foreground));
    // A 2-px wide L: no interior pixel, the centre is a foreground pixel.
    let mut l = Mask::new(20, 20);
    l.segment([2.0, 2.0], [2.0, 15.0], 0.5);
    l.segment([2.0, 15.0], [15.0, 15.0], 0.5);
    let g = MaskGeometry::new(l.view()).unwrap();
    assert_eq!(g.interior_count(), 0);
    let c = inner_center(&g, InnerMetric::SumOfDistances).unwrap();
    assert_eq!(c.source, CenterSource::Foreground);
    assert!(l.get(c.point[0] as i64, c.point[1] as i64));
    // Zero-sized and wrongly sized buffers.
    assert!(MaskGeometry::new(sampler::MaskView { width: 0, height: 0, pixels: &[] }).is_ok());
    assert!(MaskGeometry::new(sampler::MaskView { width: 3, height: 3, pixels: &[1; 8] }).is_err());
}

/// Real person masks (DAVIS 2016 breakdance ground truth, 854×480): exact search == brute force.
#[test]
fn exact_minimiser_equals_brute_force_on_real_masks() {
    let Some(dir) = testkit::realdata("davis2016_breakdance_gt") else { return };
    for frame in ["00000", "00041", "00083"] {
        let path = dir.join(format!("Annotations/breakdance/{frame}.png"));
        let g = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_luma8();
        let m = Mask { w: g.width() as usize, h: g.height() as usize, px: g.into_raw().iter().map(|&v| (v > 127) as u8).collect() };
        let geom = MaskGeometry::new(m.view()).unwrap();
        for metric in [InnerMetric::SumOfDistances, InnerMetric::Squared] {
            let fast = inner_minimiser(&geom, metric).map(|r| (r.x, r.y));
            assert_eq!(fast, brute_force(&m, metric), "frame {frame} {metric:?}");
        }
    }
}
