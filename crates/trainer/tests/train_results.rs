//! The training run's final evaluation as a machine-readable file: a tiny HVISNet run on synthetic videos writes
//! `results.json` with mask/box AP, occlusion AP, MOTS after tracking, FPS and Table V for the validation split and
//! for the `eval.tests` sets (a video split with MOTS, an image set without), and a missing test set stops the run
//! before any work.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use trainer::experiment::jsonpath;

fn trainer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
}

/// The value at a dotted path, parsed by the sweep/report code that reads results.json
/// (`val.mots.sMOTSA`, `tests."synth/train".segm.AP`).
fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    let segs = jsonpath::parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    jsonpath::get(v, &segs).unwrap_or_else(|| panic!("{path}: absent from {v}"))
}

fn finite(v: &Value, path: &str) -> f64 {
    let x = at(v, path).as_f64().unwrap_or_else(|| panic!("{path} is not a number: {}", at(v, path)));
    assert!(x.is_finite(), "{path} = {x}");
    x
}

/// COCO persons sample laid out as the `coco-persons` dataset (`annotations/instances_val2017.json`, `val2017/`).
fn coco_persons_root(base: &Path) -> Option<PathBuf> {
    let src = testkit::realdata("coco_persons_mmpose")?;
    let root = base.join("coco");
    std::fs::create_dir_all(root.join("annotations")).unwrap();
    std::fs::copy(src.join("test_coco.json"), root.join("annotations/instances_val2017.json")).unwrap();
    std::os::unix::fs::symlink(src.join("images"), root.join("val2017")).unwrap();
    Some(root)
}

