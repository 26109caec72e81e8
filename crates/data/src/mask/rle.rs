//! The run-length mask type with pycocotools semantics: runs over the column-major pixel order, alternating
//! background/foreground and always starting with a (possibly empty) background run.

use super::MaskError;

/// A binary mask of `h × w` pixels as column-major run lengths, exactly as pycocotools' `RLE` struct.
/// `counts[0]` counts background pixels, `counts[1]` foreground, and so on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rle {
    /// Height in pixels.
    pub h: u32,
    /// Width in pixels.
    pub w: u32,
    /// Alternating run lengths (background first) over the column-major pixel order.
    pub counts: Vec<u32>,
}

impl Rle {
    /// An all-background mask.
    pub fn empty(h: u32, w: u32) -> Rle {
        Rle { h, w, counts: vec![h * w] }
    }

    /// Encodes a column-major mask (`data[x * h + y]`, nonzero = foreground), as pycocotools `encode`.
    pub fn from_col_major(h: u32, w: u32, data: &[u8]) -> Rle {
        assert_eq!(data.len(), h as usize * w as usize, "mask buffer must hold h*w bytes");
        Rle { h, w, counts: runs(data.iter().map(|&v| v != 0)) }
    }

    /// Encodes a row-major mask (`data[y * w + x]`, nonzero = foreground), the layout of images.
    pub fn from_row_major(h: u32, w: u32, data: &[u8]) -> Rle {
        assert_eq!(data.len(), h as usize * w as usize, "mask buffer must hold h*w bytes");
        let (hu, wu) = (h as usize, w as usize);
        let col = (0..hu * wu).map(|i| {
            let (x, y) = (i / hu.max(1), i % hu.max(1));
            data[y * wu + x] != 0
        });
        Rle { h, w, counts: runs(col) }
    }

    /// Builds a mask from run lengths, checking that they cover exactly `h × w` pixels.
    pub fn from_counts(h: u32, w: u32, counts: Vec<u32>) -> Result<Rle, MaskError> {
        let total: u64 = counts.iter().map(|&c| c as u64).sum();
        if total != h as u64 * w as u64 {
            return Err(MaskError::CountsSum { h, w, sum: total });
        }
        Ok(Rle { h, w, counts })
    }

    /// Decodes to a column-major 0/1 buffer of `h*w` bytes.
    pub fn to_col_major(&self) -> Vec<u8> {
        let n = self.h as usize * self.w as usize;
        let mut out = vec![0u8; n];
        let mut p = 0usize;
        for (i, &c) in self.counts.iter().enumerate() {
            let end = (p + c as usize).min(n);
            if i % 2 == 1 {
                out[p..end].fill(1);
            }
            p = end;
        }
        out
    }

    /// Decodes to a row-major 0/1 buffer (`data[y * w + x]`).
    pub fn to_row_major(&self) -> Vec<u8> {
        let (h, w) = (self.h as usize, self.w as usize);
        let mut out = vec![0u8; h * w];
        let mut p = 0usize;
        for (i, &c) in self.counts.iter().enumerate() {
            let end = (p + c as usize).min(h * w);
            if i % 2 == 1 {
                for q in p..end {
                    let (x, y) = (q / h, q % h);
                    out[y * w + x] = 1;
                }
            }
            p = end;
        }
        out
    }

    /// Number of foreground pixels (sum of the odd-indexed runs), as pycocotools `area`.
    pub fn area(&self) -> u64 {
        self.counts.iter().skip(1).step_by(2).map(|&c| c as u64).sum()
    }

    /// Tight box `[x, y, w, h]` of the foreground, as pycocotools `toBbox` (zeros for an empty mask).
    pub fn bbox(&self) -> [f64; 4] {
        let (h, w) = (self.h as u64, self.w as u64);
        let m = self.counts.len() / 2 * 2;
        if m == 0 || h == 0 {
            return [0.0; 4];
        }
        let (mut xs, mut ys, mut xe, mut ye) = (w, h, 0u64, 0u64);
        let mut cc: u64 = 0;
        let mut xp = 0u64;
        for j in 0..m {
            cc += self.counts[j] as u64;
            let t = cc.wrapping_sub((j % 2) as u64);
            let y = t % h;
            let x = (t - y) / h;
            if j % 2 == 0 {
                xp = x;
            } else if xp < x {
                ys = 0;
                ye = h - 1;
            }
            xs = xs.min(x);
            xe = xe.max(x);
            ys = ys.min(y);
            ye = ye.max(y);
        }
        [xs as f64, ys as f64, (xe as f64) - (xs as f64) + 1.0, (ye as f64) - (ys as f64) + 1.0]
    }

    /// Foreground pixels shared with `other` (0 when the sizes differ).
    pub fn intersection_area(&self, other: &Rle) -> u64 {
        if self.h != other.h || self.w != other.w {
            return 0;
        }
        let (i, _) = inter_union(self, other);
        i
    }

