//! The one error type of the config system; every variant names the file or override it comes from.

use std::path::PathBuf;

/// Why a config could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: cannot read config: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    /// The file is not valid TOML.
    #[error("{path}: invalid TOML: {msg}")]
    Parse { path: PathBuf, msg: String },
    /// `base` is not a string or an array of strings.
    #[error("{path}: `base` must be a path or an array of paths, found {found}")]
    BadBase { path: PathBuf, found: String },
    /// The inheritance chain loops back on itself.
    #[error("inheritance cycle: {}", chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> "))]
    Cycle { chain: Vec<PathBuf> },
    /// The inheritance chain is deeper than the limit.
    #[error("{path}: inheritance deeper than {limit} levels")]
    TooDeep { path: PathBuf, limit: usize },
    /// An override is not of the form `a.b.c=value`.
    #[error("--set {raw}: expected KEY.PATH=VALUE, {msg}")]
    BadOverride { raw: String, msg: String },
    /// A key that the schema does not have.
    #[error("{origin}: unknown key `{path}`{}", hint.as_ref().map(|h| format!(" (did you mean `{h}`?)")).unwrap_or_default())]
    UnknownKey { origin: String, path: String, hint: Option<String> },
    /// A value of the wrong type or out of its allowed set.
    #[error("{origin}: key `{path}`: {msg}")]
    BadValue { origin: String, path: String, msg: String },
    /// The decoded config breaks a rule that spans several keys.
    #[error("{file}: {msg}")]
    Invalid { file: String, msg: String },
}
