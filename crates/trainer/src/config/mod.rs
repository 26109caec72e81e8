//! Experiment configs: typed, strict TOML with inheritance and command-line overrides.
//!
//! A config file may name parent files in `base = ["_base/a.toml", ...]` (paths relative to the file). Parents are
//! loaded left to right, then the file itself, and merged deeply: tables merge key by key, scalars and arrays
//! replace. `--set a.b.c=VALUE` overrides are applied last, VALUE parsed as TOML (a bare word is a string). The
//! merged table is then decoded into [`ExperimentConfig`], whose every table rejects unknown keys; an error names
//! the key path, the file (or `--set`) that wrote it, and a close match when there is one.

mod error;
mod merge;
mod overrides;
mod schema;

pub use error::ConfigError;
pub use merge::{load_layered, Layered};
pub(crate) use merge::normalize;
pub use overrides::{apply_override, parse_override, Override};
pub use schema::*;

use std::path::Path;

/// A config after inheritance and overrides: the typed value plus the merged table it came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The typed, validated config.
    pub config: ExperimentConfig,
    /// The merged TOML table (inheritance and overrides applied), as a researcher would write it.
    pub table: toml::Table,
}

impl Resolved {
    /// The fully resolved config as TOML text, every key with its effective value (defaults included).
    pub fn to_toml_string(&self) -> String {
        toml::to_string_pretty(&self.config).expect("a decoded config serialises back to TOML")
    }
}

/// Loads `path` with its bases, applies `overrides` (`a.b=value` strings) and decodes the result strictly.
pub fn load(path: &Path, overrides: &[String]) -> Result<Resolved, ConfigError> {
    let mut layered = load_layered(path)?;
    for raw in overrides {
        let ov = parse_override(raw)?;
        apply_override(&mut layered, &ov)?;
    }
    let config = schema::decode(&layered)?;
    config.validate().map_err(|msg| ConfigError::Invalid { file: path.display().to_string(), msg })?;
    Ok(Resolved { config, table: layered.table })
}
