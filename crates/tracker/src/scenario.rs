//! Synthetic tracking scenarios with known identities (people crossing, hidden for a while, leaving and
//! re-entering), detections derived from them with controllable embedding corruption, and identity scoring
//! (recall, false positives, identity switches as the MOTS/CLEAR metrics count them). For tests and tuning.

use std::ops::Range;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::detection::{Detection, Track};
use crate::geometry::BBox;

/// One synthetic person: a path through waypoints, a box size and frame ranges where it is hidden.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// Ground-truth identity (1-based).
    pub identity: u32,
    /// (frame, centre x, centre y), frames increasing; the person exists from the first to the last frame.
    pub waypoints: Vec<(usize, f64, f64)>,
    /// Box width in pixels.
    pub width: f64,
    /// Box height in pixels.
    pub height: f64,
    /// Frames in which the person is hidden (behind something, not detected).
    pub hidden: Vec<Range<usize>>,
}

impl Person {
    /// The full (unclipped) box at `frame`, or `None` outside the path's frames.
    pub fn box_at(&self, frame: usize) -> Option<BBox> {
        let first = self.waypoints.first()?;
        let last = self.waypoints.last()?;
        if frame < first.0 || frame > last.0 {
            return None;
        }
        let seg = self.waypoints.windows(2).find(|w| frame <= w[1].0).unwrap_or(&self.waypoints[..1]);
        let (f0, x0, y0) = seg[0];
        let (f1, x1, y1) = *seg.last().unwrap();
        let t = if f1 > f0 { (frame - f0) as f64 / (f1 - f0) as f64 } else { 0.0 };
        let (cx, cy) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
        Some(BBox::from_corners([cx - self.width / 2.0, cy - self.height / 2.0, cx + self.width / 2.0, cy + self.height / 2.0]))
    }
}

/// A visible ground-truth person in one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GtObject {
    /// Identity.
    pub identity: u32,
    /// Box clipped to the image.
    pub bbox: BBox,
}

/// A synthetic video: image size, people, and which of them are visible in each frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name for reports.
    pub name: String,
    /// Image width.
    pub width: f64,
    /// Image height.
    pub height: f64,
    /// Number of frames.
    pub frames: usize,
    /// The people.
    pub people: Vec<Person>,
}

/// A person counts as visible when at least this share of its box is inside the image...
const MIN_INSIDE: f64 = 0.4;
/// ...and at most this share is covered by a person in front (lower bottom edge = closer to the camera).
const MAX_COVERED: f64 = 0.6;

impl Scenario {
    /// The visible people of `frame` (inside the image, not hidden, not mostly covered by someone in front).
    pub fn visible(&self, frame: usize) -> Vec<GtObject> {
        let image = BBox::from_corners([0.0, 0.0, self.width, self.height]);
        let present: Vec<(u32, BBox)> = self
            .people
            .iter()
            .filter(|p| !p.hidden.iter().any(|r| r.contains(&frame)))
            .filter_map(|p| p.box_at(frame).map(|b| (p.identity, b)))
            .collect();
        let mut out = Vec::new();
        for &(identity, b) in &present {
            let clipped = intersect(&b, &image);
            if clipped.area() < MIN_INSIDE * b.area() {
                continue;
            }
            let covered = present
                .iter()
                .filter(|(other, o)| *other != identity && o.y2 > b.y2)
                .map(|(_, o)| intersect(&b, o).area())
                .fold(0.0, f64::max);
            if covered > MAX_COVERED * b.area() {
                continue;
            }
            out.push(GtObject { identity, bbox: clipped });
        }
        out
    }

    /// Two people walking towards each other and crossing (the one behind is hidden while covered), a third
    /// standing, and a fourth who walks behind a pillar for `hidden_frames` frames.
    pub fn crossing(hidden_frames: usize) -> Self {
        let h = 160.0;
        let people = vec![
            Person { identity: 1, waypoints: vec![(0, 80.0, 250.0), (79, 560.0, 250.0)], width: 55.0, height: h, hidden: vec![] },
            Person { identity: 2, waypoints: vec![(0, 560.0, 262.0), (79, 80.0, 262.0)], width: 55.0, height: h, hidden: vec![] },
            Person { identity: 3, waypoints: vec![(0, 320.0, 390.0), (79, 330.0, 390.0)], width: 50.0, height: 150.0, hidden: vec![] },
            Person {
                identity: 4,
                waypoints: vec![(0, 100.0, 120.0), (79, 400.0, 130.0)],
                width: 40.0,
                height: 110.0,
                hidden: std::iter::once(30..30 + hidden_frames).collect(),
            },
        ];
        Self { name: format!("crossing+pillar({hidden_frames})"), width: 640.0, height: 480.0, frames: 80, people }
    }

