//! Shared fixture of the trainer's end-to-end tests: a tiny experiment config over a synthetic set.

use std::path::Path;

/// A config on top of `configs/quickstart.toml` that trains into `out` on the files of the synthetic set at `root`
/// (train and val splits; the quickstart's training stream off) with a narrow backbone and 8-d embeddings. `rest`
/// adds the test's own tables; it must not repeat `[data.train]`, `[data.val]`, `[data.train_stream]`,
/// `[model.backbone]` or `[model.idbranch]`.
pub fn tiny_config(root: &Path, out: &Path, rest: &str) -> String {
    format!(
        r#"base = ["{configs}/quickstart.toml"]
output_dir = "{out}"
[data.train]
name = "synth"
root = "{root}"
split = "train"
[data.val]
name = "synth"
root = "{root}"
split = "val"
[data.train_stream]
videos_per_epoch = 0
[model.backbone]
width = 0.125
[model.idbranch]
dim = 8
{rest}"#,
        configs = testkit::workspace_root().join("configs").display(),
        out = out.display(),
        root = root.display()
    )
}

/// The smallest HVISNet the tests train: 64 px frames at training and test time, 16 FPN channels, one conv per
/// FCOS tower. It ends inside the `[model.fcos]` table, so the caller's next lines may add keys to it.
#[allow(dead_code)]
pub const SMALL_64: &str = r#"
[data.augment]
min_size_train = [64]
max_size_train = 64
min_size_test = 64
max_size_test = 64
[model.fpn]
channels = 16
[model.fcos]
num_convs = 1
"#;

/// A `[solver]` table for tiny runs: `epochs` epochs of 4-frame batches, constant learning rate after one warmup
/// iteration, no periodic checkpoints.
#[allow(dead_code)]
pub fn tiny_solver(epochs: usize) -> String {
    format!("[solver]\nepochs = {epochs}\nbatch_size = 4\nwarmup_iters = 1\nlr_steps = []\ncheckpoint_period = 100000\n")
}

/// A fresh folder `<tmp>/hvis-train-<tag>-<pid>` holding `synth/`: 4 synthetic videos of 4 frames at 64×64 with
/// `people` = (min, max) persons (seed 5, one video in val). Returns `(folder, synth root)`.
#[allow(dead_code)]
pub fn tiny_synth(tag: &str, people: (usize, usize)) -> (std::path::PathBuf, std::path::PathBuf) {
    let base = std::env::temp_dir().join(format!("hvis-train-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let root = base.join("synth");
    let (min_people, max_people) = people;
    let cfg = data::synth::SynthConfig { videos: 4, frames: 4, width: 64, height: 64, min_people, max_people, seed: 5, val_fraction: 0.25, ..Default::default() };
    data::synth::generate(&cfg, &root).expect("generating the tiny synthetic set");
    (base, root)
}
