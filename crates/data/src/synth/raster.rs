//! Scanline rasterisation of small polygons into an RGB frame and a label map.
//!
//! Every shape is a polygon (capsules and ellipses are turned into polygons first) and is filled row by row
//! over its own bounding box only, so drawing a person costs in proportion to its size, not to the image.
//! A pixel is covered when its centre `(x + 0.5, y + 0.5)` is inside the polygon (even-odd rule).

/// A point in pixel coordinates (x right, y down).
pub type Pt = (f32, f32);

/// How a filled shape is coloured.
#[derive(Debug, Clone, Copy)]
pub enum Paint {
    /// One colour.
    Solid([u8; 3]),
    /// Bands of two colours along `axis` (a unit vector) starting at `origin`, each `period / 2` wide.
    Stripes { a: [u8; 3], b: [u8; 3], origin: Pt, axis: Pt, period: f32 },
}

impl Paint {
    /// The colour of the pixel whose centre is `(x, y)`.
    #[inline]
    fn at(&self, x: f32, y: f32) -> [u8; 3] {
        match *self {
            Paint::Solid(c) => c,
            Paint::Stripes { a, b, origin, axis, period } => {
                let t = (x - origin.0) * axis.0 + (y - origin.1) * axis.1;
                if (t / period).rem_euclid(1.0) < 0.5 { a } else { b }
            }
        }
    }

    /// The same paint with every colour scaled by `f` (shading of limbs on the far side of the body).
    pub fn shaded(self, f: f32) -> Paint {
        let s = |c: [u8; 3]| c.map(|v| (v as f32 * f).clamp(0.0, 255.0) as u8);
        match self {
            Paint::Solid(c) => Paint::Solid(s(c)),
            Paint::Stripes { a, b, origin, axis, period } => Paint::Stripes { a: s(a), b: s(b), origin, axis, period },
        }
    }
}

/// An RGB frame (row-major, 3 bytes per pixel) with a label per pixel: 0 = not a person, `k` = person slot `k`.
#[derive(Debug, Clone)]
pub struct Canvas {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major RGB bytes, `3 * width * height`.
    pub rgb: Vec<u8>,
    /// Row-major labels, `width * height`; painting overwrites, so only visible parts keep their label.
    pub labels: Vec<u16>,
    crossings: Vec<f32>,
}

impl Canvas {
    /// A black canvas with all labels 0.
    pub fn new(width: usize, height: usize) -> Self {
        Canvas { width, height, rgb: vec![0; 3 * width * height], labels: vec![0; width * height], crossings: Vec::new() }
    }

