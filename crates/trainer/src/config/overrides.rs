//! Command-line overrides: `--set solver.base_lr=0.005`, the value parsed as a TOML value.

use super::{ConfigError, Layered};

/// One parsed `KEY.PATH=VALUE` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The dotted key path, split.
    pub path: Vec<String>,
    /// The value, typed as TOML would type it.
    pub value: toml::Value,
    /// The override as written, for messages.
    pub raw: String,
}

/// Parses `a.b.c=VALUE`. VALUE is a TOML value (`0.005`, `true`, `[8, 11]`, `"inner"`, `{seg = true}`); a bare
/// word such as `inner` (what a shell leaves of `"inner"`) is taken as a string.
pub fn parse_override(raw: &str) -> Result<Override, ConfigError> {
    let bad = |msg: &str| ConfigError::BadOverride { raw: raw.to_string(), msg: msg.to_string() };
    let (key, rhs) = raw.split_once('=').ok_or_else(|| bad("missing `=`"))?;
    let path: Vec<String> = key.trim().split('.').map(str::to_string).collect();
    if path.iter().any(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')) {
        return Err(bad("the key must be dot-separated names of letters, digits, `_` and `-`"));
    }
    let rhs = rhs.trim();
    if rhs.is_empty() {
        return Err(bad("the value is empty"));
    }
    let value = match toml::from_str::<toml::Table>(&format!("v = {rhs}")) {
        Ok(mut t) => t.remove("v").expect("parsed table has key v"),
        Err(_) if is_bare_word(rhs) => toml::Value::String(rhs.to_string()),
        Err(e) => return Err(bad(&format!("the value is not a TOML value: {}", e.message()))),
    };
    Ok(Override { path, value, raw: raw.to_string() })
}

fn is_bare_word(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || "_-./:".contains(c))
}

/// Sets the override's key in the merged table (missing tables are created; a table value merges with the
/// table there). Whether the key exists in the schema is checked when the table is decoded, so that error can
/// name the closest valid key.
pub fn apply_override(layered: &mut Layered, ov: &Override) -> Result<(), ConfigError> {
    let (last, parents) = ov.path.split_last().expect("parse_override gives a non-empty path");
    let mut table = &layered.table;
    for (i, seg) in parents.iter().enumerate() {
        match table.get(seg) {
            None => break,
            Some(toml::Value::Table(t)) => table = t,
            Some(other) => {
                return Err(ConfigError::BadOverride {
                    raw: ov.raw.clone(),
                    msg: format!("`{}` is a {}, not a table", ov.path[..=i].join("."), other.type_str()),
                });
            }
        }
    }
    let mut nested = toml::Table::new();
    nested.insert(last.clone(), ov.value.clone());
    for seg in parents.iter().rev() {
        nested = toml::Table::from_iter([(seg.clone(), toml::Value::Table(nested))]);
    }
    layered.merge(nested, &format!("--set {}", ov.raw));
    Ok(())
}
