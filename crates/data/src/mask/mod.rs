//! Binary masks: pycocotools-exact RLE (encode, decode, compressed strings, polygons, merge, area, box,
//! IoU) and the JSON `segmentation` forms.

mod compressed;
mod iou;
mod polygon;
mod rle;
mod segmentation;

pub use iou::iou;
pub use rle::Rle;
pub use segmentation::Segmentation;

/// What is wrong with a mask.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MaskError {
    /// A compressed counts string that cannot be decoded.
    #[error("bad compressed RLE string at character {pos}: {why}")]
    BadString {
        /// Byte offset of the problem.
        pos: usize,
        /// What was wrong.
        why: &'static str,
    },
    /// Run lengths that do not cover the mask.
    #[error("RLE runs sum to {sum} pixels, expected h*w = {h}*{w}")]
    CountsSum {
        /// Mask height.
        h: u32,
        /// Mask width.
        w: u32,
        /// Sum of the runs.
        sum: u64,
    },
    /// A polygon with fewer than 3 points or an odd number of coordinates.
    #[error("polygon {index} has {len} coordinates, expected an even number of at least 6 (3 points)")]
    BadPolygon {
        /// Index of the polygon in the list.
        index: usize,
        /// Number of coordinates it has.
        len: usize,
    },
    /// A polygon with NaN or infinite coordinates.
    #[error("polygon {index} has a non-finite coordinate")]
    NonFinitePolygon {
        /// Index of the polygon in the list.
        index: usize,
    },
    /// An empty polygon list.
    #[error("segmentation is an empty polygon list, expected at least one polygon")]
    NoPolygons,
    /// An RLE whose size differs from its image.
    #[error("RLE size {rle:?} differs from the image size [h, w] = {image:?}")]
    SizeMismatch {
        /// `[h, w]` stored with the RLE.
        rle: [u32; 2],
        /// `[h, w]` of the image.
        image: [u32; 2],
    },
    /// Polygons decoded without an image size.
    #[error("polygons need the image size to be rasterised")]
    NeedsImageSize,
}
