//! The crate's error type: every message names the file and, where there is one, the line or record.

use std::path::PathBuf;

/// An evaluation input that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A reading or format problem reported by the `data` crate (names file and line itself).
    #[error(transparent)]
    Data(#[from] data::DataError),
    /// A file that cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Input that parses but breaks a rule of the evaluation.
    #[error("{}: {what}: expected {expected}", path.display())]
    Invalid {
        /// The file (or folder).
        path: PathBuf,
        /// Which record: "line 12", "result 3 (image_id 9)", ...
        what: String,
        /// What was expected instead.
        expected: String,
    },
}

impl EvalError {
    /// A broken rule in `path`.
    pub fn invalid(path: impl Into<PathBuf>, what: impl Into<String>, expected: impl Into<String>) -> EvalError {
        EvalError::Invalid { path: path.into(), what: what.into(), expected: expected.into() }
    }
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> EvalError {
        EvalError::Io { path: path.into(), source }
    }
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, EvalError>;
