//! Pixel coordinates of the FCOS locations (AdelaiDet `compute_locations`).

/// One FCOS location of one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// x = j·s + ⌊s/2⌋ in input pixels.
    pub x: f32,
    /// y = i·s + ⌊s/2⌋ in input pixels.
    pub y: f32,
    /// Index of the FPN level (0 = P3).
    pub level: usize,
    /// Stride of that level.
    pub stride: usize,
}

/// All locations of one image in FCOS order (level by level, row-major): `sizes[i] = (H_i, W_i)` are the
/// feature-map sizes and `strides[i]` the level strides. Lengths are zipped (the shorter one wins).
pub fn compute_locations(sizes: &[(usize, usize)], strides: &[usize]) -> Vec<Location> {
    let total: usize = sizes.iter().map(|(h, w)| h * w).sum();
    let mut out = Vec::with_capacity(total);
    for (level, (&(h, w), &s)) in sizes.iter().zip(strides).enumerate() {
        for i in 0..h {
            for j in 0..w {
                out.push(Location {
                    x: (j * s + s / 2) as f32,
                    y: (i * s + s / 2) as f32,
                    level,
                    stride: s,
                });
            }
        }
    }
    out
}