    /// A person walks out of the right edge, stays out for a while, and walks back in; another walks across.
    pub fn leave_and_reenter() -> Self {
        let people = vec![
            Person {
                identity: 1,
                waypoints: vec![(0, 500.0, 240.0), (30, 660.0, 240.0), (45, 660.0, 245.0), (70, 520.0, 245.0)],
                width: 50.0,
                height: 150.0,
                hidden: vec![],
            },
            Person { identity: 2, waypoints: vec![(0, 60.0, 300.0), (70, 330.0, 300.0)], width: 55.0, height: 170.0, hidden: vec![] },
        ];
        Self { name: "leave+re-enter".into(), width: 640.0, height: 480.0, frames: 71, people }
    }

    /// `n` people walking at 1–5 px/frame with one gentle turn (≤ 45°) and random short hidden intervals
    /// (seeded). Half are there from the start; the others walk in from the left or right edge later.
    pub fn random_crowd(n: usize, frames: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (w, h) = (960.0, 540.0);
        let mut people = Vec::new();
        for i in 0..n {
            let height: f64 = rng.random_range(110.0..200.0);
            let width = height * rng.random_range(0.3..0.45);
            let speed = rng.random_range(1.0..5.0);
            let cy = rng.random_range(height / 2.0..h - height / 2.0);
            let (start, cx, mut angle) = if i < n / 2 {
                (0, rng.random_range(60.0..w - 60.0), rng.random_range(0.0..std::f64::consts::TAU))
            } else if rng.random_bool(0.5) {
                (rng.random_range(1..frames / 2), -width / 2.0, rng.random_range(-0.5f64..0.5))
            } else {
                (rng.random_range(1..frames / 2), w + width / 2.0, std::f64::consts::PI + rng.random_range(-0.5f64..0.5))
            };
            let end = frames - 1;
            let mid = (start + end) / 2;
            let leg = |from: (f64, f64), angle: f64, len: usize| (from.0 + speed * angle.cos() * len as f64, from.1 + speed * angle.sin() * len as f64);
            let a = (cx, cy);
            let b = leg(a, angle, mid - start);
            angle += rng.random_range(-std::f64::consts::FRAC_PI_4..std::f64::consts::FRAC_PI_4);
            let c = leg(b, angle, end - mid);
            let mut hidden = Vec::new();
            if rng.random_bool(0.5) {
                let s = rng.random_range(start + 3..end - 10);
                hidden.push(s..s + rng.random_range(2..9));
            }
            people.push(Person {
                identity: i as u32 + 1,
                waypoints: vec![(start, a.0, a.1), (mid, b.0, b.1), (end, c.0, c.1)],
                width,
                height,
                hidden,
            });
        }
        Self { name: format!("crowd({n}, seed {seed})"), width: w, height: h, frames, people }
    }
}

fn intersect(a: &BBox, b: &BBox) -> BBox {
    let r = BBox::from_corners([a.x1.max(b.x1), a.y1.max(b.y1), a.x2.min(b.x2), a.y2.min(b.y2)]);
    if r.x2 > r.x1 && r.y2 > r.y1 { r } else { BBox::from_corners([a.x1, a.y1, a.x1, a.y1]) }
}

/// How detections are made from the ground truth: box jitter and embedding quality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectionNoise {
    /// Embedding dimension.
    pub dim: usize,
    /// Standard deviation of Gaussian noise added per embedding dimension to the identity's unit vector.
    pub embedding_noise: f64,
    /// Share of detections whose embedding is replaced by a random unit vector (corruption).
    pub random_embedding_share: f64,
    /// Box corner jitter, as a share of the box height (standard deviation).
    pub box_jitter: f64,
}

impl Default for DetectionNoise {
    fn default() -> Self {
        Self { dim: 128, embedding_noise: 0.03, random_embedding_share: 0.0, box_jitter: 0.02 }
    }
}

fn gaussian(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller; rand_distr is not a dependency.
    let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
    let v: f64 = rng.random_range(0.0..std::f64::consts::TAU);
    (-2.0 * u.ln()).sqrt() * v.cos()
}

