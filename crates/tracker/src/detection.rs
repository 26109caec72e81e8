//! What goes into the tracker each frame and what comes out.

use crate::geometry::BBox;

/// One person found in a frame: box, score, appearance embedding and an opaque payload (typically the mask)
/// that the tracker hands back, untouched, on the track this detection is matched to.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection<T> {
    /// Box in pixels.
    pub bbox: BBox,
    /// Detection confidence.
    pub score: f64,
    /// Appearance embedding (any length, the same in every frame; need not be normalised).
    pub embedding: Vec<f32>,
    /// Carried to the output unchanged (a mask, an index into the caller's own storage, ...).
    pub payload: T,
}

/// One tracked person in the current frame: always backed by a detection of this frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Track<T> {
    /// Identity, stable across frames, starting at 1.
    pub id: u64,
    /// Kalman-filtered box after this frame's update (what HVISNet reports).
    pub bbox: BBox,
    /// Box of the detection the track matched in this frame.
    pub detection_bbox: BBox,
    /// Score of the detection the track matched in this frame.
    pub score: f64,
    /// Index of that detection in this frame's input.
    pub detection_index: usize,
    /// Payload of that detection (never a stale one from an earlier frame).
    pub payload: T,
}
