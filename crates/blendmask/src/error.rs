//! Errors of the BlendMask crate.

use thiserror::Error;

/// Invalid configuration or arguments.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum BlendMaskError {
    /// A configuration value is out of its valid range.
    #[error("invalid BlendMask config `{key}`: {reason}")]
    Config {
        /// The config key.
        key: &'static str,
        /// What was expected.
        reason: String,
    },
    /// A tensor or slice argument has the wrong shape.
    #[error("shape mismatch for `{what}`: expected {expected}, got {got:?}")]
    Shape {
        /// The argument name.
        what: &'static str,
        /// The expected shape, in words.
        expected: String,
        /// The shape received.
        got: Vec<usize>,
    },
    /// A RoI refers to an image the feature batch does not have, or has a non-finite coordinate.
    #[error("RoI {index} is invalid: {reason}")]
    Roi {
        /// Index of the RoI.
        index: usize,
        /// What is wrong.
        reason: String,
    },
}
