//! Exact discrete minimisation of a convex objective over the candidate pixels of a mask.
//!
//! Best-first branch and bound over a quadtree of the foreground box. Every node carries a lower bound of the
//! objective over its pixels; a node whose bound exceeds the best pixel value found so far (plus a rounding
//! tolerance) cannot hold the minimiser and is dropped. The search stops when the smallest bound left in the
//! queue exceeds the best value, so the answer is the exact minimiser, ties broken by the smaller (y, x).
//!
//! Emptiness of large nodes is answered by a summed-area table over 8×8 blocks of the candidate bitmap.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::mask::Crop;

/// An objective the search can minimise: exact per-pixel values plus a lower bound over a rectangle.
pub(crate) trait Objective {
    /// The exact value at image pixel (x, y), totally ordered by `better`.
    type Value: Copy;
    /// Exact value at a pixel.
    fn value(&self, x: i64, y: i64) -> Self::Value;
    /// The value as a float, comparable with bounds.
    fn approx(&self, v: Self::Value) -> f64;
    /// Whether `a` is strictly smaller than `b` (exact).
    fn less(&self, a: Self::Value, b: Self::Value) -> bool;
    /// Whether `a` equals `b` (exact).
    fn equal(&self, a: Self::Value, b: Self::Value) -> bool;
    /// A lower bound of the objective over the pixels of the inclusive rectangle `[x0, y0, x1, y1]`, which lies
    /// in a quadtree node centred at the half-integer point `q`.
    fn lower_bound(&self, q: [f64; 2], rect: [i64; 4]) -> f64;
}

/// Side of the occupancy blocks (one byte of a bit row per block).
const BLOCK: usize = 8;

/// Result of a search: the minimising pixel (image coordinates), its value, and how many bounds and exact
/// values were computed.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Found<V> {
    pub x: i64,
    pub y: i64,
    pub value: V,
    pub bounds: usize,
    pub values: usize,
}

struct Entry<V> {
    key: f64,
    value: Option<V>,
    leaf: bool,
    x0: u32,
    y0: u32,
    size: u32,
}

impl<V> PartialEq for Entry<V> {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl<V> Eq for Entry<V> {}
impl<V> PartialOrd for Entry<V> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<V> Ord for Entry<V> {
    /// Reversed so that `BinaryHeap` pops the smallest key first (then leaves first, then row-major).
    fn cmp(&self, o: &Self) -> Ordering {
        o.key
            .total_cmp(&self.key)
            .then(self.leaf.cmp(&o.leaf))
            .then(o.y0.cmp(&self.y0))
            .then(o.x0.cmp(&self.x0))
            .then(o.size.cmp(&self.size))
    }
}

/// Summed-area table of "block holds a candidate" over the crop's 8×8 blocks.
struct BlockTable {
    bw: usize,
    sat: Vec<u32>,
}

impl BlockTable {
    fn new(crop: &Crop<'_>) -> Self {
        let bw = crop.w.div_ceil(BLOCK);
        let bh = crop.h.div_ceil(BLOCK);
        let mut any = vec![0u8; bw * bh];
        for cy in 0..crop.h {
            let row = crop.row(cy);
            let brow = &mut any[(cy / BLOCK) * bw..(cy / BLOCK + 1) * bw];
            for (b, slot) in brow.iter_mut().enumerate() {
                let byte = (row[b / 8] >> (8 * (b % 8))) & 0xFF;
                *slot |= (byte != 0) as u8;
            }
        }
        let mut sat = vec![0u32; (bw + 1) * (bh + 1)];
        for by in 0..bh {
            let mut run = 0u32;
            for bx in 0..bw {
                run += any[by * bw + bx] as u32;
                sat[(by + 1) * (bw + 1) + bx + 1] = sat[by * (bw + 1) + bx + 1] + run;
            }
        }
        Self { bw, sat }
    }

