//! The one error type of the crate: every variant names the file and, where there is one, the line or
//! annotation id and what was expected.

use std::path::PathBuf;

use crate::mask::MaskError;

/// Something wrong with a dataset file, an annotation or a path.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file or folder that cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// JSON that does not parse or does not have the expected shape.
    #[error("{}:{line}:{column}: {msg}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// serde_json's message.
        msg: String,
    },
    /// A value that parses but breaks a rule of the format.
    #[error("{}: {what}: {expected}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Which record: e.g. "annotation id 17", "image id 3", "line 12".
        what: String,
        /// What was expected instead.
        expected: String,
    },
    /// A mask that cannot be decoded.
    #[error("{}: {what}: {source}", path.display())]
    Mask {
        /// The file.
        path: PathBuf,
        /// Which record holds the mask.
        what: String,
        /// The mask problem.
        source: MaskError,
    },
    /// An image that cannot be decoded (corrupt, truncated, unknown format).
    #[error("{}: cannot decode image: {msg}", path.display())]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoder's message.
        msg: String,
    },
    /// A path inside an annotation file that points outside the dataset root.
    #[error("{}: {what}: path {given:?} escapes the dataset root {} (absolute paths and '..' are rejected)", file.display(), root.display())]
    PathEscape {
        /// The annotation file naming the path.
        file: PathBuf,
        /// Which record names it.
        what: String,
        /// The path as written.
        given: String,
        /// The dataset root.
        root: PathBuf,
    },
    /// A dataset folder or file that is not where it was expected.
    #[error("dataset {name}: expected {} but it does not exist; see {readme} for where to get it and the folder layout", expected.display())]
    MissingDataset {
        /// Dataset name (e.g. "coco-persons").
        name: String,
        /// The exact path that was looked for.
        expected: PathBuf,
        /// The README that explains the layout.
        readme: String,
    },
}

impl DataError {
    /// A JSON parse error of `path`, with serde's line and column.
    pub fn json(path: impl Into<PathBuf>, e: serde_json::Error) -> DataError {
        DataError::Json { path: path.into(), line: e.line(), column: e.column(), msg: e.to_string() }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> DataError {
        DataError::Io { path: path.into(), source }
    }

    /// A broken rule: `what` names the record, `expected` says what should be there.
    pub fn invalid(path: impl Into<PathBuf>, what: impl Into<String>, expected: impl Into<String>) -> DataError {
        DataError::Invalid { path: path.into(), what: what.into(), expected: expected.into() }
    }
}
