//! A run's output folder: the resolved config, metadata, and an append-only `metrics.jsonl`.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::checkpoint::write_atomic;

/// What is recorded about a run next to its results.
#[derive(Debug, Clone)]
pub struct RunMeta {
    /// The device the run uses, as configured.
    pub device: String,
    pub seed: u64,
}

/// Creates `dir`, writes `config.resolved.toml` and `meta.json` (git commit, burn version, device, seed, time).
pub fn prepare(dir: &Path, resolved_toml: &str, meta: &RunMeta) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_atomic(&dir.join("config.resolved.toml"), resolved_toml.as_bytes())?;
    let (commit, dirty) = git_state();
    let body = json!({
        "git_commit": commit,
        "git_dirty": dirty,
        "burn_version": "0.21.0",
        "trainer_version": env!("CARGO_PKG_VERSION"),
        "cuda_feature": cfg!(feature = "cuda"),
        "wgpu_feature": cfg!(feature = "wgpu"),
        "device": meta.device,
        "seed": meta.seed,
        "started_unix": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        "command_line": std::env::args().collect::<Vec<_>>(),
    });
    write_atomic(&dir.join("meta.json"), serde_json::to_string_pretty(&body).expect("json").as_bytes())
}

fn git_state() -> (Option<String>, Option<bool>) {
    let run = |args: &[&str]| {
        std::process::Command::new("git").args(args).output().ok().filter(|o| o.status.success())
    };
    let commit = run(&["rev-parse", "HEAD"]).map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let dirty = run(&["status", "--porcelain", "--untracked-files=no"]).map(|o| !o.stdout.is_empty());
    (commit, dirty)
}

/// Appends one JSON object per line to `metrics.jsonl`.
pub struct MetricsLog {
    path: PathBuf,
    file: std::fs::File,
}

impl MetricsLog {
    /// Opens (appending) `<dir>/metrics.jsonl` for a run that starts after `start` iterations: records of
    /// later iterations (written after the checkpoint a killed run resumes from, or by an earlier run started
    /// afresh in the same folder) are dropped first, so every iteration appears once. The file is rewritten
    /// atomically only when something is dropped.
    pub fn open(dir: &Path, start: u64) -> std::io::Result<Self> {
        let path = dir.join("metrics.jsonl");
        if let Ok(text) = std::fs::read_to_string(&path) {
            // A fresh run (start 0) keeps no numbered record, a resumed one those up to its checkpoint.
            let keep = |line: &&str| match serde_json::from_str::<Value>(line).ok().and_then(|v| v.get("iteration").and_then(Value::as_u64)) {
                Some(i) => start > 0 && i <= start,
                None => true,
            };
            let kept: Vec<&str> = text.lines().filter(keep).collect();
            if kept.len() != text.lines().count() {
                let body: String = kept.iter().map(|l| format!("{l}\n")).collect();
                super::checkpoint::write_atomic(&path, body.as_bytes())?;
            }
        }
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Self { path, file })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record.
    pub fn write(&mut self, record: &Value) -> std::io::Result<()> {
        writeln!(self.file, "{record}")?;
        self.file.flush()
    }
}
