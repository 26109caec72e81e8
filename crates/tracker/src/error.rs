//! Errors the tracker reports instead of panicking on bad input.

/// What went wrong in a tracker call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrackerError {
    /// A configuration value is out of range.
    #[error("tracker config: {field} = {value}, expected {expected}")]
    Config {
        /// Field name as in the `[tracker]` config section.
        field: &'static str,
        /// The value given.
        value: f64,
        /// The valid range in words.
        expected: &'static str,
    },
    /// A detection's box is not finite or has no area.
    #[error("detection {index}: box {bbox:?} is invalid; expected finite [x1, y1, x2, y2] with x2 > x1 and y2 > y1")]
    InvalidBox {
        /// Index of the detection in this frame's input.
        index: usize,
        /// The corners given.
        bbox: [f64; 4],
    },
    /// A detection's score is NaN or infinite.
    #[error("detection {index}: score {score} is not a finite number")]
    InvalidScore {
        /// Index of the detection in this frame's input.
        index: usize,
        /// The score given.
        score: f64,
    },
    /// A detection's embedding is empty, has a non-finite entry or a zero norm.
    #[error("detection {index}: embedding {reason}")]
    InvalidEmbedding {
        /// Index of the detection in this frame's input.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The embedding length differs from the one the tracker has seen before.
    #[error("detection {index}: embedding has {got} dimensions, expected {expected} (as in earlier detections)")]
    EmbeddingDim {
        /// Index of the detection in this frame's input.
        index: usize,
        /// Length given.
        got: usize,
        /// Length of earlier embeddings.
        expected: usize,
    },
    /// The assignment solver rejected a cost matrix (only reachable with invalid numbers).
    #[error("assignment failed: {0}")]
    Assignment(#[from] crate::assignment::AssignmentError),
}
