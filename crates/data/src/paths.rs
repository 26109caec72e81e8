//! Safe resolution of file names found inside annotation files.

use std::path::{Component, Path, PathBuf};

use crate::DataError;

/// Joins `name` (from annotation `file`, record `what`) onto `root`, rejecting absolute paths and any `..`
/// so that an annotation file can never make the loader read outside the dataset root.
pub fn join_under(root: &Path, name: &str, file: &Path, what: &str) -> Result<PathBuf, DataError> {
    let p = Path::new(name);
    let escapes = name.is_empty()
        || name.starts_with('/')
        || name.starts_with('\\')
        || p.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir));
    if escapes {
        return Err(DataError::PathEscape {
            file: file.to_path_buf(),
            what: what.to_string(),
            given: name.to_string(),
            root: root.to_path_buf(),
        });
    }
    Ok(root.join(p))
}

/// Reads a whole file, mapping the error to [`DataError::Io`].
pub fn read(path: &Path) -> Result<Vec<u8>, DataError> {
    std::fs::read(path).map_err(|e| DataError::io(path, e))
}

/// Parses a JSON file into `T`, with line and column on failure.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, DataError> {
    let bytes = read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| DataError::json(path, e))
}

/// Writes `value` as JSON (compact), creating parent folders.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), DataError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    }
    let bytes = serde_json::to_vec(value).map_err(|e| DataError::json(path, e))?;
    std::fs::write(path, bytes).map_err(|e| DataError::io(path, e))
}
