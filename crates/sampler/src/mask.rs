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
        let expected = self.width.saturating_mul(self.height);
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
            let Some(a) = first_nonzero(row) else { continue };
            let b = last_nonzero(row).unwrap_or(a);
            let (rn, rsx) = row_moments(&row[a..=b]);
            n += rn;
            sx += rsx + rn * a as u64;
            sy += rn * y as u64;
        }
        (n > 0).then(|| [sx as f64 / n as f64, sy as f64 / n as f64])
    }
}

/// (count, Σx) of the nonzero bytes of one row, in blocks whose 32-bit partial sums cannot overflow.
fn row_moments(row: &[u8]) -> (u64, u64) {
    let (mut n, mut sx) = (0u64, 0u64);
    for (k, block) in row.chunks(1 << 15).enumerate() {
        let (mut bn, mut bsx) = (0u32, 0u32);
        for (x, &v) in block.iter().enumerate() {
            let b = (v != 0) as u32;
            bn += b;
            bsx += b * x as u32;
        }
        n += bn as u64;
        sx += bsx as u64 + bn as u64 * (k << 15) as u64;
    }
    (n, sx)
}

/// Whether a 32-byte chunk holds a nonzero byte (four words OR-ed, so zero runs are skipped quickly).
#[inline]
fn any32(c: &[u8]) -> bool {
    let w = |k: usize| u64::from_ne_bytes(c[8 * k..8 * k + 8].try_into().expect("8 bytes"));
    (w(0) | w(1) | w(2) | w(3)) != 0
}

/// Index of the first nonzero byte, skipping zero runs 32 bytes at a time.
fn first_nonzero(row: &[u8]) -> Option<usize> {
    let mut chunks = row.chunks_exact(32);
    let mut base = 0;
    for c in &mut chunks {
        if any32(c) {
            return c.iter().position(|&v| v != 0).map(|i| base + i);
        }
        base += 32;
    }
    chunks.remainder().iter().position(|&v| v != 0).map(|i| base + i)
}

/// Index of the last nonzero byte.
fn last_nonzero(row: &[u8]) -> Option<usize> {
    let mut chunks = row.rchunks_exact(32);
    let mut end = row.len();
    for c in &mut chunks {
        if any32(c) {
            return c.iter().rposition(|&v| v != 0).map(|i| end - 32 + i);
        }
        end -= 32;
    }
    chunks.remainder().iter().rposition(|&v| v != 0)
}

/// Bit masks of the positions 0..64 whose index has bit j set (for summing set-bit positions by popcount).
const POS_BITS: [u64; 6] = [
    0xAAAA_AAAA_AAAA_AAAA,
    0xCCCC_CCCC_CCCC_CCCC,
    0xF0F0_F0F0_F0F0_F0F0,
    0xFF00_FF00_FF00_FF00,
    0xFFFF_0000_FFFF_0000,
    0xFFFF_FFFF_0000_0000,
];

/// (number of set bits, sum of their positions) of `w`; full and empty words (most of a mask) skip the
/// popcounts, which are slow on CPUs compiled for without the `popcnt` instruction.
fn bit_moments(w: u64) -> (u64, u64) {
    match w {
        0 => (0, 0),
        u64::MAX => (64, 2016),
        _ => (w.count_ones() as u64, POS_BITS.iter().enumerate().map(|(j, &m)| ((w & m).count_ones() as u64) << j).sum()),
    }
}

/// Number of set bits, with the same shortcut.
fn ones(w: u64) -> u64 {
    match w {
        0 => 0,
        u64::MAX => 64,
        _ => w.count_ones() as u64,
    }
}

/// Packs nonzero bytes into bits (byte k of `src` → bit k), 64 per word, little-endian.
fn pack_row(src: &[u8], dst: &mut [u64]) {
    dst.iter_mut().for_each(|w| *w = 0);
    let mut chunks = src.chunks_exact(8);
    for (j, c) in (&mut chunks).enumerate() {
        let v = u64::from_le_bytes(c.try_into().expect("chunk of 8"));
        let mut t = v | (v >> 4);
        t |= t >> 2;
        t |= t >> 1;
        t &= 0x0101_0101_0101_0101;
        let byte = t.wrapping_mul(0x0102_0408_1020_4080) >> 56;
        dst[j / 8] |= byte << (8 * (j % 8));
    }
    let base = src.len() - chunks.remainder().len();
    for (k, &v) in chunks.remainder().iter().enumerate() {
        if v != 0 {
            let x = base + k;
            dst[x / 64] |= 1 << (x % 64);
        }
    }
}

