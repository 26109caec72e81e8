//! `trainer train` end to end on a narrow HVISNet and a tiny synthetic set: every named loss logged and finite,
//! evaluation files written, and a config asking for CUDA in a CPU build refused before any work.

mod common;

use std::process::Command;

fn trainer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
}

#[test]
fn trains_a_narrow_hvisnet_on_synthetic_videos_and_evaluates() {
    let (base, root) = common::tiny_synth("e2e", (1, 2));
    let out = base.join("run");
    let toml = common::tiny_config(
        &root,
        &out,
        &format!(
            r#"{small}
[solver]
epochs = 1
batch_size = 4
warmup_iters = 1
lr_steps = []
checkpoint_period = 2
"#,
            small = common::SMALL_64
        ),
    );
    let cfg_path = base.join("tiny.toml");
    std::fs::write(&cfg_path, toml).unwrap();
    let o = trainer().arg(&cfg_path).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "trainer failed:\n{err}");
    assert!(err.contains("results in"), "{err}");
    let lines = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    let recs: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let train: Vec<&serde_json::Value> = recs.iter().filter(|r| r.get("loss_total").is_some()).collect();
    assert!(!train.is_empty());
    for r in &train {
        for k in ["loss_cls", "loss_box", "loss_ctr", "loss_mask", "loss_sem", "loss_triplet", "loss_id_ce", "loss_total"] {
            let v = r[k].as_f64().unwrap_or_else(|| panic!("{k} missing in {r}"));
            assert!(v.is_finite(), "{k} = {v}");
        }
    }
    let last = train.last().unwrap()["iteration"].as_u64().unwrap();
    for it in [0, last] {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join(format!("eval/{it}.json"))).unwrap()).unwrap();
        assert!(v["segm"]["AP"].as_f64().is_some(), "{v}");
    }
    for f in ["config.resolved.toml", "meta.json", "eval/summary.md", "checkpoints/last"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
}

#[test]
fn a_cuda_config_in_a_cpu_build_says_how_to_rebuild() {
    if cfg!(feature = "cuda") {
        return;
    }
    let cfg = testkit::workspace_root().join("configs/hvisnet.toml");
    let o = trainer().arg(&cfg).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("--features cuda"), "{err}");
}

#[test]
fn a_wgpu_config_in_a_build_without_wgpu_says_how_to_rebuild() {
    if cfg!(feature = "wgpu") {
        return;
    }
    let cfg = testkit::workspace_root().join("configs/quickstart.toml");
    let o = trainer().arg(&cfg).args(["--set", "device=\"wgpu\""]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("--features wgpu"), "{err}");
}

#[test]
fn several_devices_are_refused_with_a_reason() {
    let cfg = testkit::workspace_root().join("configs/quickstart.toml");
    let o = trainer().arg(&cfg).args(["--set", "devices=[\"cpu\", \"cpu\"]"]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("several devices") && err.contains("docs/training.md"), "{err}");
}

#[test]
fn a_missing_dataset_fails_before_any_work_naming_path_and_readme() {
    let out = std::env::temp_dir().join(format!("hvis-train-missing-{}", std::process::id()));
    let cfg = testkit::workspace_root().join("configs/quickstart.toml");
    let o = trainer()
        .arg(&cfg)
        .args(["--set", "data.train.name=\"hvis\"", "--set", "data.train.root=\"/nonexistent/hvis\""])
        .args(["--set", "data.train_stream.videos_per_epoch=0", "--set"])
        .arg(format!("output_dir=\"{}\"", out.display()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("/nonexistent/hvis") && err.contains("datasets/hvis/README.md"), "{err}");
    assert!(!out.exists(), "the run folder was created before the dataset check");
}