fn unit(rng: &mut ChaCha8Rng, dim: usize) -> Vec<f64> {
    let v: Vec<f64> = (0..dim).map(|_| gaussian(rng)).collect();
    let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

/// Per-frame detections of every visible person, with the ground-truth identity as payload.
pub fn detections(scenario: &Scenario, noise: &DetectionNoise, seed: u64) -> Vec<Vec<Detection<u32>>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let max_id = scenario.people.iter().map(|p| p.identity).max().unwrap_or(0) as usize;
    let bases: Vec<Vec<f64>> = (0..=max_id).map(|_| unit(&mut rng, noise.dim)).collect();
    (0..scenario.frames)
        .map(|f| {
            scenario
                .visible(f)
                .into_iter()
                .map(|g| {
                    let j = noise.box_jitter * g.bbox.height();
                    let mut c = g.bbox.corners();
                    c.iter_mut().for_each(|v| *v += j * gaussian(&mut rng));
                    if c[2] - c[0] < 2.0 || c[3] - c[1] < 2.0 {
                        c = g.bbox.corners();
                    }
                    let embedding = if rng.random_bool(noise.random_embedding_share) {
                        unit(&mut rng, noise.dim)
                    } else {
                        bases[g.identity as usize].iter().map(|b| b + noise.embedding_noise * gaussian(&mut rng)).collect()
                    };
                    Detection {
                        bbox: BBox::from_corners(c),
                        score: rng.random_range(0.6..1.0),
                        embedding: embedding.into_iter().map(|v| v as f32).collect(),
                        payload: g.identity,
                    }
                })
                .collect()
        })
        .collect()
}

/// Identity metrics over a whole scenario, counted as MOTS / CLEAR-MOT do (the output carries the matched
/// detection's ground-truth identity, which stands in for the mask IoU > 0.5 match).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IdentityScore {
    /// Visible ground-truth objects over all frames.
    pub gt_objects: usize,
    /// Of those, how many a reported track covered.
    pub matched: usize,
    /// Times a ground-truth person's track id changed between consecutive matched frames.
    pub id_switches: usize,
    /// Reported tracks that cover no ground-truth object (impossible with ground-truth detections).
    pub false_positives: usize,
    /// Distinct track ids reported.
    pub track_ids: usize,
    /// Distinct ground-truth identities.
    pub gt_identities: usize,
}

impl IdentityScore {
    /// matched / gt_objects.
    pub fn recall(&self) -> f64 {
        if self.gt_objects == 0 { 1.0 } else { self.matched as f64 / self.gt_objects as f64 }
    }

    /// MOTA-style accuracy 1 − (FN + FP + IDS) / GT.
    pub fn mota(&self) -> f64 {
        let errors = (self.gt_objects - self.matched) + self.false_positives + self.id_switches;
        1.0 - errors as f64 / self.gt_objects.max(1) as f64
    }
}

/// Scores per-frame tracker output whose payload is the ground-truth identity.
pub fn score(scenario: &Scenario, outputs: &[Vec<Track<u32>>]) -> IdentityScore {
    use std::collections::{BTreeMap, BTreeSet};
    let mut s = IdentityScore::default();
    let mut last_id: BTreeMap<u32, u64> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut gts = BTreeSet::new();
    for (f, out) in outputs.iter().enumerate() {
        let visible = scenario.visible(f);
        s.gt_objects += visible.len();
        for g in &visible {
            gts.insert(g.identity);
            if let Some(t) = out.iter().find(|t| t.payload == g.identity) {
                s.matched += 1;
                if last_id.insert(g.identity, t.id).is_some_and(|prev| prev != t.id) {
                    s.id_switches += 1;
                }
            }
        }
        s.false_positives += out.iter().filter(|t| !visible.iter().any(|g| g.identity == t.payload)).count();
        ids.extend(out.iter().map(|t| t.id));
    }
    s.track_ids = ids.len();
    s.gt_identities = gts.len();
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_hides_the_person_behind_and_the_pillar_person() {
        let s = Scenario::crossing(8);
        let hidden_total: usize = (0..s.frames).map(|f| 4 - s.visible(f).len()).sum();
        // Pillar: 8 frames; crossing: the rear walker is covered for a few frames.
        assert!(hidden_total > 8, "{hidden_total}");
        assert!(s.visible(34).iter().all(|g| g.identity != 4));
    }

    #[test]
    fn reentering_person_is_out_of_view_for_a_while() {
        let s = Scenario::leave_and_reenter();
        let gone = (0..s.frames).filter(|&f| !s.visible(f).iter().any(|g| g.identity == 1)).count();
        assert!((10..=30).contains(&gone), "{gone}");
    }
}
