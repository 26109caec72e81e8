//! Seeded random masks for tests and benchmarks: blobs, limbs, thin lines and person-like figures.
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A row-major 0/1 mask owned by the test.
#[derive(Clone, Debug)]
pub struct Mask {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
}

impl Mask {
    pub fn new(w: usize, h: usize) -> Self {
        Self { w, h, px: vec![0; w * h] }
    }
    pub fn view(&self) -> sampler::MaskView<'_> {
        sampler::MaskView { width: self.w, height: self.h, pixels: &self.px }
    }
    pub fn set(&mut self, x: i64, y: i64) {
        if x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h {
            self.px[y as usize * self.w + x as usize] = 1;
        }
    }
    pub fn get(&self, x: i64, y: i64) -> bool {
        x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h && self.px[y as usize * self.w + x as usize] != 0
    }
    /// Filled ellipse centred at (cx, cy) with semi-axes (a, b).
    pub fn ellipse(&mut self, cx: f64, cy: f64, a: f64, b: f64) {
        for y in (cy - b).floor() as i64..=(cy + b).ceil() as i64 {
            for x in (cx - a).floor() as i64..=(cx + a).ceil() as i64 {
                let (u, v) = ((x as f64 - cx) / a.max(1e-9), (y as f64 - cy) / b.max(1e-9));
                if u * u + v * v <= 1.0 {
                    self.set(x, y);
                }
            }
        }
    }
    /// Thick segment ("limb") from p to q with half-thickness r.
    pub fn segment(&mut self, p: [f64; 2], q: [f64; 2], r: f64) {
        let (x0, x1) = (p[0].min(q[0]) - r, p[0].max(q[0]) + r);
        let (y0, y1) = (p[1].min(q[1]) - r, p[1].max(q[1]) + r);
        let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
        let len2 = (dx * dx + dy * dy).max(1e-12);
        for y in y0.floor() as i64..=y1.ceil() as i64 {
            for x in x0.floor() as i64..=x1.ceil() as i64 {
                let t = (((x as f64 - p[0]) * dx + (y as f64 - p[1]) * dy) / len2).clamp(0.0, 1.0);
                let (ex, ey) = (p[0] + t * dx - x as f64, p[1] + t * dy - y as f64);
                if ex * ex + ey * ey <= r * r {
                    self.set(x, y);
                }
            }
        }
    }
    /// Clears a thick segment (an occluder cutting the mask).
    pub fn cut(&mut self, p: [f64; 2], q: [f64; 2], r: f64) {
        let mut m = Mask::new(self.w, self.h);
        m.segment(p, q, r);
        for (a, b) in self.px.iter_mut().zip(&m.px) {
            if *b != 0 {
                *a = 0;
            }
        }
    }
    pub fn area(&self) -> usize {
        self.px.iter().filter(|&&v| v != 0).count()
    }
    /// Tight box [x1, y1, x2, y2] in continuous coordinates (pixel i spans [i, i+1)).
    pub fn bbox(&self) -> Option<[f32; 4]> {
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for y in 0..self.h {
            for x in 0..self.w {
                if self.px[y * self.w + x] != 0 {
                    x0 = x0.min(x);
                    y0 = y0.min(y);
                    x1 = x1.max(x);
                    y1 = y1.max(y);
                }
            }
        }
        (x0 != usize::MAX).then(|| [x0 as f32, y0 as f32, (x1 + 1) as f32, (y1 + 1) as f32])
    }
}