#[test]
fn a_finished_run_writes_results_json_with_every_metric() {
    let (base, root) = common::tiny_synth("results", (3, 4));
    let coco = coco_persons_root(&base);
    let mut tests = format!(r#"{{ name = "synth", root = "{}", split = "train" }}"#, root.display());
    if let Some(c) = &coco {
        tests += &format!(r#", {{ name = "coco-persons", root = "{}", split = "val2017" }}"#, c.display());
    }
    let out = base.join("run");
    let toml = common::tiny_config(
        &root,
        &out,
        &format!(
            r#"{small}
score_thresh = 0.0
max_detections = 8
[solver]
epochs = 1
batch_size = 4
warmup_iters = 1
lr_steps = []
[eval]
period_epochs = 0
score_thresh = 0.05
tests = [{tests}]
[tracker]
min_detection_score = 0.05
new_track_score = 0.05
min_box_area = 0
"#,
            small = common::SMALL_64
        ),
    );
    let cfg_path = base.join("tiny.toml");
    std::fs::write(&cfg_path, toml).unwrap();
    // A stale results.json from an earlier run in the same folder must not survive the new run's start.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("results.json"), "{\"complete\": true, \"stale\": true}").unwrap();
    let o = trainer().arg(&cfg_path).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "trainer failed:\n{err}");
    assert!(err.contains("results.json"), "{err}");

    let r: Value = serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert!(r.get("stale").is_none());
    assert_eq!(r["complete"], Value::Bool(true));
    let metrics = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    let recs: Vec<Value> = metrics.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let last = recs.iter().filter_map(|r| r.get("loss_total").and(r["iteration"].as_u64())).max().unwrap();
    assert_eq!(r["iteration"].as_u64(), Some(last));
    assert_eq!(r["epoch"].as_u64(), Some(1));
    assert!(finite(&r, "seconds") > 0.0);
    assert!(!out.join("results.tmp-write").exists());

    // The paths the sweep tables read, and the rest of the schema.
    for p in ["val.segm.AP", "val.segm.AP50", "val.bbox.AP", "val.occlusion.AP", "val.occlusion.AP_M", "val.occlusion.AP_H", "val.fps.model_fps", "val.fps.end_to_end_fps"] {
        finite(&r, p);
    }
    for k in ["sMOTSA", "MOTSA", "MOTSP", "IDS", "IDF1", "HOTA", "model_fps", "end_to_end_fps", "TP", "FP", "FN"] {
        finite(&r, &format!("val.mots.{k}"));
    }
    // The untrained model's detections (every score kept) reach the tracker, so tracks are scored.
    assert!(at(&r, "val.detections").as_u64().unwrap() > 0);
    assert!(at(&r, "val.mots.TR_dets").as_u64().unwrap() > 0, "{}", at(&r, "val.mots"));
    assert!(finite(&r, "val.fps.model_fps") > 0.0 && finite(&r, "val.fps.end_to_end_fps") <= finite(&r, "val.fps.model_fps") * 1.0001);
    // Table V: a share in [0, 1], or null when no positive scored above 0.5 and matched a person.
    let inside = at(&r, "val.inside");
    match inside["share"].as_f64() {
        Some(s) => assert!((0.0..=1.0).contains(&s) && inside["matched"].as_u64().unwrap() > 0, "{inside}"),
        None => assert_eq!(inside["matched"].as_u64(), Some(0), "{inside}"),
    }
    // Every ground-truth mask of the validation videos is counted once by MOTS.
    let val = data::datasets::open("synth", &root, "val").unwrap();
    let gt_masks: u64 = val.frames.iter().map(|f| f.masks().unwrap().iter().filter(|m| m.area() > 0).count() as u64).sum();
    assert_eq!(at(&r, "val.mots.GT_dets").as_u64(), Some(gt_masks));
    assert_eq!(finite(&r, "val.mots.TP") + finite(&r, "val.mots.FN"), gt_masks as f64);
    // The occlusion ranges split the persons: AP_M and AP_H persons are subsets of all.
    let persons = |k: &str| at(&r, &format!("val.occlusion.persons.{k}")).as_u64().unwrap();
    assert_eq!(persons("AP"), gt_masks);
    assert!(persons("AP_M") + persons("AP_H") <= persons("AP"));

    // Test sets: a video split with MOTS, an image set without.
    for p in [r#"tests."synth/train".segm.AP"#, r#"tests."synth/train".occlusion.AP_H"#, r#"tests."synth/train".mots.sMOTSA"#, r#"tests."synth/train".mots.IDF1"#] {
        finite(&r, p);
    }
    assert_eq!(at(&r, r#"tests."synth/train".frames"#).as_u64(), Some(12));
    if coco.is_some() {
        for p in [r#"tests."coco-persons/val2017".segm.AP"#, r#"tests."coco-persons/val2017".occlusion.AP_M"#, r#"tests."coco-persons/val2017".fps.model_fps"#] {
            finite(&r, p);
        }
        assert!(r["tests"]["coco-persons/val2017"].get("mots").is_none(), "an image set has no MOTS");
        assert_eq!(at(&r, r#"tests."coco-persons/val2017".occlusion.max_iou"#).as_str(), Some("box IoU with the other persons of the image"));
    }

    // The same numbers in eval/<iter>.json, TensorBoard scalars in metrics.jsonl, and the Markdown summary.
    let ev: Value = serde_json::from_str(&std::fs::read_to_string(out.join(format!("eval/{last}.json"))).unwrap()).unwrap();
    assert_eq!(ev, r["val"]);
    let per_video: Value = serde_json::from_str(&std::fs::read_to_string(out.join(format!("eval/{last:08}_mots.json"))).unwrap()).unwrap();
    let videos: std::collections::BTreeSet<u64> = val.frames.iter().map(|f| f.video_id).collect();
    assert_eq!(per_video["per_seq"].as_object().unwrap().len(), videos.len());
    let final_rec = recs.iter().find(|x| x.get("eval/sMOTSA").is_some() && x["iteration"].as_u64() == Some(last)).expect("eval/sMOTSA logged");
    assert_eq!(final_rec["eval/sMOTSA"].as_f64(), at(&r, "val.mots.sMOTSA").as_f64());
    assert!(final_rec.get("test/synth/train/mask_AP").is_some(), "{final_rec}");
    // The untrained baseline (iteration 0) is evaluated too, without Table V.
    let base_ev: Value = serde_json::from_str(&std::fs::read_to_string(out.join("eval/0.json")).unwrap()).unwrap();
    assert!(base_ev.get("mots").is_some() && base_ev.get("inside").is_none());
    let md = std::fs::read_to_string(out.join("eval/summary.md")).unwrap();
    assert!(md.contains("sMOTSA") && md.contains("Test set synth/train"), "{md}");
}

#[test]
fn a_missing_test_set_fails_before_training_naming_path_and_readme() {
    let base = std::env::temp_dir().join(format!("hvis-train-missing-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let root = base.join("synth");
    let cfg = data::synth::SynthConfig { videos: 2, frames: 2, width: 64, height: 64, seed: 1, val_fraction: 0.5, ..Default::default() };
    data::synth::generate(&cfg, &root).unwrap();
    let out = base.join("run");
    let cfg_path = base.join("missing.toml");
    let tests = "[eval]\ntests = [{ name = \"ochuman\", root = \"/nonexistent/och\", split = \"val\" }]\n";
    std::fs::write(&cfg_path, common::tiny_config(&root, &out, tests)).unwrap();
    let o = trainer().arg(&cfg_path).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("eval.tests[0]") && err.contains("/nonexistent/och/ochuman.json") && err.contains("datasets/ochuman/README.md"), "{err}");
    assert!(!out.exists(), "the run folder was created before the test-set check");
}

#[test]
fn a_test_set_entry_needs_name_root_and_split() {
    let cfg = testkit::workspace_root().join("configs/quickstart.toml");
    let o = trainer().args(["config", "print"]).arg(&cfg).args(["--set", r#"eval.tests=[{name = "synth", root = "datasets/synth"}]"#]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("eval.tests") && err.contains("split"), "{err}");
    let o = trainer().args(["config", "print"]).arg(&cfg).args(["--set", r#"eval.tests=[{name = "synth", root = "datasets/synth", split = "val"}]"#]).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && out.contains("tests") && out.contains("datasets/synth"), "{out}");
}
