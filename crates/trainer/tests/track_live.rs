//! `trainer track --weights`: a narrow HVISNet trained for one tiny epoch by `trainer train`, then run frame by
//! frame on a synthetic video by `trainer track`, writing every output; bad weights and configs are refused clearly.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn trainer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A tiny experiment config: 96×64 synthetic frames, test resize to short side 128 (so boxes and masks must be
/// scaled back), a detector and tracker that keep every detection so a barely trained model still yields tracks.
fn tiny_config(root: &Path, out: &Path, fpn: usize) -> String {
    common::tiny_config(root, out, &format!(
        r#"
[data.augment]
min_size_train = [64]
max_size_train = 96
min_size_test = 128
max_size_test = 192
[model.fpn]
channels = {fpn}
[model.fcos]
num_convs = 1
prior_prob = 0.5
score_thresh = 0.0
max_detections = 4
[solver]
epochs = 1
batch_size = 4
warmup_iters = 1
lr_steps = []
checkpoint_period = 2
[eval]
score_thresh = 0.0
[tracker]
min_detection_score = 0.0
new_track_score = 0.0
min_box_area = 0.0
max_aspect_ratio = inf
"#
    ))
}

/// Trains the tiny run once (shared by the tests of this file) and returns (base dir, run dir, frame folder).
fn tiny_run() -> (PathBuf, PathBuf, PathBuf) {
    static RUN: std::sync::OnceLock<(PathBuf, PathBuf, PathBuf)> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("hvis-track-live-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("synth");
        let cfg = data::synth::SynthConfig { videos: 4, frames: 6, width: 96, height: 64, min_people: 1, max_people: 2, seed: 7, val_fraction: 0.25, ..Default::default() };
        data::synth::generate(&cfg, &root).unwrap();
        let run = base.join("run");
        let cfg_path = base.join("tiny.toml");
        std::fs::write(&cfg_path, tiny_config(&root, &run, 16)).unwrap();
        let o = trainer().arg(&cfg_path).output().unwrap();
        assert!(o.status.success(), "trainer train failed:\n{}", text(&o));
        let val = root.join("val/JPEGImages");
        let video = std::fs::read_dir(&val).unwrap().map(|e| e.unwrap().path()).find(|p| p.is_dir()).expect("a validation video");
        (base, run, video)
    })
    .clone()
}

#[test]
fn live_tracking_from_a_run_folder_writes_every_output() {
    let (base, run, frames) = tiny_run();
    let n = std::fs::read_dir(&frames).unwrap().count();
    let out = base.join("live");
    let o = trainer().args(["track", "--weights"]).arg(&run).arg("--frames").arg(&frames).arg("--out").arg(&out).args(["--name", "seq", "--gif-width", "96"]).output().unwrap();
    let log = text(&o);
    assert!(o.status.success(), "trainer track failed:\n{log}");
    assert!(log.contains("model:") && log.contains("end to end"), "{log}");
    assert!(log.contains("iter_"), "names the checkpoint it loaded: {log}");

    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["frames"].as_u64(), Some(n as u64));
    assert!(summary["model_fps"].as_f64().is_some_and(|f| f > 0.0), "{summary}");
    assert!(summary["end_to_end_fps"].as_f64().is_some_and(|f| f > 0.0), "{summary}");
    assert!(summary["identities"].as_u64().is_some_and(|k| k > 0), "the permissive config tracks something: {summary}");

    let rows = data::mots::read_mots_txt(out.join("seq.txt")).unwrap();
    assert!(!rows.is_empty(), "MOTS rows");
    // Masks come back at the frame's size (64×96), not the 128×192 network input.
    assert!(rows.iter().all(|r| (r.rle.h, r.rle.w) == (64, 96)), "mask sizes");
    let ytvis = data::ytvis::load_ytvis_results(out.join("ytvis_results.json")).unwrap();
    assert!(!ytvis.is_empty());
    assert!(ytvis.iter().all(|r| r.segmentations.len() == n));
    for f in std::fs::read_dir(&frames).unwrap() {
        let stem = f.unwrap().path().file_stem().unwrap().to_string_lossy().into_owned();
        assert!(out.join(format!("ids/{stem}.png")).exists(), "ids/{stem}.png");
        assert!(out.join(format!("overlay/{stem}.jpg")).exists(), "overlay/{stem}.jpg");
    }
    assert_eq!(&std::fs::read(out.join("overlay.gif")).unwrap()[..6], b"GIF89a");

    // A checkpoint folder works as well as its run folder, and gives the same tracks (deterministic inference).
    let ck = std::fs::read_dir(run.join("checkpoints")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).max().unwrap();
    let out2 = base.join("live-ck");
    let o = trainer().args(["track", "--weights"]).arg(&ck).arg("--frames").arg(&frames).arg("--out").arg(&out2).args(["--name", "seq"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(out.join("seq.txt")).unwrap(), std::fs::read_to_string(out2.join("seq.txt")).unwrap());
}