    /// Fills `poly` with `paint` and writes `label` under it (0 for non-person objects, which then hide people).
    pub fn fill_polygon(&mut self, poly: &[Pt], paint: &Paint, label: u16) {
        if poly.len() < 3 {
            return;
        }
        let (mut y_lo, mut y_hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for p in poly {
            y_lo = y_lo.min(p.1);
            y_hi = y_hi.max(p.1);
        }
        if !(y_lo.is_finite() && y_hi.is_finite()) {
            return;
        }
        // Rows whose pixel centre y + 0.5 lies in [y_lo, y_hi].
        let row0 = ((y_lo - 0.5).ceil().max(0.0)) as usize;
        let row1 = ((y_hi - 0.5).floor().min(self.height as f32 - 1.0)) as isize;
        if row1 < row0 as isize {
            return;
        }
        let mut xs = std::mem::take(&mut self.crossings);
        for row in row0..=row1 as usize {
            let yc = row as f32 + 0.5;
            xs.clear();
            let mut prev = poly[poly.len() - 1];
            for &cur in poly {
                if (prev.1 <= yc) != (cur.1 <= yc) {
                    xs.push(prev.0 + (yc - prev.1) * (cur.0 - prev.0) / (cur.1 - prev.1));
                }
                prev = cur;
            }
            xs.sort_unstable_by(f32::total_cmp);
            for pair in xs.chunks_exact(2) {
                // Pixels whose centre x + 0.5 lies in [pair[0], pair[1]).
                let c0 = (pair[0] - 0.5).ceil().max(0.0);
                let c1 = ((pair[1] - 0.5).ceil()).min(self.width as f32);
                if c1 <= c0 {
                    continue;
                }
                let base = row * self.width;
                for col in c0 as usize..c1 as usize {
                    let c = paint.at(col as f32 + 0.5, yc);
                    let i = base + col;
                    self.rgb[3 * i..3 * i + 3].copy_from_slice(&c);
                    self.labels[i] = label;
                }
            }
        }
        self.crossings = xs;
    }

    /// Fills a capsule (a segment `p`–`q` thickened to radius `rp` at `p` and `rq` at `q`).
    pub fn fill_capsule(&mut self, p: Pt, q: Pt, rp: f32, rq: f32, paint: &Paint, label: u16) {
        let poly = capsule(p, q, rp, rq);
        self.fill_polygon(&poly, paint, label);
    }

    /// Fills an ellipse with centre `c`, radii `rx`, `ry`, rotated by `angle` radians.
    pub fn fill_ellipse(&mut self, c: Pt, rx: f32, ry: f32, angle: f32, paint: &Paint, label: u16) {
        let poly = ellipse(c, rx, ry, angle);
        self.fill_polygon(&poly, paint, label);
    }
}

/// Number of polygon vertices for a round arc of radius `r` spanning half a turn.
fn arc_steps(r: f32) -> usize {
    (r * 0.8).clamp(3.0, 12.0) as usize
}

/// The outline of a capsule as a polygon: a half-circle around each end joined by straight sides.
pub fn capsule(p: Pt, q: Pt, rp: f32, rq: f32) -> Vec<Pt> {
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let len = (dx * dx + dy * dy).sqrt();
    if len < 1e-3 {
        return ellipse(p, rp.max(rq), rp.max(rq), 0.0);
    }
    let base = dy.atan2(dx);
    let mut out = Vec::with_capacity(2 * arc_steps(rp.max(rq)) + 4);
    for (c, r, start) in [(q, rq, base - std::f32::consts::FRAC_PI_2), (p, rp, base + std::f32::consts::FRAC_PI_2)] {
        let n = arc_steps(r);
        for i in 0..=n {
            let a = start + std::f32::consts::PI * i as f32 / n as f32;
            out.push((c.0 + r * a.cos(), c.1 + r * a.sin()));
        }
    }
    out
}

/// The outline of a rotated ellipse as a polygon.
pub fn ellipse(c: Pt, rx: f32, ry: f32, angle: f32) -> Vec<Pt> {
    let n = 2 * arc_steps(rx.max(ry));
    let (s, co) = angle.sin_cos();
    (0..n)
        .map(|i| {
            let t = std::f32::consts::TAU * i as f32 / n as f32;
            let (ex, ey) = (rx * t.cos(), ry * t.sin());
            (c.0 + ex * co - ey * s, c.1 + ex * s + ey * co)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_covers_exact_pixels() {
        let mut c = Canvas::new(8, 8);
        c.fill_polygon(&[(1.0, 2.0), (5.0, 2.0), (5.0, 6.0), (1.0, 6.0)], &Paint::Solid([9, 9, 9]), 3);
        let n = c.labels.iter().filter(|&&l| l == 3).count();
        assert_eq!(n, 16);
        assert_eq!(c.labels[2 * 8 + 1], 3);
        assert_eq!(c.labels[2 * 8 + 5], 0);
        assert_eq!(c.labels[6 * 8 + 1], 0);
    }

    #[test]
    fn shapes_off_image_are_clipped() {
        let mut c = Canvas::new(4, 4);
        c.fill_capsule((-10.0, -10.0), (20.0, 20.0), 3.0, 3.0, &Paint::Solid([1, 2, 3]), 1);
        c.fill_ellipse((100.0, 100.0), 5.0, 5.0, 0.0, &Paint::Solid([1, 2, 3]), 2);
        assert!(c.labels.iter().all(|&l| l <= 1));
        assert_eq!(c.labels[0], 1);
    }

    #[test]
    fn disc_area_is_close_to_pi_r2() {
        let mut c = Canvas::new(64, 64);
        c.fill_ellipse((32.0, 32.0), 20.0, 20.0, 0.3, &Paint::Solid([1, 1, 1]), 1);
        let n = c.labels.iter().filter(|&&l| l == 1).count() as f32;
        let expect = std::f32::consts::PI * 400.0;
        assert!((n - expect).abs() / expect < 0.05, "{n} vs {expect}");
    }
}