    /// Number of occupied blocks in [bx0, bx1) × [by0, by1).
    fn count(&self, bx0: usize, by0: usize, bx1: usize, by1: usize) -> u32 {
        let s = |x: usize, y: usize| self.sat[y * (self.bw + 1) + x];
        s(bx1, by1) + s(bx0, by0) - s(bx0, by1) - s(bx1, by0)
    }

    fn total(&self) -> u32 {
        *self.sat.last().unwrap_or(&0)
    }
}

/// Relative tolerance that covers the rounding of bounds and values (sums of up to millions of terms).
fn tolerance(v: f64) -> f64 {
    1e-9 * v.abs() + 1e-9
}

/// The exact minimiser of `obj` over the candidate pixels of `crop`, or `None` when there are none.
pub(crate) fn argmin<O: Objective>(crop: &Crop<'_>, obj: &O) -> Option<Found<O::Value>> {
    if crop.w == 0 || crop.h == 0 {
        return None;
    }
    let blocks = BlockTable::new(crop);
    if blocks.total() == 0 {
        return None;
    }
    let (w, h) = (crop.w, crop.h);
    let occupied = |x0: usize, y0: usize, size: usize| -> bool {
        let (x1, y1) = ((x0 + size).min(w), (y0 + size).min(h));
        if size >= BLOCK {
            blocks.count(x0 / BLOCK, y0 / BLOCK, x1.div_ceil(BLOCK), y1.div_ceil(BLOCK)) > 0
        } else {
            (y0..y1).any(|cy| (x0..x1).any(|cx| crop.at(cx, cy)))
        }
    };
    let mut found: Option<Found<O::Value>> = None;
    let (mut bounds, mut values) = (0usize, 0usize);
    let mut heap = BinaryHeap::new();
    let root = w.max(h).next_power_of_two();
    let mut push = |heap: &mut BinaryHeap<Entry<O::Value>>, x0: usize, y0: usize, size: usize, parent: f64| {
        if x0 >= w || y0 >= h || !occupied(x0, y0, size) {
            return;
        }
        let (ix, iy) = (crop.x0 as i64 + x0 as i64, crop.y0 as i64 + y0 as i64);
        if size == 1 {
            values += 1;
            let v = obj.value(ix, iy);
            heap.push(Entry { key: obj.approx(v), value: Some(v), leaf: true, x0: x0 as u32, y0: y0 as u32, size: 1 });
        } else {
            bounds += 1;
            // The node's centre is a half-integer point (never on an edge pixel); the rectangle is the node
            // clipped to the crop.
            let q = [ix as f64 + (size - 1) as f64 * 0.5, iy as f64 + (size - 1) as f64 * 0.5];
            let (x1, y1) = ((x0 + size).min(w) - x0, (y0 + size).min(h) - y0);
            let rect = [ix, iy, ix + x1 as i64 - 1, iy + y1 as i64 - 1];
            let lb = obj.lower_bound(q, rect).max(parent);
            heap.push(Entry { key: lb, value: None, leaf: false, x0: x0 as u32, y0: y0 as u32, size: size as u32 });
        }
    };
    push(&mut heap, 0, 0, root, f64::NEG_INFINITY);
    while let Some(e) = heap.pop() {
        if let Some(b) = &found
            && e.key > obj.approx(b.value) + tolerance(obj.approx(b.value))
        {
            break;
        }
        let (x0, y0, size) = (e.x0 as usize, e.y0 as usize, e.size as usize);
        if let Some(v) = e.value {
            let (ix, iy) = (crop.x0 as i64 + x0 as i64, crop.y0 as i64 + y0 as i64);
            let better = match &found {
                None => true,
                Some(b) => obj.less(v, b.value) || (obj.equal(v, b.value) && (iy, ix) < (b.y, b.x)),
            };
            if better {
                found = Some(Found { x: ix, y: iy, value: v, bounds: 0, values: 0 });
            }
            continue;
        }
        let half = size / 2;
        for (dx, dy) in [(0, 0), (half, 0), (0, half), (half, half)] {
            push(&mut heap, x0 + dx, y0 + dy, half, e.key);
        }
    }
    found.map(|f| Found { bounds, values, ..f })
}
