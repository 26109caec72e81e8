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
    /// The same in single precision (exact for coordinates below 2^24), for the fast bounds.
    xs32: Vec<f32>,
    ys32: Vec<f32>,
}

impl EdgePoints {
    /// Converts integer edge points.
    pub fn from_points(points: &[[u32; 2]]) -> Self {
        Self {
            xs: points.iter().map(|p| p[0] as f64).collect(),
            ys: points.iter().map(|p| p[1] as f64).collect(),
            xs32: points.iter().map(|p| p[0] as f32).collect(),
            ys32: points.iter().map(|p| p[1] as f32).collect(),
        }
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

    /// A lower bound of the sum of distances over the rectangle [x0, x1] × [y0, y1], from the tangent plane at
    /// q = (qx, qy) (the objective is convex, so f(p) ≥ f(q) + ∇f(q)·(p − q) everywhere): f(q) plus the minimum
    /// of the linear term over the rectangle's corners.
    ///
    /// Evaluated in single precision, eight lanes at a time, then widened by a rigorous bound on the rounding
    /// error (each lane sums ⌈n/8⌉ terms of relative error ≤ 3u, u = 2⁻²⁴), so it never exceeds the exact bound.
    /// (qx, qy) must not coincide with an edge point (the search uses half-integer centres).
    pub fn tangent_lower_bound(&self, qx: f64, qy: f64, rect: [f64; 4]) -> f64 {
        const L: usize = 8;
        let (qx32, qy32) = (qx as f32, qy as f32);
        let (mut f, mut gx, mut gy) = ([0.0f32; L], [0.0f32; L], [0.0f32; L]);
        let xs = self.xs32.chunks_exact(L);
        let ys = self.ys32.chunks_exact(L);
        let (rx, ry) = (xs.remainder(), ys.remainder());
        for (cx, cy) in xs.zip(ys) {
            for k in 0..L {
                let (dx, dy) = (qx32 - cx[k], qy32 - cy[k]);
                let d = (dx * dx + dy * dy).sqrt();
                let inv = 1.0 / d;
                f[k] += d;
                gx[k] += dx * inv;
                gy[k] += dy * inv;
            }
        }
        for k in 0..rx.len() {
            let (dx, dy) = (qx32 - rx[k], qy32 - ry[k]);
            let d = (dx * dx + dy * dy).sqrt();
            let inv = 1.0 / d;
            f[k] += d;
            gx[k] += dx * inv;
            gy[k] += dy * inv;
        }
        let sum = |a: [f32; L]| a.iter().map(|&v| v as f64).sum::<f64>();
        let (f, gx, gy) = (sum(f), sum(gx), sum(gy));
        let n = self.len() as f64;
        // Relative rounding of one lane's running sum plus the per-term error, doubled for safety.
        let rel = 2.0 * ((self.len().div_ceil(L) + 4) as f64) * f64::from(f32::EPSILON);
        let gerr = rel * n;
        let qerr = ((qx - qx32 as f64).abs() + (qy - qy32 as f64).abs()) * n;
        let lin = |g: f64, a: f64, b: f64| (g * (a - qx)).min(g * (b - qx)) - gerr * (a - qx).abs().max((b - qx).abs());
        let (ax, bx) = (rect[0], rect[2]);
        let (ay, by) = (rect[1] - qy + qx, rect[3] - qy + qx); // shift so `lin` can measure from qx
        f * (1.0 - rel) - qerr + lin(gx, ax, bx) + lin(gy, ay, by)
    }
}

/// Edge points grouped by `tile`×`tile` pixel tiles, each replaced by its mean with the tile's count as
/// weight. By Jensen's inequality Σ_{e∈C}‖p − e‖ ≥ |C|·‖p − mean(C)‖, so the weighted sum is a lower bound
/// of the sum of distances everywhere, at a fraction of the cost (used for large search nodes).
#[derive(Debug, Clone, Default)]
pub struct EdgeClusters {
    xs: Vec<f64>,
    ys: Vec<f64>,
    ws: Vec<f64>,
}

impl EdgeClusters {
    /// Groups `points` by tiles of side `tile` (≥ 1).
    pub fn new(points: &[[u32; 2]], tile: u32) -> Self {
        let tile = tile.max(1);
        let mut keyed: Vec<(u64, [u32; 2])> =
            points.iter().map(|p| ((((p[1] / tile) as u64) << 32) | (p[0] / tile) as u64, *p)).collect();
        keyed.sort_unstable_by_key(|k| k.0);
        let mut out = Self::default();
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            let n = group.len() as f64;
            out.xs.push(group.iter().map(|g| g.1[0] as f64).sum::<f64>() / n);
            out.ys.push(group.iter().map(|g| g.1[1] as f64).sum::<f64>() / n);
            out.ws.push(n);
        }
        out
    }

    /// Number of clusters.
    pub fn len(&self) -> usize {
        self.xs.len()
    }

    /// Whether there are no clusters.
    pub fn is_empty(&self) -> bool {
        self.xs.is_empty()
    }

    /// Like [`EdgePoints::tangent_lower_bound`], for the clustered lower bound (double precision; terms at
    /// distance 0 contribute the zero subgradient).
    pub fn tangent_lower_bound(&self, qx: f64, qy: f64, rect: [f64; 4]) -> f64 {
        let (mut f, mut gx, mut gy) = ([0.0f64; 2], [0.0f64; 2], [0.0f64; 2]);
        for (k, ((&x, &y), &w)) in self.xs.iter().zip(&self.ys).zip(&self.ws).enumerate() {
            let (dx, dy) = (qx - x, qy - y);
            let d = (dx * dx + dy * dy).sqrt();
            let inv = if d > 0.0 { w / d } else { 0.0 };
            f[k & 1] += w * d;
            gx[k & 1] += dx * inv;
            gy[k & 1] += dy * inv;
        }
        let (f, gx, gy) = (f[0] + f[1], gx[0] + gx[1], gy[0] + gy[1]);
        let n: f64 = self.ws.iter().sum();
        // Double-precision rounding is far below this margin.
        let rel = 1e-9;
        let lin = |g: f64, q: f64, a: f64, b: f64| (g * (a - q)).min(g * (b - q)) - rel * n * (a - q).abs().max((b - q).abs());
        f * (1.0 - rel) + lin(gx, qx, rect[0], rect[2]) + lin(gy, qy, rect[1], rect[3])
    }
}