/// What the centre strategies need to know about one mask: its foreground box, moments, edge points and
/// 3×3 interior, as bit rows over the foreground box (64 pixels per word).
///
/// *Edge point*: a foreground pixel with a 4-neighbour that is background or outside the image. (The authors'
/// `get_gradient` misses pixels whose two opposite neighbours are both background, and pixels on the image
/// border; we keep both, so every foreground pixel of a thin part is an edge point.)
///
/// *Interior pixel*: a foreground pixel whose whole 3×3 neighbourhood is foreground and inside the image
/// (the authors' `inner_dot`).
#[derive(Debug, Clone)]
pub struct MaskGeometry {
    /// Image coordinates of the foreground box's top-left pixel.
    x0: usize,
    y0: usize,
    /// Size of the foreground box (0 for an empty mask).
    cw: usize,
    ch: usize,
    /// Words per bit row.
    nw: usize,
    /// Foreground bits, `ch` rows of `nw` words.
    fg: Vec<u64>,
    /// Interior bits, same layout.
    interior: Vec<u64>,
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
                x0: 0,
                y0: 0,
                cw: 0,
                ch: 0,
                nw: 0,
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
        let nw = cw.div_ceil(64);
        let mut fg = vec![0u64; nw * ch];
        let (mut area, mut sum_x, mut sum_y) = (0u64, 0u64, 0u64);
        for cy in 0..ch {
            let src = &mask.pixels[(y0 + cy) * w + x0..(y0 + cy) * w + x0 + cw];
            let row = &mut fg[cy * nw..(cy + 1) * nw];
            pack_row(src, row);
            let mut n = 0u64;
            for (k, &word) in row.iter().enumerate() {
                let (c, sx) = bit_moments(word);
                n += c;
                sum_x += sx + c * (64 * k + x0) as u64;
            }
            area += n;
            sum_y += n * (y0 + cy) as u64;
        }
        // Neighbour rows by shifting: bit x of `left` is pixel x-1, of `right` pixel x+1 (zeros shifted in:
        // pixels outside the foreground box are background).
        let shifted = |row: &[u64], out_l: &mut [u64], out_r: &mut [u64]| {
            for k in 0..row.len() {
                let prev = if k > 0 { row[k - 1] >> 63 } else { 0 };
                let next = if k + 1 < row.len() { row[k + 1] << 63 } else { 0 };
                out_l[k] = (row[k] << 1) | prev;
                out_r[k] = (row[k] >> 1) | next;
            }
        };
        let (mut l, mut r) = (vec![0u64; nw], vec![0u64; nw]);
        let mut h3 = vec![0u64; nw * ch];
        let mut horiz = vec![0u64; nw * ch]; // left & right neighbours both foreground
        for cy in 0..ch {
            let row = &fg[cy * nw..(cy + 1) * nw];
            shifted(row, &mut l, &mut r);
            for k in 0..nw {
                horiz[cy * nw + k] = l[k] & r[k];
                h3[cy * nw + k] = row[k] & l[k] & r[k];
            }
        }
        let mut interior = vec![0u64; nw * ch];
        let mut edges = Vec::new();
        let mut interior_count = 0usize;
        let zero = vec![0u64; nw];
        for cy in 0..ch {
            let up = if cy > 0 { &fg[(cy - 1) * nw..cy * nw] } else { &zero[..] };
            let down = if cy + 1 < ch { &fg[(cy + 1) * nw..(cy + 2) * nw] } else { &zero[..] };
            let hu = if cy > 0 { &h3[(cy - 1) * nw..cy * nw] } else { &zero[..] };
            let hd = if cy + 1 < ch { &h3[(cy + 1) * nw..(cy + 2) * nw] } else { &zero[..] };
            let y = (y0 + cy) as u32;
            for k in 0..nw {
                let i = cy * nw + k;
                let inner = hu[k] & h3[i] & hd[k];
                interior[i] = inner;
                interior_count += ones(inner) as usize;
                let mut e = fg[i] & !(up[k] & down[k] & horiz[i]);
                while e != 0 {
                    let b = e.trailing_zeros() as usize;
                    edges.push([(x0 + 64 * k + b) as u32, y]);
                    e &= e - 1;
                }
            }
        }
        Ok(Self { x0, y0, cw, ch, nw, fg, interior, area, sum_x, sum_y, interior_count, edges })
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
        (self.area > 0).then(|| [self.x0, self.y0, self.x0 + self.cw - 1, self.y0 + self.ch - 1])
    }

    /// Whether image pixel (x, y) is foreground.
    pub fn is_foreground(&self, x: i64, y: i64) -> bool {
        self.bit(&self.fg, x, y)
    }

    /// Whether image pixel (x, y) is an interior pixel.
    pub fn is_interior(&self, x: i64, y: i64) -> bool {
        self.bit(&self.interior, x, y)
    }

    fn bit(&self, bits: &[u64], x: i64, y: i64) -> bool {
        let (cx, cy) = (x - self.x0 as i64, y - self.y0 as i64);
        if cx < 0 || cy < 0 || cx as usize >= self.cw || cy as usize >= self.ch {
            return false;
        }
        let (cx, cy) = (cx as usize, cy as usize);
        bits[cy * self.nw + cx / 64] >> (cx % 64) & 1 != 0
    }

    /// The candidate bitmap the search works on: interior pixels, or all foreground when `interior` is false.
    pub(crate) fn crop(&self, interior: bool) -> Crop<'_> {
        Crop {
            x0: self.x0 as isize,
            y0: self.y0 as isize,
            w: self.cw,
            h: self.ch,
            nw: self.nw,
            bits: if interior { &self.interior } else { &self.fg },
        }
    }
}

/// A candidate bitmap over the foreground box (see [`MaskGeometry::crop`]).
pub(crate) struct Crop<'g> {
    pub x0: isize,
    pub y0: isize,
    pub w: usize,
    pub h: usize,
    nw: usize,
    bits: &'g [u64],
}

impl Crop<'_> {
    /// Candidate test at crop coordinates (cx, cy), both inside the crop.
    #[inline]
    pub fn at(&self, cx: usize, cy: usize) -> bool {
        self.bits[cy * self.nw + cx / 64] >> (cx % 64) & 1 != 0
    }

    /// Bit row `cy` (bit x = crop column x).
    pub fn row(&self, cy: usize) -> &[u64] {
        &self.bits[cy * self.nw..(cy + 1) * self.nw]
    }
}
