//! Test scenes shared by hvisnet's integration tests: ellipse "persons" on a 64×64 frame.

#![allow(dead_code)]

use hvisnet::{GtPerson, TrainImage};

/// Frame side in pixels.
pub const S: usize = 64;

/// An ellipse mask and its box.
pub fn ellipse(cx: f32, cy: f32, rx: f32, ry: f32, identity: u32) -> GtPerson {
    let mut mask = vec![0u8; S * S];
    let (mut x0, mut y0, mut x1, mut y1) = (S, S, 0, 0);
    for y in 0..S {
        for x in 0..S {
            let (dx, dy) = ((x as f32 + 0.5 - cx) / rx, (y as f32 + 0.5 - cy) / ry);
            if dx * dx + dy * dy <= 1.0 {
                mask[y * S + x] = 1;
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    GtPerson { bbox: [x0 as f32, y0 as f32, x1 as f32, y1 as f32], mask, identity: Some(identity) }
}

/// RGB 0–255 image, channel-major: graded grey background, person 1 red, person 2 blue.
pub fn render(persons: &[GtPerson]) -> Vec<f32> {
    let colours = [[220.0, 40.0, 40.0], [40.0, 60.0, 220.0]];
    let mut img = vec![0.0f32; 3 * S * S];
    for y in 0..S {
        for x in 0..S {
            let mut c = [110.0 + x as f32, 110.0, 120.0 + y as f32];
            for (p, col) in persons.iter().zip(colours) {
                if p.mask[y * S + x] != 0 {
                    c = col;
                }
            }
            for k in 0..3 {
                img[k * S * S + y * S + x] = c[k];
            }
        }
    }
    img
}

/// Two frames of the same two persons (identities 1 and 2), slightly moved: annotations and pixels `[2·3·S·S]`.
pub fn two_frames() -> (Vec<TrainImage>, Vec<f32>) {
    let frames = [
        vec![ellipse(20.0, 32.0, 8.0, 16.0, 1), ellipse(44.0, 30.0, 9.0, 18.0, 2)],
        vec![ellipse(22.0, 33.0, 8.0, 16.0, 1), ellipse(42.0, 29.0, 9.0, 18.0, 2)],
    ];
    let gt = frames.iter().map(|p| TrainImage { height: S, width: S, persons: p.clone() }).collect();
    let pixels = frames.iter().flat_map(|p| render(p)).collect();
    (gt, pixels)
}

/// Mask IoU of two 0/1 masks of the same size.
pub fn iou(a: &[u8], b: &[u8]) -> f32 {
    let inter = a.iter().zip(b).filter(|(p, q)| **p != 0 && **q != 0).count() as f32;
    let union = a.iter().zip(b).filter(|(p, q)| **p != 0 || **q != 0).count() as f32;
    inter / union.max(1.0)
}