#[test]
fn bad_weights_and_mismatched_configs_are_refused_clearly() {
    let (base, run, frames) = tiny_run();
    let track = |weights: &Path, extra: &[&str], out: &str| {
        let o = trainer().args(["track", "--weights"]).arg(weights).arg("--frames").arg(&frames).arg("--out").arg(base.join(out)).args(extra).output().unwrap();
        assert!(!o.status.success(), "expected a refusal for {}", weights.display());
        text(&o)
    };
    let e = track(&base.join("no-such-run"), &[], "o1");
    assert!(e.contains("no-such-run") && e.contains("does not exist"), "{e}");
    let e = track(&base.join("synth"), &[], "o2");
    assert!(e.contains("neither a checkpoint folder"), "{e}");
    let empty = base.join("empty-run");
    std::fs::create_dir_all(empty.join("checkpoints")).unwrap();
    let e = track(&empty, &[], "o3");
    assert!(e.contains("no complete checkpoint"), "{e}");

    // The same run read with a config whose FPN is wider: the weights do not fit and the error says so.
    let wide = base.join("wide.toml");
    std::fs::write(&wide, tiny_config(&base.join("synth"), &base.join("other"), 32)).unwrap();
    let e = track(&run, &["--config", wide.to_str().unwrap()], "o4");
    assert!(e.contains("does not fit the model config") && e.contains("wide.toml") && e.contains("shape"), "{e}");

    // Frames missing: reported before any model work.
    let o = trainer().args(["track", "--weights"]).arg(&run).arg("--frames").arg(base.join("nowhere")).arg("--out").arg(base.join("o5")).output().unwrap();
    let e = text(&o);
    assert!(!o.status.success() && e.contains("nowhere") && e.contains("does not exist"), "{e}");
}

#[test]
fn a_dataset_split_is_tracked_video_by_video() {
    let (base, run, _) = tiny_run();
    let out = base.join("split");
    // The root comes from the run's config (its data.val is the synthetic set).
    let o = trainer().args(["track", "--weights"]).arg(&run).args(["--dataset", "synth", "--split", "val", "--out"]).arg(&out).output().unwrap();
    let log = text(&o);
    assert!(o.status.success(), "{log}");
    let gt = data::ytvis::load_ytvis(base.join("synth/val.json")).unwrap();
    assert!(!gt.videos.is_empty());
    for v in &gt.videos {
        let name = std::path::Path::new(&v.file_names[0]).parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        assert!(out.join(&name).join(format!("{name}.txt")).exists(), "{name}: {log}");
        assert!(out.join(&name).join("overlay.gif").exists());
    }
    let all = data::ytvis::load_ytvis_results(out.join("ytvis_results.json")).unwrap();
    let ids: std::collections::BTreeSet<u64> = all.iter().map(|r| r.video_id).collect();
    assert!(ids.iter().all(|id| gt.videos.iter().any(|v| v.id == *id)), "video ids of the split: {ids:?}");

    let e = trainer().args(["track", "--weights"]).arg(&run).args(["--dataset", "coco-persons", "--out"]).arg(base.join("o6")).output().unwrap();
    assert!(!e.status.success() && text(&e).contains("only video datasets"), "{}", text(&e));
}
