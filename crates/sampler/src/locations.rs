//! FCOS locations: one per feature-map cell of every level, in the order the network flattens them.

use crate::LevelConfig;

/// One level's block of the flat location list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelSlice {
    /// Stride in input pixels.
    pub stride: u32,
    /// Feature-map height (rows of locations).
    pub height: usize,
    /// Feature-map width.
    pub width: usize,
    /// Index of the level's first location in the flat list.
    pub offset: usize,
}

impl LevelSlice {
    /// Number of locations of the level.
    pub fn len(&self) -> usize {
        self.height * self.width
    }

    /// Whether the level has no locations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Input-pixel coordinate of column or row `i`: `i * stride + floor(stride / 2)` (AdelaiDet
    /// `compute_locations`).
    pub fn coord(&self, i: usize) -> f32 {
        (i as u64 * self.stride as u64 + self.stride as u64 / 2) as f32
    }
}

/// All locations of an input: levels concatenated (P3, P4, P5), each row-major (y, then x).
#[derive(Debug, Clone, PartialEq)]
pub struct Locations {
    /// The levels with their offsets.
    pub levels: Vec<LevelSlice>,
    /// Total number of locations.
    pub len: usize,
}

impl Locations {
    /// Locations for an input of `height` x `width` pixels; feature maps are ceil(side / stride).
    pub fn new(levels: &LevelConfig, height: usize, width: usize) -> Self {
        let mut out = Vec::with_capacity(levels.strides.len());
        let mut offset = 0;
        for (l, &stride) in levels.strides.iter().enumerate() {
            let (h, w) = levels.feature_size(l, height, width);
            out.push(LevelSlice { stride, height: h, width: w, offset });
            offset += h * w;
        }
        Self { levels: out, len: offset }
    }

    /// (x, y) of flat location `i`, and its level index; `None` past the end.
    pub fn get(&self, i: usize) -> Option<([f32; 2], usize)> {
        let l = self.levels.iter().rposition(|s| s.offset <= i && i < s.offset + s.len())?;
        let s = &self.levels[l];
        let k = i - s.offset;
        Some(([s.coord(k % s.width), s.coord(k / s.width)], l))
    }

    /// All (x, y) in flat order.
    pub fn points(&self) -> Vec<[f32; 2]> {
        let mut out = Vec::with_capacity(self.len);
        for s in &self.levels {
            for y in 0..s.height {
                for x in 0..s.width {
                    out.push([s.coord(x), s.coord(y)]);
                }
            }
        }
        out
    }

    /// Level index of every location in flat order.
    pub fn level_of_each(&self) -> Vec<u8> {
        self.levels.iter().enumerate().flat_map(|(l, s)| std::iter::repeat_n(l as u8, s.len())).collect()
    }
}
