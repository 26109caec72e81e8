//! The training step reads from the device exactly once (docs/training.md, "Host round trips"): the loss values
//! and the gradient norm, after the update is queued. On a GPU every device→host read waits for the stream to
//! drain, so a read added anywhere on the step's path (the model crates' forward and losses, the optimizer, the
//! loop) is a slowdown nobody asked for. This test reads the sources of that path and fails on any new read,
//! naming the file and line; the inference-only files (post-processing, `infer`) are not on the path.

use std::path::Path;

/// Calls that copy a tensor to the host.
const READS: [&str; 5] = ["into_data(", "to_data(", "into_scalar(", "into_data_async(", "into_scalar_async("];

/// Files of the crates on the step's path that only inference uses.
const INFERENCE_ONLY: [&str; 2] = ["crates/fcos/src/postprocess.rs", "crates/hvisnet/src/infer.rs"];

/// The one allowed read: the loss values and gradient norm of the step.
const ALLOWED: [(&str, &str); 1] = [("crates/trainer/src/training/engine.rs", "let mut values: Vec<f32> = Tensor::cat(parts, 0).into_data()")];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_training_step_reads_from_the_device_once() {
    let root = testkit::workspace_root();
    let mut files = Vec::new();
    for dir in ["dla34", "fcos", "blendmask", "idbranch", "hvisnet", "sampler"] {
        rust_files(&root.join("crates").join(dir).join("src"), &mut files);
    }
    rust_files(&root.join("crates/trainer/src/training"), &mut files);
    files.sort();
    let (mut found, mut unexpected) = (Vec::new(), Vec::new());
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        if INFERENCE_ONLY.contains(&rel.as_str()) || rel.ends_with("training/evaluate.rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        // Unit tests at the end of a file are not on the path.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (k, line) in code.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") || !READS.iter().any(|r| line.contains(r)) {
                continue;
            }
            let allowed = ALLOWED.iter().any(|(f, l)| rel == *f && line.contains(l));
            let at = format!("{rel}:{}: {}", k + 1, trimmed);
            if allowed { found.push(at) } else { unexpected.push(at) }
        }
    }
    assert!(unexpected.is_empty(), "device→host reads on the training step's path (see docs/training.md, \"Host round trips\"):\n{}", unexpected.join("\n"));
    assert_eq!(found.len(), ALLOWED.len(), "the step's one read moved or vanished: {found:?}; update ALLOWED and docs/training.md");
}
