//! The one training-sample type every dataset yields.

use image::RgbImage;

use crate::mask::Rle;

/// One image (or one video frame) with its people.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The image, RGB 8-bit.
    pub image: RgbImage,
    /// One mask per person, each the image's size.
    pub masks: Vec<Rle>,
    /// One box per person, `[x1, y1, x2, y2]` in pixels (from the mask when there is one).
    pub boxes: Vec<[f32; 4]>,
    /// One identity per person: global across the training set, 1-based; 0 = unknown.
    pub identities: Vec<u32>,
    /// The video (for images: the image id), so frames of one video can be grouped.
    pub video_id: u64,
    /// Frame index within the video (0 for images).
    pub frame_index: u32,
    /// A readable unique id, e.g. `"coco-persons/000000000785.jpg"`.
    pub sample_id: String,
}

impl Sample {
    /// Number of people.
    pub fn len(&self) -> usize {
        self.masks.len()
    }

    /// True when the sample has no people.
    pub fn is_empty(&self) -> bool {
        self.masks.is_empty()
    }
}

/// `[x1, y1, x2, y2]` of a mask from pycocotools' `[x, y, w, h]` box.
pub fn mask_box_xyxy(rle: &Rle) -> [f32; 4] {
    let [x, y, w, h] = rle.bbox();
    [x as f32, y as f32, (x + w) as f32, (y + h) as f32]
}
