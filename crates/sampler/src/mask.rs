//! Borrowed binary masks and the geometry the centre strategies need (centroid, edge points, 3×3 interior).

use crate::SamplerError;

/// A borrowed binary mask, row-major, one byte per pixel, nonzero = foreground.
#[derive(Debug, Clone, Copy)]
pub struct MaskView<'a> {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` bytes, row-major.
    pub pixels: &'a [u8],
}

impl<'a> MaskView<'a> {
    /// Wraps `pixels`, checking that it holds exactly `width * height` bytes.
    pub fn new(width: usize, height: usize, pixels: &'a [u8]) -> Result<Self, SamplerError> {
        let m = Self { width, height, pixels };
        m.check(0)?;
        Ok(m)
    }

    /// Checks the buffer length; `index` names the mask in the error.
    pub fn check(&self, index: usize) -> Result<(), SamplerError> {
        let expected = self.width.checked_mul(self.height).unwrap_or(usize::MAX);
        if self.pixels.len() != expected {
            return Err(SamplerError::MaskLength {
                index,
                width: self.width,
                height: self.height,
                expected,
                got: self.pixels.len(),
            });
        }
        Ok(())
    }

    /// Whether pixel (x, y) is foreground; false outside the mask.
    pub fn get(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height && self.pixels.get(y * self.width + x).is_some_and(|&v| v != 0)
    }

    /// Whether the point (x, y) in pixel-index coordinates falls on a foreground pixel (the pixel
    /// `(floor(x), floor(y))`); false for negative or non-finite coordinates.
    pub fn contains_point(&self, x: f32, y: f32) -> bool {
        x.is_finite() && y.is_finite() && x >= 0.0 && y >= 0.0 && self.get(x as usize, y as usize)
    }

    /// Number of foreground pixels.
    pub fn area(&self) -> usize {
        self.pixels.iter().filter(|&&v| v != 0).count()
    }

    /// Centroid (m10/m00, m01/m00) in pixel-index coordinates (no +0.5, as AdelaiDet and HVISNet), or `None`
    /// for an empty mask.
    pub fn centroid(&self) -> Option<[f64; 2]> {
        let (mut n, mut sx, mut sy) = (0u64, 0u64, 0u64);
        for (y, row) in self.pixels.chunks_exact(self.width.max(1)).take(self.height).enumerate() {
            let (rn, rsx) = row_moments(row);
            n += rn;
            sx += rsx;
            sy += rn * y as u64;
        }
        (n > 0).then(|| [sx as f64 / n as f64, sy as f64 / n as f64])
    }
}

/// (count, Σx) of the nonzero bytes of one row.
fn row_moments(row: &[u8]) -> (u64, u64) {
    let (mut n, mut sx) = (0u64, 0u64);
    for (x, &v) in row.iter().enumerate() {
        let b = (v != 0) as u64;
        n += b;
        sx += b * x as u64;
    }
    (n, sx)
}

/// Index of the first nonzero byte, skipping zero runs eight bytes at a time.
fn first_nonzero(row: &[u8]) -> Option<usize> {
    let mut chunks = row.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        if u64::from_ne_bytes(c.try_into().expect("chunk of 8")) != 0 {
            return c.iter().position(|&v| v != 0).map(|i| base + i);
        }
        base += 8;
    }
    chunks.remainder().iter().position(|&v| v != 0).map(|i| base + i)
}

/// Index of the last nonzero byte.
fn last_nonzero(row: &[u8]) -> Option<usize> {
    let mut chunks = row.rchunks_exact(8);
    let mut end = row.len();
    for c in &mut chunks {
        if u64::from_ne_bytes(c.try_into().expect("chunk of 8")) != 0 {
            return c.iter().rposition(|&v| v != 0).map(|i| end - 8 + i);
        }
        end -= 8;
    }
    chunks.remainder().iter().rposition(|&v| v != 0)
}

