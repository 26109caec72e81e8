//! Loading a config file with its `base` chain and merging the layers, remembering which file set each key.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::ConfigError;

/// The deepest `base` chain accepted; deeper chains are almost surely a mistake.
pub const MAX_DEPTH: usize = 8;

/// A merged TOML table plus, for every dotted key path, the file or `--set` that wrote it last.
#[derive(Debug, Clone, Default)]
pub struct Layered {
    /// The merged table.
    pub table: toml::Table,
    /// Dotted key path → origin (a file path or `--set k=v`).
    pub origins: BTreeMap<String, String>,
}

impl Layered {
    /// The origin of `path`, or of its nearest ancestor that has one.
    pub fn origin_of(&self, path: &str) -> String {
        let mut p = path;
        loop {
            if let Some(o) = self.origins.get(p) {
                return o.clone();
            }
            match p.rfind('.') {
                Some(i) => p = &p[..i],
                None => return self.origins.get("").cloned().unwrap_or_else(|| "config".into()),
            }
        }
    }

    /// Merges `src` into the table; `origin` is recorded for every key `src` sets.
    pub fn merge(&mut self, src: toml::Table, origin: &str) {
        merge_table(&mut self.table, src, "", origin, &mut self.origins);
    }
}

/// Loads `path` and its `base` chain (bases first, left to right, then the file itself).
pub fn load_layered(path: &Path) -> Result<Layered, ConfigError> {
    let mut out = Layered::default();
    out.origins.insert(String::new(), path.display().to_string());
    let mut stack = Vec::new();
    load_into(&normalize(path), &mut stack, &mut out)?;
    Ok(out)
}

fn load_into(path: &Path, stack: &mut Vec<PathBuf>, out: &mut Layered) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if let Some(start) = stack.iter().position(|p| std::fs::canonicalize(p).ok().as_ref() == Some(&canonical)) {
        let mut chain = stack[start..].to_vec();
        chain.push(path.to_path_buf());
        return Err(ConfigError::Cycle { chain });
    }
    if stack.len() >= MAX_DEPTH {
        return Err(ConfigError::TooDeep { path: path.to_path_buf(), limit: MAX_DEPTH });
    }
    let mut table: toml::Table =
        toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.to_path_buf(), msg: e.to_string() })?;
    let bases = match table.remove("base") {
        None => Vec::new(),
        Some(toml::Value::String(s)) => vec![s],
        Some(toml::Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                toml::Value::String(s) => Ok(s),
                other => Err(ConfigError::BadBase { path: path.to_path_buf(), found: other.type_str().into() }),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(ConfigError::BadBase { path: path.to_path_buf(), found: other.type_str().into() }),
    };
    stack.push(path.to_path_buf());
    let dir = path.parent().unwrap_or(Path::new(""));
    for base in bases {
        load_into(&normalize(&dir.join(base)), stack, out)?;
    }
    stack.pop();
    out.merge(table, &path.display().to_string());
    Ok(())
}

/// Removes `.` and `a/..` components lexically, so messages show short paths.
pub(crate) fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn merge_table(dst: &mut toml::Table, src: toml::Table, prefix: &str, origin: &str, origins: &mut BTreeMap<String, String>) {
    for (key, value) in src {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match (dst.get_mut(&key), value) {
            (Some(toml::Value::Table(d)), toml::Value::Table(s)) => merge_table(d, s, &full, origin, origins),
            (_, value) => {
                record(&value, &full, origin, origins);
                dst.insert(key, value);
            }
        }
    }
}

fn record(value: &toml::Value, path: &str, origin: &str, origins: &mut BTreeMap<String, String>) {
    origins.insert(path.to_string(), origin.to_string());
    if let toml::Value::Table(t) = value {
        for (k, v) in t {
            record(v, &format!("{path}.{k}"), origin, origins);
        }
    }
}
