//! Shared fixture of the trainer's end-to-end tests: a tiny experiment config over a synthetic set.

use std::path::Path;

/// A config on top of `configs/quickstart.toml` that trains into `out` on the synthetic set at `root` (train and
/// val splits) with a narrow backbone and 8-d embeddings. `rest` adds the test's own tables; it must not repeat
/// `[data.train]`, `[data.val]`, `[model.backbone]` or `[model.idbranch]`.
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
