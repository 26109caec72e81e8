//! The whole job on burn's wgpu backend (lavapipe in CI): `trainer train` with `device = "wgpu"` stopped part-way
//! (`--stop-after`), resumed to the end with its evaluations, then `trainer track --weights` on the run, all on
//! wgpu; every output present. Built with `--features trainer/wgpu` (tools/test.sh does).

#![cfg(feature = "wgpu")]

mod common;

use std::process::{Command, Output};

fn trainer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn trains_resumes_evaluates_and_tracks_on_wgpu() {
    if !testkit::vulkan() {
        return;
    }
    let (base, root) = common::tiny_synth("wgpu", (1, 2));
    let out = base.join("run");
    // 12 training frames, batch 2: 6 iterations an epoch, 18 in all; evaluated before training and after epoch 3.
    // `device` is a top-level key: it goes before the fixture's tables.
    let toml = "device = \"wgpu\"\n".to_string()
        + &common::tiny_config(
            &root,
            &out,
            &format!(
                r#"{small}
[solver]
epochs = 3
batch_size = 2
warmup_iters = 1
lr_steps = []
checkpoint_period = 4
[eval]
period_epochs = 3
score_thresh = 0.0
"#,
                small = common::SMALL_64
            ),
        );
    let cfg_path = base.join("tiny.toml");
    std::fs::write(&cfg_path, toml).unwrap();

    let o = trainer().arg(&cfg_path).args(["--stop-after", "8"]).output().unwrap();
    let log = text(&o);
    assert!(o.status.success(), "trainer train (first part) failed:\n{log}");
    assert!(log.contains("device wgpu") && log.contains("stopped at iteration 8"), "{log}");
    assert_eq!(std::fs::read_to_string(out.join("checkpoints/last")).unwrap().trim(), "iter_00000008");
    assert!(!out.join("results.json").exists(), "a stopped run has no results.json");

    let o = trainer().arg(&cfg_path).arg("--resume").output().unwrap();
    let log = text(&o);
    assert!(o.status.success(), "trainer train --resume failed:\n{log}");
    assert!(log.contains("resumed from") && log.contains("finished 18 iterations"), "{log}");
    let iters: Vec<u64> = std::fs::read_to_string(out.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["loss_total"].as_f64().is_some().then_some(l))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["iteration"].as_u64().unwrap())
        .collect();
    assert_eq!(iters, (1..=18).collect::<Vec<_>>(), "each iteration logged once");
    for it in [0, 18] {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join(format!("eval/{it}.json"))).unwrap()).unwrap();
        assert!(v["segm"]["AP"].as_f64().is_some_and(f64::is_finite), "eval/{it}.json: {v}");
    }
    let results: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert!(results.is_object(), "{results}");
    let meta = std::fs::read_to_string(out.join("meta.json")).unwrap();
    assert!(meta.contains("\"wgpu\""), "meta.json names the device: {meta}");

    let val = root.join("val/JPEGImages");
    let frames = std::fs::read_dir(&val).unwrap().map(|e| e.unwrap().path()).find(|p| p.is_dir()).expect("a validation video");
    let n = std::fs::read_dir(&frames).unwrap().count();
    let tracked = base.join("track");
    let o = trainer().args(["track", "--weights"]).arg(&out).arg("--frames").arg(&frames).arg("--out").arg(&tracked).args(["--name", "seq"]).output().unwrap();
    let log = text(&o);
    assert!(o.status.success(), "trainer track failed:\n{log}");
    assert!(log.contains("device wgpu"), "{log}");
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tracked.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["frames"].as_u64(), Some(n as u64), "{summary}");
    for f in ["seq.txt", "ytvis_results.json", "overlay.gif"] {
        assert!(tracked.join(f).exists(), "{f} missing");
    }
    let _ = std::fs::remove_dir_all(&base);
}