/// What the centre strategies need to know about one mask: its foreground box, moments, edge points and
/// 3×3 interior, stored over the foreground box padded by one background pixel on every side.
///
/// *Edge point*: a foreground pixel with a 4-neighbour that is background or outside the image. (The authors'
/// `get_gradient` misses pixels whose two opposite neighbours are both background, and pixels on the image
/// border; we keep both, so every foreground pixel of a thin part is an edge point.)
///
/// *Interior pixel*: a foreground pixel whose whole 3×3 neighbourhood is foreground and inside the image
/// (the authors' `inner_dot`).
#[derive(Debug, Clone)]
pub struct MaskGeometry {
    /// Image x of padded column 0 (may be -1).
    px0: isize,
    /// Image y of padded row 0 (may be -1).
    py0: isize,
    /// Padded width and height.
    pw: usize,
    ph: usize,
    /// 0/1 foreground over the padded box.
    fg: Vec<u8>,
    /// 0/1 interior over the padded box.
    interior: Vec<u8>,
    area: u64,
    sum_x: u64,
    sum_y: u64,
    interior_count: usize,
    /// Edge points in image coordinates, row-major order.
    edges: Vec<[u32; 2]>,
}

impl MaskGeometry {
    /// Analyses `mask` (errors only on a buffer of the wrong length).
    pub fn new(mask: MaskView<'_>) -> Result<Self, SamplerError> {
        mask.check(0)?;
        let (w, h) = (mask.width, mask.height);
        let mut bounds: Option<(usize, usize, usize, usize)> = None; // x0, x1, y0, y1 inclusive
        if w > 0 {
            for (y, row) in mask.pixels.chunks_exact(w).take(h).enumerate() {
                if let Some(a) = first_nonzero(row) {
                    let b = last_nonzero(row).unwrap_or(a);
                    bounds = Some(match bounds {
                        None => (a, b, y, y),
                        Some((x0, x1, y0, _)) => (x0.min(a), x1.max(b), y0, y),
                    });
                }
            }
        }
        let Some((x0, x1, y0, y1)) = bounds else {
            return Ok(Self {
                px0: 0,
                py0: 0,
                pw: 0,
                ph: 0,
                fg: Vec::new(),
                interior: Vec::new(),
                area: 0,
                sum_x: 0,
                sum_y: 0,
                interior_count: 0,
                edges: Vec::new(),
            });
        };
        let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
        let (pw, ph) = (cw + 2, ch + 2);
        let mut fg = vec![0u8; pw * ph];
        let (mut area, mut sum_x, mut sum_y) = (0u64, 0u64, 0u64);
        for cy in 0..ch {
            let src = &mask.pixels[(y0 + cy) * w + x0..(y0 + cy) * w + x0 + cw];
            let dst = &mut fg[(cy + 1) * pw + 1..(cy + 1) * pw + 1 + cw];
            for (d, &s) in dst.iter_mut().zip(src) {
                *d = (s != 0) as u8;
            }
            let (n, sx) = row_moments(src);
            area += n;
            sum_x += sx + n * x0 as u64;
            sum_y += n * (y0 + cy) as u64;
        }
        // Horizontal 3-runs, then interior = three stacked runs; edges = fg minus "all four neighbours fg".
        let mut h3 = vec![0u8; pw * ph];
        for r in 1..ph - 1 {
            let row = &fg[r * pw..(r + 1) * pw];
            let out = &mut h3[r * pw + 1..(r + 1) * pw - 1];
            for (i, o) in out.iter_mut().enumerate() {
                *o = row[i] & row[i + 1] & row[i + 2];
            }
        }
        let mut interior = vec![0u8; pw * ph];
        let mut edge_row = vec![0u8; pw];
        let mut edges = Vec::new();
        let mut interior_count = 0usize;
        for r in 1..ph - 1 {
            let (up, mid, down) = (&fg[(r - 1) * pw..r * pw], &fg[r * pw..(r + 1) * pw], &fg[(r + 1) * pw..(r + 2) * pw]);
            let (hu, hm, hd) = (&h3[(r - 1) * pw..r * pw], &h3[r * pw..(r + 1) * pw], &h3[(r + 1) * pw..(r + 2) * pw]);
            let irow = &mut interior[r * pw..(r + 1) * pw];
            let mut cnt = 0u32;
            for i in 1..pw - 1 {
                let v = hu[i] & hm[i] & hd[i];
                irow[i] = v;
                cnt += v as u32;
                edge_row[i] = mid[i] & !(up[i] & down[i] & mid[i - 1] & mid[i + 1]) & 1;
            }
            interior_count += cnt as usize;
            let y = (y0 + r - 1) as u32;
            let mut base = 0;
            for c in edge_row.chunks(8) {
                if c.len() < 8 || u64::from_ne_bytes(c.try_into().expect("chunk of 8")) != 0 {
                    for (k, &v) in c.iter().enumerate() {
                        if v != 0 {
                            edges.push([(x0 + base + k - 1) as u32, y]);
                        }
                    }
                }
                base += c.len();
            }
            edge_row.iter_mut().for_each(|v| *v = 0);
        }
        Ok(Self {
            px0: x0 as isize - 1,
            py0: y0 as isize - 1,
            pw,
            ph,
            fg,
            interior,
            area,
            sum_x,
            sum_y,
            interior_count,
            edges,
        })
    }

