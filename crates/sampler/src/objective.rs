//! The inner-centre objective: sum of Euclidean distances from a point to a set of edge points.
//!
//! The summation order is fixed (four interleaved partial sums, combined pairwise), so the value for a given
//! point and edge list is bit-for-bit reproducible; the exact search and the brute-force check in the tests
//! call the same function and therefore agree on ties.

/// Edge points as two coordinate arrays (structure of arrays, for vectorisable loops).
#[derive(Debug, Clone, Default)]
pub struct EdgePoints {
    /// x coordinates (image pixels).
    pub xs: Vec<f64>,
    /// y coordinates (image pixels).
    pub ys: Vec<f64>,
}

impl EdgePoints {
    /// Converts integer edge points.
    pub fn from_points(points: &[[u32; 2]]) -> Self {
        Self { xs: points.iter().map(|p| p[0] as f64).collect(), ys: points.iter().map(|p| p[1] as f64).collect() }
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.xs.len()
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }

    /// Σ‖(x, y) − e‖ over all edge points e.
    pub fn sum_of_distances(&self, x: f64, y: f64) -> f64 {
        let mut acc = [0.0f64; 4];
        let xs = self.xs.chunks_exact(4);
        let ys = self.ys.chunks_exact(4);
        let (rx, ry) = (xs.remainder(), ys.remainder());
        for (cx, cy) in xs.zip(ys) {
            for k in 0..4 {
                let (dx, dy) = (x - cx[k], y - cy[k]);
                acc[k] += (dx * dx + dy * dy).sqrt();
            }
        }
        for k in 0..rx.len() {
            let (dx, dy) = (x - rx[k], y - ry[k]);
            acc[k] += (dx * dx + dy * dy).sqrt();
        }
        (acc[0] + acc[1]) + (acc[2] + acc[3])
    }

    /// The sum of distances and its gradient at (x, y); terms at distance 0 contribute the zero subgradient.
    pub fn sum_and_gradient(&self, x: f64, y: f64) -> (f64, f64, f64) {
        let (mut f, mut gx, mut gy) = ([0.0f64; 4], [0.0f64; 4], [0.0f64; 4]);
        let xs = self.xs.chunks_exact(4);
        let ys = self.ys.chunks_exact(4);
        let (rx, ry) = (xs.remainder(), ys.remainder());
        for (cx, cy) in xs.zip(ys) {
            for k in 0..4 {
                let (dx, dy) = (x - cx[k], y - cy[k]);
                let d = (dx * dx + dy * dy).sqrt();
                let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
                f[k] += d;
                gx[k] += dx * inv;
                gy[k] += dy * inv;
            }
        }
        for k in 0..rx.len() {
            let (dx, dy) = (x - rx[k], y - ry[k]);
            let d = (dx * dx + dy * dy).sqrt();
            let inv = if d > 0.0 { 1.0 / d } else { 0.0 };
            f[k] += d;
            gx[k] += dx * inv;
            gy[k] += dy * inv;
        }
        let s = |a: [f64; 4]| (a[0] + a[1]) + (a[2] + a[3]);
        (s(f), s(gx), s(gy))
    }
}
