//! `cargo bench -p sampler`: inner-centre time per person mask and full target assignment per image.
//!
//! A plain timing harness (no external framework): each case runs on a fixed, seeded set of inputs after a
//! warm-up; each item's time is its fastest of several runs, and the median, mean and maximum over items are
//! printed.

#[path = "../tests/common/shapes.rs"]
mod shapes;

use std::hint::black_box;
use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sampler::{
    assign, inner_center, inner_minimiser, CenterStrategy, ImageInput, InnerMetric, LevelConfig, MaskGeometry, Person,
    SamplingConfig,
};
use shapes::{person, Mask};

/// Per-item time of `f` over `items`: the fastest of `reps` runs after one warm-up round. The machine is
/// shared, so the minimum (the run least disturbed by other processes) estimates the cost itself.
fn time_each<T>(items: &[T], reps: usize, mut f: impl FnMut(&T)) -> Vec<Duration> {
    items.iter().for_each(&mut f);
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let mut best = Duration::MAX;
        for _ in 0..reps {
            let t = Instant::now();
            f(it);
            best = best.min(t.elapsed());
        }
        out.push(best);
    }
    out
}

fn report(name: &str, mut d: Vec<Duration>) {
    d.sort();
    let us = |x: Duration| x.as_secs_f64() * 1e6;
    let mean = d.iter().map(|&x| us(x)).sum::<f64>() / d.len() as f64;
    println!(
        "{name:<58} n={:<4} median {:>8.1} µs  mean {:>8.1} µs  max {:>8.1} µs",
        d.len(),
        us(d[d.len() / 2]),
        mean,
        us(d[d.len() - 1])
    );
}

/// Person masks on a 512×512 canvas, 250–500 px tall, half of them cut by an occluder.
fn synthetic_people(n: u64) -> Vec<Mask> {
    (0..n)
        .map(|seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);
            let mut m = Mask::new(512, 512);
            let h = 250.0 + 250.0 * (seed as f64 / n as f64);
            person(&mut rng, &mut m, 256.0, 4.0, h, seed % 2 == 1);
            m
        })
        .collect()
}

/// DAVIS 2016 breakdance ground-truth masks (854×480, a dancer with spread limbs), when the sample is present.
fn davis_masks() -> Vec<Mask> {
    let Some(dir) = testkit::realdata("davis2016_breakdance_gt") else { return Vec::new() };
    let dir = dir.join("Annotations/breakdance");
    let mut paths: Vec<_> = std::fs::read_dir(&dir).map(|r| r.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| image::open(p).ok())
        .map(|img| {
            let g = img.to_luma8();
            Mask { w: g.width() as usize, h: g.height() as usize, px: g.into_raw().iter().map(|&v| (v > 127) as u8).collect() }
        })
        .collect()
}