    /// Number of foreground pixels.
    pub fn area(&self) -> u64 {
        self.area
    }

    /// Centroid in pixel-index coordinates, `None` for an empty mask.
    pub fn centroid(&self) -> Option<[f64; 2]> {
        (self.area > 0).then(|| [self.sum_x as f64 / self.area as f64, self.sum_y as f64 / self.area as f64])
    }

    /// Edge points in image coordinates, row-major.
    pub fn edges(&self) -> &[[u32; 2]] {
        &self.edges
    }

    /// Number of interior pixels (3×3 neighbourhood all foreground).
    pub fn interior_count(&self) -> usize {
        self.interior_count
    }

    /// Foreground bounding box `[x0, y0, x1, y1]` (inclusive pixel indices), `None` for an empty mask.
    pub fn foreground_box(&self) -> Option<[usize; 4]> {
        (self.area > 0).then(|| {
            let (x0, y0) = ((self.px0 + 1) as usize, (self.py0 + 1) as usize);
            [x0, y0, x0 + self.pw - 3, y0 + self.ph - 3]
        })
    }

    /// Whether image pixel (x, y) is foreground.
    pub fn is_foreground(&self, x: i64, y: i64) -> bool {
        self.padded_index(x, y).is_some_and(|i| self.fg[i] != 0)
    }

    /// Whether image pixel (x, y) is an interior pixel.
    pub fn is_interior(&self, x: i64, y: i64) -> bool {
        self.padded_index(x, y).is_some_and(|i| self.interior[i] != 0)
    }

    fn padded_index(&self, x: i64, y: i64) -> Option<usize> {
        let (i, j) = (x - self.px0 as i64, y - self.py0 as i64);
        (i >= 0 && j >= 0 && (i as usize) < self.pw && (j as usize) < self.ph).then(|| j as usize * self.pw + i as usize)
    }

    /// The crop the search works on: origin (image coords of crop pixel (0,0)), size, and the candidate
    /// bitmap (interior, or foreground when `interior` is false) with its padded row pitch.
    pub(crate) fn crop(&self, interior: bool) -> Crop<'_> {
        let map = if interior { &self.interior } else { &self.fg };
        Crop {
            x0: self.px0 + 1,
            y0: self.py0 + 1,
            w: self.pw.saturating_sub(2),
            h: self.ph.saturating_sub(2),
            pitch: self.pw,
            map,
        }
    }
}

/// A candidate bitmap over the foreground box (see [`MaskGeometry::crop`]).
pub(crate) struct Crop<'g> {
    pub x0: isize,
    pub y0: isize,
    pub w: usize,
    pub h: usize,
    pitch: usize,
    map: &'g [u8],
}

impl Crop<'_> {
    /// Candidate test at crop coordinates (cx, cy), both inside the crop.
    #[inline]
    pub fn at(&self, cx: usize, cy: usize) -> bool {
        self.map[(cy + 1) * self.pitch + cx + 1] != 0
    }

    /// Row `cy` of the crop's candidate bitmap.
    pub fn row(&self, cy: usize) -> &[u8] {
        &self.map[(cy + 1) * self.pitch + 1..(cy + 1) * self.pitch + 1 + self.w]
    }
}
