//! Checkpoint folders in a run's output folder, written atomically and pruned to the newest K.
//!
//! A checkpoint is a folder `checkpoints/iter_<NNNNNNNN>/` holding whatever files the trainer stages into it
//! (model, optimizer, trainer state, config). It is filled under a temporary name and renamed into place, then
//! `checkpoints/last` is replaced (temp file + rename) to name it: a run killed at any moment leaves the
//! previous checkpoint intact and `last` pointing at a complete one.

use std::path::{Path, PathBuf};

/// The checkpoints of one run.
#[derive(Debug, Clone)]
pub struct CheckpointStore {
    dir: PathBuf,
    keep: usize,
}

/// A checkpoint being written: stage files into [`Staging::dir`], then [`CheckpointStore::commit`] it.
#[derive(Debug)]
pub struct Staging {
    tmp: PathBuf,
    final_dir: PathBuf,
}

impl Staging {
    /// The folder to write the checkpoint's files into.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }
}

impl CheckpointStore {
    /// Checkpoints under `<run>/checkpoints`, keeping the newest `keep` (at least one).
    pub fn new(run_dir: &Path, keep: usize) -> Self {
        Self { dir: run_dir.join("checkpoints"), keep: keep.max(1) }
    }

    /// Starts a checkpoint for `iteration`.
    pub fn stage(&self, iteration: u64) -> std::io::Result<Staging> {
        std::fs::create_dir_all(&self.dir)?;
        let name = format!("iter_{iteration:08}");
        let tmp = self.dir.join(format!(".{name}.partial"));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp)?;
        }
        std::fs::create_dir_all(&tmp)?;
        Ok(Staging { tmp, final_dir: self.dir.join(name) })
    }

    /// Publishes a staged checkpoint: rename into place, point `last` at it, prune old ones. Returns its folder.
    pub fn commit(&self, staging: Staging) -> std::io::Result<PathBuf> {
        sync_dir_files(&staging.tmp)?;
        if staging.final_dir.exists() {
            std::fs::remove_dir_all(&staging.final_dir)?;
        }
        std::fs::rename(&staging.tmp, &staging.final_dir)?;
        let name = staging.final_dir.file_name().expect("checkpoint folder has a name").to_string_lossy().to_string();
        write_atomic(&self.dir.join("last"), name.as_bytes())?;
        self.prune()?;
        Ok(staging.final_dir)
    }

    /// The newest complete checkpoint, if any: the one `last` names, else the highest-numbered folder.
    pub fn latest(&self) -> Option<PathBuf> {
        if let Ok(name) = std::fs::read_to_string(self.dir.join("last")) {
            let p = self.dir.join(name.trim());
            if p.is_dir() {
                return Some(p);
            }
        }
        self.list().pop()
    }

    /// Complete checkpoint folders, oldest first.
    pub fn list(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut dirs: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("iter_")))
            .collect();
        dirs.sort();
        dirs
    }

    fn prune(&self) -> std::io::Result<()> {
        let dirs = self.list();
        let excess = dirs.len().saturating_sub(self.keep);
        for old in &dirs[..excess] {
            std::fs::remove_dir_all(old)?;
        }
        Ok(())
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp-write");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

fn sync_dir_files(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_file() {
            std::fs::File::open(&p)?.sync_all()?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("hvis-ckpt-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn keeps_the_newest_k_and_points_last_at_the_newest() {
        let run = tmp("keep");
        let store = CheckpointStore::new(&run, 2);
        for it in [10, 20, 30] {
            let s = store.stage(it).unwrap();
            std::fs::write(s.dir().join("state.json"), format!("{{\"iter\":{it}}}")).unwrap();
            store.commit(s).unwrap();
        }
        let names: Vec<String> = store.list().iter().map(|p| p.file_name().unwrap().to_string_lossy().into()).collect();
        assert_eq!(names, ["iter_00000020", "iter_00000030"]);
        assert!(store.latest().unwrap().ends_with("iter_00000030"));
    }

    #[test]
    fn an_interrupted_write_leaves_the_previous_checkpoint() {
        let run = tmp("interrupt");
        let store = CheckpointStore::new(&run, 3);
        let s = store.stage(1).unwrap();
        std::fs::write(s.dir().join("model.bin"), b"good").unwrap();
        store.commit(s).unwrap();
        // A second checkpoint is staged and half written, then the process dies (no commit).
        let s = store.stage(2).unwrap();
        std::fs::write(s.dir().join("model.bin"), b"half").unwrap();
        drop(s);
        let latest = store.latest().unwrap();
        assert!(latest.ends_with("iter_00000001"));
        assert_eq!(std::fs::read(latest.join("model.bin")).unwrap(), b"good");
        assert_eq!(store.list().len(), 1, "partial folders are not checkpoints");
    }
}
