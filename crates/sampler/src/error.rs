//! The crate's error type.

use thiserror::Error;

/// Everything that can go wrong when sampling targets: always bad input, never an internal failure.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SamplerError {
    /// A mask's pixel buffer does not hold `width * height` bytes.
    #[error("mask {index}: {width}x{height} needs {expected} pixels, got {got}")]
    MaskLength { index: usize, width: usize, height: usize, expected: usize, got: usize },
    /// A mask's size differs from the network input size it is used with.
    #[error("mask {index}: size {got_w}x{got_h} differs from the input size {want_w}x{want_h}")]
    MaskSize { index: usize, got_w: usize, got_h: usize, want_w: usize, want_h: usize },
    /// A box coordinate is not finite.
    #[error("person {index}: box {bbox:?} has a non-finite coordinate")]
    BadBox { index: usize, bbox: [f32; 4] },
    /// The input image has a zero side.
    #[error("input size {width}x{height} is empty")]
    EmptyInput { width: usize, height: usize },
    /// A configuration value is out of range.
    #[error("sampling config: {key}: {msg}")]
    Config { key: &'static str, msg: String },
    /// Two parallel slices differ in length.
    #[error("{what}: {left} vs {right} entries")]
    LengthMismatch { what: &'static str, left: usize, right: usize },
}
