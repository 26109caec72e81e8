//! The paper's augmentation: multi-scale resize of the short side (256..=608 by 32, long side at most 900),
//! random horizontal flip, ImageNet normalisation and zero padding to a multiple of 32; at test time the
//! short side is 512 (long side at most 736). Masks and boxes follow the image. Deterministic: the random
//! choices come from a generator seeded by `(seed, epoch, sample index)`, independent of thread order.

use image::imageops::{self, FilterType};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::Sample;
use crate::mask::Rle;

/// ImageNet channel means (RGB, 0..1 scale).
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations (RGB, 0..1 scale).
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// Augmentation settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AugmentConfig {
    /// Short-side choices when training.
    pub train_short: Vec<u32>,
    /// Long-side cap when training.
    pub train_max: u32,
    /// Short side at test time.
    pub test_short: u32,
    /// Long-side cap at test time.
    pub test_max: u32,
    /// Probability of a horizontal flip when training.
    pub flip_prob: f64,
    /// Pad height and width up to a multiple of this.
    pub pad_to: u32,
    /// Seed of all random choices.
    pub seed: u64,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        AugmentConfig {
            train_short: (256..=608).step_by(32).collect(),
            train_max: 900,
            test_short: 512,
            test_max: 736,
            flip_prob: 0.5,
            pad_to: 32,
            seed: 0,
        }
    }
}

/// A network-ready sample: normalised CHW image, padded; masks at the padded size; boxes in its pixels.
#[derive(Debug, Clone)]
pub struct Augmented {
    /// Normalised image, channel-major `[3, height, width]`.
    pub image: Vec<f32>,
    /// Padded height (a multiple of `pad_to`).
    pub height: u32,
    /// Padded width (a multiple of `pad_to`).
    pub width: u32,
    /// Resized image size `(h, w)` before padding (the valid region, top-left).
    pub valid: (u32, u32),
    /// Resize factor applied to the original image.
    pub scale: f64,
    /// Whether the image was flipped horizontally.
    pub flipped: bool,
    /// One mask per person at the padded size.
    pub masks: Vec<Rle>,
    /// One `[x1, y1, x2, y2]` per person in resized pixels.
    pub boxes: Vec<[f32; 4]>,
    /// Global identities (0 = unknown).
    pub identities: Vec<u32>,
    /// Video id.
    pub video_id: u64,
    /// Frame index.
    pub frame_index: u32,
    /// Sample id.
    pub sample_id: String,
}

/// Output size `(h, w)` for resizing the short side to `short` with the long side at most `max`
/// (detectron2's `ResizeShortestEdge` rule), and the scale used.
pub fn resize_shape(h: u32, w: u32, short: u32, max: u32) -> (u32, u32, f64) {
    let (s, l) = (h.min(w) as f64, h.max(w) as f64);
    let mut scale = short as f64 / s;
    if l * scale > max as f64 {
        scale = max as f64 / l;
    }
    let nh = ((h as f64 * scale).round() as u32).max(1);
    let nw = ((w as f64 * scale).round() as u32).max(1);
    (nh, nw, scale)
}

/// The generator for sample `index` of `epoch`.
pub fn sample_rng(seed: u64, epoch: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index);
    rng
}

/// Resizes a mask with nearest-neighbour sampling to `nh × nw`, optionally mirrored, placed top-left in a
/// `ph × pw` canvas.
pub fn resize_mask(m: &Rle, nh: u32, nw: u32, flip: bool, ph: u32, pw: u32) -> Rle {
    let src = m.to_col_major();
    let (h, w) = (m.h as usize, m.w as usize);
    let (nh, nw, ph, pw) = (nh as usize, nw as usize, ph as usize, pw as usize);
    let ys: Vec<usize> = (0..nh).map(|y| (((y as f64 + 0.5) * h as f64 / nh as f64) as usize).min(h - 1)).collect();
    let mut out = vec![0u8; ph * pw];
    for x in 0..nw {
        let sx = (((x as f64 + 0.5) * w as f64 / nw as f64) as usize).min(w - 1);
        let dx = if flip { nw - 1 - x } else { x };
        let col = &src[sx * h..(sx + 1) * h];
        let dst = &mut out[dx * ph..dx * ph + nh];
        for (d, &sy) in dst.iter_mut().zip(&ys) {
            *d = col[sy];
        }
    }
    Rle::from_col_major(ph as u32, pw as u32, &out)
}

/// Applies the training (`train = true`) or test transform to a sample.
pub fn augment(s: &Sample, cfg: &AugmentConfig, train: bool, rng: &mut ChaCha8Rng) -> Augmented {
    let (h, w) = (s.image.height(), s.image.width());
    let (short, max) = if train {
        (cfg.train_short[rng.random_range(0..cfg.train_short.len())], cfg.train_max)
    } else {
        (cfg.test_short, cfg.test_max)
    };
    let flipped = train && rng.random_bool(cfg.flip_prob);
    let (nh, nw, scale) = resize_shape(h, w, short, max);
    let mut img = if (nh, nw) == (h, w) { s.image.clone() } else { imageops::resize(&s.image, nw, nh, FilterType::Triangle) };
    if flipped {
        imageops::flip_horizontal_in_place(&mut img);
    }
    let pad = cfg.pad_to.max(1);
    let (ph, pw) = (nh.div_ceil(pad) * pad, nw.div_ceil(pad) * pad);
    let plane = (ph * pw) as usize;
    let mut image = vec![0f32; 3 * plane];
    let mul: [f32; 3] = std::array::from_fn(|c| 1.0 / (255.0 * IMAGENET_STD[c]));
    let add: [f32; 3] = std::array::from_fn(|c| -IMAGENET_MEAN[c] / IMAGENET_STD[c]);
    for (y, row) in img.rows().enumerate() {
        for (x, p) in row.enumerate() {
            let i = y * pw as usize + x;
            for c in 0..3 {
                image[c * plane + i] = p.0[c] as f32 * mul[c] + add[c];
            }
        }
    }
    let (sx, sy) = (nw as f32 / w as f32, nh as f32 / h as f32);
    let boxes = s
        .boxes
        .iter()
        .map(|b| {
            let (x1, x2) = (b[0] * sx, b[2] * sx);
            let (x1, x2) = if flipped { (nw as f32 - x2, nw as f32 - x1) } else { (x1, x2) };
            [x1, b[1] * sy, x2, b[3] * sy]
        })
        .collect();
    Augmented {
        image,
        height: ph,
        width: pw,
        valid: (nh, nw),
        scale,
        flipped,
        masks: s.masks.iter().map(|m| resize_mask(m, nh, nw, flipped, ph, pw)).collect(),
        boxes,
        identities: s.identities.clone(),
        video_id: s.video_id,
        frame_index: s.frame_index,
        sample_id: s.sample_id.clone(),
    }
}
