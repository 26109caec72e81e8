//! `trainer eval --run`: a tiny run is trained once (2 epochs, checkpoints and evaluations at iterations 3 and 6),
//! then its checkpoints are evaluated through the binary. On the validation split the numbers and files equal the
//! training hook's for the same checkpoint, bit for bit; another synthetic set (other seed) is scored into the
//! default folder; bad arguments name what was expected; the result-file subcommands still work.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

fn trainer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
}

fn text(o: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn json(path: &Path) -> Value {
    let s = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The trained run shared by the tests: `(base folder, synth root, run folder)`.
fn trained() -> &'static (PathBuf, PathBuf, PathBuf) {
    static RUN: OnceLock<(PathBuf, PathBuf, PathBuf)> = OnceLock::new();
    RUN.get_or_init(|| {
        let (base, root) = common::tiny_synth("evalrun", (1, 2));
        let out = base.join("run");
        // 12 training frames, batch 4 (2 clips of 2 frames): 3 iterations an epoch; checkpoints and evaluations
        // after epochs 1 and 2 (iterations 3 and 6). Every location may detect and every detection is tracked,
        // so the barely trained model has detections and tracks to compare.
        let toml = common::tiny_config(
            &root,
            &out,
            &format!(
                r#"{small}
score_thresh = 0.0
max_detections = 8
[solver]
epochs = 2
batch_size = 4
warmup_iters = 1
lr_steps = []
checkpoint_period = 1000
keep_checkpoints = 3
[eval]
period_epochs = 1
score_thresh = 0.0
"#,
                small = common::SMALL_64
            ),
        );
        let cfg = base.join("tiny.toml");
        std::fs::write(&cfg, toml).unwrap();
        let o = trainer().arg(&cfg).output().unwrap();
        assert!(o.status.success(), "trainer train failed:\n{}", text(&o));
        for it in [3, 6] {
            assert!(out.join(format!("checkpoints/iter_{it:08}/model.bin")).is_file(), "checkpoint {it} missing:\n{}", text(&o));
            assert!(out.join(format!("eval/{it}.json")).is_file(), "eval/{it}.json missing");
        }
        (base, root, out)
    })
}

/// The files of a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// `v` without its timing keys (wall times and frame rates differ between two passes).
fn untimed(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("mots").and_then(Value::as_object_mut) {
        m.remove("model_fps");
        m.remove("end_to_end_fps");
    }
    v
}

#[test]
fn the_val_split_gives_the_training_hooks_numbers_and_files() {
    let (base, root, run) = trained();
    let before = listing(&run.join("eval"));
    // Without --iter: the newest checkpoint (iteration 6, the final evaluation), into the default folder.
    let o = trainer().args(["eval", "--run"]).arg(run).args(["--dataset", "synth", "--root"]).arg(root).args(["--split", "val"]).output().unwrap();
    let log = text(&o);
    assert!(o.status.success(), "trainer eval --run failed:\n{log}");
    assert!(log.contains("eval after iteration 6 (epoch 2) on synth/val: mask AP"), "the hook's summary line:\n{log}");
    assert!(log.contains("device cpu"), "{log}");
    let out = run.join("eval_synth_val");
    let (hook, mine) = (json(&run.join("eval/6.json")), json(&out.join("6.json")));
    for key in ["segm", "bbox", "occlusion", "inside", "mots", "detections", "frames", "dataset", "split", "iteration", "epoch"] {
        assert!(hook.get(key).is_some(), "the hook's 6.json has no {key}: {hook}");
        assert_eq!(untimed(&hook)[key], untimed(&mine)[key], "{key} differs from the training hook's");
    }
    assert!(hook["detections"].as_u64().unwrap() > 0, "the test needs detections to compare: {hook}");
    assert!(mine["checkpoint"].as_str().is_some_and(|c| c.ends_with("iter_00000006")), "{mine}");
    let gt = hook["ground_truth"].as_str().expect("the ground truth's file name");
    for f in ["00000006_results.json", "00000006_mots.json", gt] {
        assert_eq!(std::fs::read(run.join("eval").join(f)).unwrap(), std::fs::read(out.join(f)).unwrap(), "{f} differs from the hook's");
    }
    assert!(out.join("00000006_preview.png").is_file());
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("# Evaluation on synth/val") && md.contains("| 6 | 2 |"), "{md}");

    // --iter 3: an intermediate checkpoint, evaluated by the hook after epoch 1, into --out.
    let out3 = base.join("iter3");
    let o = trainer().args(["eval", "--run"]).arg(run).args(["--iter", "3", "--dataset", "synth", "--root"]).arg(root).args(["--split", "val", "--out"]).arg(&out3).output().unwrap();
    assert!(o.status.success(), "trainer eval --run --iter 3 failed:\n{}", text(&o));
    let (hook, mine) = (json(&run.join("eval/3.json")), json(&out3.join("3.json")));
    for key in ["segm", "bbox", "occlusion", "detections"] {
        assert_eq!(hook[key], mine[key], "{key} at iteration 3 differs from the training hook's");
    }
    assert_eq!(listing(&run.join("eval")), before, "the training's own eval/ is left alone");
}

