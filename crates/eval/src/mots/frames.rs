//! The per-frame input of the MOTS metrics: ids and mask overlaps, independent of how masks are stored.

/// One frame of one sequence, for one evaluated class, before any matching.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameOverlaps {
    /// Ground-truth track ids in file order (ignore regions excluded).
    pub gt_ids: Vec<u64>,
    /// Tracker track ids in file order.
    pub tr_ids: Vec<u64>,
    /// Mask IoU, row-major `[gt × tracker]`.
    pub iou: Vec<f64>,
    /// Per tracker mask: |t ∩ ignore| / |t| against the union of the frame's ignore regions (0 when none).
    pub tr_ignore_ioa: Vec<f64>,
}

impl FrameOverlaps {
    /// IoU between ground truth `g` and tracker `t` (indices into this frame's lists).
    pub fn iou(&self, g: usize, t: usize) -> f64 {
        self.iou[g * self.tr_ids.len() + t]
    }
}

/// One sequence: `frames[f]` is timestep `f` (0-based) of a sequence of known length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SequenceOverlaps {
    /// Sequence name (as in the seqmap).
    pub name: String,
    /// One entry per timestep, empty frames included.
    pub frames: Vec<FrameOverlaps>,
    /// Timesteps holding at least one ground-truth line of any class (ignore regions included), in order of
    /// first appearance in the ground-truth file. Only the `hvisnet` variant uses it (eval-spec §1.5).
    pub gt_frame_order: Vec<usize>,
}