fn bench_masks(label: &str, masks: &[Mask]) {
    if masks.is_empty() {
        return;
    }
    let geoms: Vec<MaskGeometry> = masks.iter().map(|m| MaskGeometry::new(m.view()).unwrap()).collect();
    let edges = geoms.iter().map(|g| g.edges().len()).sum::<usize>() as f64 / geoms.len() as f64;
    let area = geoms.iter().map(|g| g.area()).sum::<u64>() as f64 / geoms.len() as f64;
    let centroid_ok = geoms
        .iter()
        .filter(|g| inner_center(g, InnerMetric::SumOfDistances).is_some_and(|c| c.source == sampler::CenterSource::Centroid))
        .count();
    let evals: Vec<_> = geoms.iter().filter_map(|g| inner_minimiser(g, InnerMetric::SumOfDistances)).collect();
    let bounds = evals.iter().map(|e| e.bounds).sum::<usize>() as f64 / evals.len() as f64;
    let values = evals.iter().map(|e| e.values).sum::<usize>() as f64 / evals.len() as f64;
    println!(
        "\n{label}: {} masks {}x{}, mean area {area:.0} px, mean {edges:.0} edge points, centroid passes 3x3 in {centroid_ok}; \
         search: mean {bounds:.0} node bounds + {values:.0} pixel values",
        masks.len(),
        masks[0].w,
        masks[0].h
    );
    report("mask analysis (MaskGeometry::new: edges, interior)", time_each(masks, 5, |m| {
        black_box(MaskGeometry::new(m.view()).unwrap());
    }));
    let pts: Vec<sampler::EdgePoints> = geoms.iter().map(|g| sampler::EdgePoints::from_points(g.edges())).collect();
    report("one node lower bound (a pass over all edge points)", time_each(&pts, 50, |p| {
        black_box(p.tangent_lower_bound(black_box(100.5), black_box(200.5), [97.0, 197.0, 104.0, 204.0]));
    }));
    report("exact minimiser, sum of distances (no centroid shortcut)", time_each(&geoms, 5, |g| {
        black_box(inner_minimiser(g, InnerMetric::SumOfDistances));
    }));
    let interior = geoms.iter().map(|g| g.interior_count()).sum::<usize>() as f64 / geoms.len() as f64;
    report(&format!("brute force over all {interior:.0} interior pixels (first 4)"), time_each(&geoms[..4.min(geoms.len())], 1, |g| {
        let pts = sampler::EdgePoints::from_points(g.edges());
        let [x0, y0, x1, y1] = g.foreground_box().unwrap();
        let mut best = (f64::INFINITY, 0, 0);
        for y in y0..=y1 {
            for x in x0..=x1 {
                if g.is_interior(x as i64, y as i64) {
                    let f = pts.sum_of_distances(x as f64, y as f64);
                    if f < best.0 {
                        best = (f, x, y);
                    }
                }
            }
        }
        black_box(best);
    }));
    report("exact minimiser, squared distances", time_each(&geoms, 5, |g| {
        black_box(inner_minimiser(g, InnerMetric::Squared));
    }));
    report("inner_center end to end (analysis + centroid rule + search)", time_each(masks, 5, |m| {
        let g = MaskGeometry::new(m.view()).unwrap();
        black_box(inner_center(&g, InnerMetric::SumOfDistances));
    }));
}

/// 512×512 images with 10 overlapping people each (heights 120–480 px, some occluded).
fn crowd_images(n: u64) -> Vec<Vec<(Mask, [f32; 4])>> {
    (0..n)
        .map(|img| {
            let mut rng = ChaCha8Rng::seed_from_u64(5000 + img);
            (0..10)
                .map(|k| {
                    let mut m = Mask::new(512, 512);
                    let h = 120.0 + 36.0 * k as f64;
                    let cx = 40.0 + 43.0 * ((k * 7 + img as usize) % 10) as f64;
                    let top = 500.0 - h - 4.0 * k as f64;
                    person(&mut rng, &mut m, cx, top, h, k % 3 == 0);
                    let b = m.bbox().unwrap_or([0.0; 4]);
                    (m, b)
                })
                .collect()
        })
        .collect()
}

fn bench_assign() {
    let images = crowd_images(8);
    let levels = LevelConfig::default();
    println!("\nfull target assignment, 512x512 input, 10 people per image, {} images:", images.len());
    for center in CenterStrategy::ALL {
        let cfg = SamplingConfig { center, ..Default::default() };
        let mut amb = 0usize;
        let times = time_each(&images, 5, |people| {
            let persons: Vec<Person> = people.iter().map(|(m, b)| Person { mask: m.view(), bbox: *b, identity: None }).collect();
            let a = assign(&ImageInput { height: 512, width: 512, persons: &persons, seed: 0 }, &cfg, &levels).unwrap();
            amb = a.targets.claims.iter().filter(|&&c| c > 1).count();
            black_box(a);
        });
        report(&format!("assign, center = {} (last image: {amb} ambiguous locations)", center.name()), times);
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once quickly too.
    bench_masks("synthetic person masks", &synthetic_people(40));
    bench_masks("DAVIS breakdance GT masks", &davis_masks());
    bench_assign();
}
