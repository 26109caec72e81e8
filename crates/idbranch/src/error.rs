//! Errors of the ID branch.

use thiserror::Error;

/// Invalid configuration or arguments.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum IdBranchError {
    /// A configuration value is out of its valid range.
    #[error("invalid ID-branch config `{key}`: {reason}")]
    Config {
        /// The config key.
        key: &'static str,
        /// What was expected.
        reason: String,
    },
    /// A tensor argument has the wrong shape.
    #[error("shape mismatch for `{what}`: expected {expected}, got {got:?}")]
    Shape {
        /// The argument name.
        what: &'static str,
        /// The expected shape, in words.
        expected: String,
        /// The shape received.
        got: Vec<usize>,
    },
}