    /// Union (`intersect = false`) or intersection of masks, exactly as pycocotools `merge`
    /// (an empty list or masks of different sizes give a 0×0 mask).
    pub fn merge(rles: &[Rle], intersect: bool) -> Rle {
        let Some(first) = rles.first() else {
            return Rle { h: 0, w: 0, counts: vec![] };
        };
        let (h, w) = (first.h, first.w);
        let mut cnts = first.counts.clone();
        for b in &rles[1..] {
            if b.h != h || b.w != w {
                return Rle { h: 0, w: 0, counts: vec![] };
            }
            cnts = merge_two(&cnts, &b.counts, intersect);
        }
        Rle { h, w, counts: cnts }
    }

    /// The compressed counts string of pycocotools (`rleToString`).
    pub fn to_compressed(&self) -> String {
        super::compressed::encode(&self.counts)
    }

    /// Parses a pycocotools compressed counts string and checks that the runs cover `h × w` pixels.
    pub fn from_compressed(h: u32, w: u32, s: &str) -> Result<Rle, MaskError> {
        let counts = super::compressed::decode(s)?;
        Rle::from_counts(h, w, counts)
    }

    /// Rasterises polygons (each a flat `[x0, y0, x1, y1, ...]` list) exactly as pycocotools `frPyObjects`
    /// followed by a union `merge`. Polygons need at least 3 points, an even number of finite coordinates.
    pub fn from_polygons(polys: &[Vec<f64>], h: u32, w: u32) -> Result<Rle, MaskError> {
        if polys.is_empty() {
            return Err(MaskError::NoPolygons);
        }
        let mut parts = Vec::with_capacity(polys.len());
        for (i, p) in polys.iter().enumerate() {
            if p.len() < 6 || p.len() % 2 != 0 {
                return Err(MaskError::BadPolygon { index: i, len: p.len() });
            }
            if p.iter().any(|v| !v.is_finite()) {
                return Err(MaskError::NonFinitePolygon { index: i });
            }
            parts.push(super::polygon::fr_poly(p, h, w));
        }
        Ok(Rle::merge(&parts, false))
    }
}

/// Alternating run lengths of a boolean sequence, starting with a false run.
fn runs(bits: impl Iterator<Item = bool>) -> Vec<u32> {
    let mut counts = Vec::new();
    let mut cur = false;
    let mut c = 0u32;
    for b in bits {
        if b != cur {
            counts.push(c);
            c = 0;
            cur = b;
        }
        c += 1;
    }
    counts.push(c);
    counts
}

/// Merges two run lists walking both at once (pycocotools `rleMerge` inner loop).
fn merge_two(a: &[u32], b: &[u32], intersect: bool) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut ca, mut cb) = (a.first().copied().unwrap_or(0), b.first().copied().unwrap_or(0));
    let (mut va, mut vb, mut v) = (false, false, false);
    let (mut ia, mut ib) = (1usize, 1usize);
    let mut cc: u32 = 0;
    loop {
        let c = ca.min(cb);
        cc = cc.wrapping_add(c);
        let mut ct: u64 = 0;
        ca -= c;
        if ca == 0 && ia < a.len() {
            ca = a[ia];
            ia += 1;
            va = !va;
        }
        ct += ca as u64;
        cb -= c;
        if cb == 0 && ib < b.len() {
            cb = b[ib];
            ib += 1;
            vb = !vb;
        }
        ct += cb as u64;
        let vp = v;
        v = if intersect { va && vb } else { va || vb };
        if v != vp || ct == 0 {
            out.push(cc);
            cc = 0;
        }
        if ct == 0 {
            break;
        }
    }
    out
}

/// Intersection and union pixel counts of two same-sized masks (pycocotools `rleIou` inner loop).
pub(crate) fn inter_union(d: &Rle, g: &Rle) -> (u64, u64) {
    let (a, b) = (&d.counts, &g.counts);
    let (mut ca, mut cb) = (a.first().copied().unwrap_or(0), b.first().copied().unwrap_or(0));
    let (mut va, mut vb) = (false, false);
    let (mut ia, mut ib) = (1usize, 1usize);
    let (mut i, mut u) = (0u64, 0u64);
    loop {
        let c = ca.min(cb);
        if va || vb {
            u += c as u64;
            if va && vb {
                i += c as u64;
            }
        }
        let mut ct: u64 = 0;
        ca -= c;
        if ca == 0 && ia < a.len() {
            ca = a[ia];
            ia += 1;
            va = !va;
        }
        ct += ca as u64;
        cb -= c;
        if cb == 0 && ib < b.len() {
            cb = b[ib];
            ib += 1;
            vb = !vb;
        }
        ct += cb as u64;
        if ct == 0 {
            break;
        }
    }
    (i, u)
}