#[test]
fn another_synthetic_set_is_scored_into_the_default_folder() {
    let (base, _, run) = trained();
    let other = base.join("other");
    let o = trainer()
        .args(["data", "synth", "--out"])
        .arg(&other)
        .args(["--videos", "2", "--frames", "4", "--size", "64", "--seed", "11", "--people", "1..2", "--val-fraction", "0.5"])
        .output()
        .unwrap();
    assert!(o.status.success(), "trainer data synth failed:\n{}", text(&o));
    let o = trainer().args(["eval", "--run"]).arg(run).args(["--dataset", "synth", "--root"]).arg(&other).args(["--split", "train", "--device", "cpu"]).output().unwrap();
    let log = text(&o);
    assert!(o.status.success(), "trainer eval --run on another set failed:\n{log}");
    assert!(log.contains("on synth/train: mask AP"), "{log}");
    let out = run.join("eval_synth_train");
    let v = json(&out.join("6.json"));
    assert_eq!(v["dataset"], "synth/train", "{v}");
    assert_eq!(v["frames"], 4, "one training video of 4 frames: {v}");
    assert!(v["segm"]["AP"].as_f64().is_some_and(f64::is_finite) && v["bbox"]["AP"].as_f64().is_some_and(f64::is_finite), "{v}");
    assert_eq!(v["mots"]["sequences"], 1, "{v}");
    assert!(v["mots"]["sMOTSA"].as_f64().is_some_and(f64::is_finite), "{v}");
    // The ground truth is the new set's, not the run's training split.
    let gt = json(&out.join(v["ground_truth"].as_str().expect("the ground truth's file name")));
    assert_eq!(gt["images"].as_array().unwrap().len(), 4);
    for f in ["00000006_results.json", "00000006_mots.json", "00000006_preview.png", "summary.md"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
}

#[test]
fn bad_arguments_name_what_was_expected() {
    let (base, root, run) = trained();
    // `trainer eval --run RUN --dataset NAME --root ROOT --split SPLIT EXTRA...`, expected to fail: its stderr.
    let eval = |run: &Path, name: &str, split: &str, extra: &[&str]| {
        let o = trainer().args(["eval", "--run"]).arg(run).args(["--dataset", name, "--root"]).arg(root).args(["--split", split]).args(extra).output().unwrap();
        assert!(!o.status.success(), "expected a failure for {name} {split} {extra:?}");
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let err = eval(run, "synth", "val", &["--iter", "4"]);
    assert!(err.contains("--iter 4") && err.contains("iter_00000004") && err.contains("iterations 3, 6"), "{err}");
    let err = eval(&base.join("nowhere"), "synth", "val", &[]);
    assert!(err.contains("nowhere") && err.contains("does not exist"), "{err}");
    let err = eval(root, "synth", "val", &[]);
    assert!(err.contains("checkpoints") && err.contains("expected a training run folder"), "{err}");
    let err = eval(run, "kitti", "val", &[]);
    assert!(err.contains("\"kitti\"") && err.contains("unknown dataset") && err.contains("coco-persons"), "{err}");
    let err = eval(run, "synth", "test", &[]);
    assert!(err.contains("test.json") && err.contains("does not exist"), "{err}");
    let err = eval(run, "synth", "val", &["--out", &run.join("eval").to_string_lossy()]);
    assert!(err.contains("the training's own evaluation folder"), "{err}");
    let err = eval(run, "synth", "val", &["--device", "tpu"]);
    assert!(err.contains("--device") && err.contains("\"tpu\""), "{err}");
    let o = trainer().args(["eval", "--dataset", "synth"]).output().unwrap();
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("--run"), "{}", text(&o));
}

#[test]
fn the_result_file_subcommands_still_work() {
    let (base, _, run) = trained();
    let out = base.join("coco.json");
    let hook = json(&run.join("eval/6.json"));
    let o = trainer()
        .args(["eval", "coco", "--gt"])
        .arg(run.join("eval").join(hook["ground_truth"].as_str().expect("the ground truth's file name")))
        .arg("--dt")
        .arg(run.join("eval/00000006_results.json"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "trainer eval coco failed:\n{}", text(&o));
    assert_eq!(json(&out)["stats"][0], hook["segm"]["AP"], "pycocotools-exact AP of the hook's own files");
    // A subcommand and --run together are refused.
    let o = trainer().args(["eval", "--run"]).arg(run).args(["coco", "--gt", "a.json", "--dt", "b.json"]).output().unwrap();
    assert!(!o.status.success(), "{}", text(&o));
}