/// A person-like figure of height `height` with its head top at (cx, top): head, torso, two arms and two legs
/// at random angles, limbs a few pixels thick; sometimes cut by an occluder into several blobs.
pub fn person(rng: &mut ChaCha8Rng, m: &mut Mask, cx: f64, top: f64, height: f64, occlude: bool) {
    let u = height / 8.0; // head height unit
    let head = [cx + rng.random_range(-0.2..0.2) * u, top + 0.5 * u];
    m.ellipse(head[0], head[1], 0.38 * u, 0.5 * u);
    let neck = [cx, top + 1.0 * u];
    let hip = [cx + rng.random_range(-0.3..0.3) * u, top + 4.0 * u];
    m.segment(neck, hip, rng.random_range(0.55..0.8) * u);
    for side in [-1.0, 1.0] {
        let sh = [cx + side * 0.7 * u, top + 1.4 * u];
        let a1 = rng.random_range(-0.3f64..1.6) * side;
        let elbow = [sh[0] + 1.4 * u * a1.sin(), sh[1] + 1.4 * u * a1.cos()];
        let a2 = a1 + rng.random_range(-1.2..1.2);
        let hand = [elbow[0] + 1.3 * u * a2.sin(), elbow[1] + 1.3 * u * a2.cos()];
        let r = rng.random_range(0.12..0.22) * u;
        m.segment(sh, elbow, r);
        m.segment(elbow, hand, r * 0.85);
        let hp = [hip[0] + side * 0.4 * u, hip[1]];
        let b1 = rng.random_range(-0.1f64..0.6) * side;
        let knee = [hp[0] + 2.0 * u * b1.sin(), hp[1] + 2.0 * u * b1.cos()];
        let b2 = b1 + rng.random_range(-0.5..0.5);
        let foot = [knee[0] + 1.9 * u * b2.sin(), knee[1] + 1.9 * u * b2.cos()];
        let r = rng.random_range(0.2..0.32) * u;
        m.segment(hp, knee, r);
        m.segment(knee, foot, r * 0.8);
    }
    if occlude {
        let y = top + rng.random_range(2.0..6.0) * u;
        m.cut([cx - 3.0 * u, y], [cx + 3.0 * u, y + rng.random_range(-2.0..2.0) * u], rng.random_range(0.2..0.8) * u);
    }
}

/// A random test mask of kind `kind % 6` on a `w`×`h` canvas.
pub fn random_mask(seed: u64, w: usize, h: usize) -> Mask {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut m = Mask::new(w, h);
    let (wf, hf) = (w as f64, h as f64);
    let pt = |rng: &mut ChaCha8Rng| [rng.random_range(0.0..wf), rng.random_range(0.0..hf)];
    match seed % 6 {
        // several blobs
        0 => {
            for _ in 0..rng.random_range(1..4) {
                let p = pt(&mut rng);
                m.ellipse(p[0], p[1], rng.random_range(1.0..wf / 3.0), rng.random_range(1.0..hf / 3.0));
            }
        }
        // non-convex: blob with a bite, or a ring
        1 => {
            let p = pt(&mut rng);
            m.ellipse(p[0], p[1], wf / 3.0, hf / 3.0);
            let mut hole = Mask::new(w, h);
            hole.ellipse(p[0] + rng.random_range(-5.0..5.0), p[1] + rng.random_range(-5.0..5.0), wf / 5.0, hf / 5.0);
            for (a, b) in m.px.iter_mut().zip(&hole.px) {
                if *b != 0 {
                    *a = 0;
                }
            }
        }
        // limbs (thick segments), L and V shapes
        2 => {
            let a = pt(&mut rng);
            let b = pt(&mut rng);
            let c = pt(&mut rng);
            let r = rng.random_range(1.0..4.0);
            m.segment(a, b, r);
            m.segment(b, c, r);
        }
        // thin lines only (no interior pixel anywhere)
        3 => {
            for _ in 0..rng.random_range(1..3) {
                let a = pt(&mut rng);
                let b = pt(&mut rng);
                m.segment(a, b, rng.random_range(0.3..0.9));
            }
        }
        // random noise at some density, plus a blob touching the image border
        4 => {
            let d = rng.random_range(0.3..0.9);
            for v in m.px.iter_mut() {
                *v = rng.random_bool(d) as u8;
            }
            m.ellipse(0.0, hf / 2.0, wf / 4.0, hf / 4.0);
        }
        // person-like figure, possibly occluded
        _ => {
            let hgt = hf * rng.random_range(0.6..0.95);
            let occlude = rng.random_bool(0.5);
            person(&mut rng, &mut m, wf / 2.0, hf * 0.02, hgt, occlude);
        }
    }
    m
}
