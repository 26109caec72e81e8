//! TensorBoard events written by the loop, read back with TensorBoard's own reader; evaluation outputs.

mod train_common;

use std::sync::Arc;

use burn::backend::Flex;
use burn::prelude::*;
use train_common::{AB, Tiny, config, fresh_dir, synth};
use trainer::training::engine::{Outcome, RunContext, train};
use trainer::training::evaluate::CocoEvaluator;

#[test]
fn events_have_every_loss_lr_throughput_eval_metric_and_image_at_the_expected_steps() {
    let root = synth("events");
    let dir = fresh_dir("events");
    let cfg = config(&root, &dir);
    let device = Default::default();
    Flex::seed(&device, cfg.seed);
    let train_ds = Arc::new(data::datasets::open("synth", &root, "train").unwrap());
    let val_ds = Arc::new(data::datasets::open("synth", &root, "val").unwrap());
    let mut ev = CocoEvaluator::new(val_ds, trainer::training::batch::augment_config(&cfg), &dir, 0.0).unwrap();
    let ctx = RunContext { dir: dir.clone(), resolved_toml: toml::to_string(&cfg).unwrap(), train: train_ds, resume: false, stop_after: None, quiet: true };
    let Outcome::Finished { iterations, .. } = train::<AB, _>(Tiny::<AB>::new(&device, None), &device, &cfg, &ctx, Some(&mut ev)).unwrap() else { panic!() };
    let ipe = iterations / cfg.solver.epochs as u64;

    // Evaluation files: untrained (0), after each epoch.
    for it in [0, ipe, iterations] {
        let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(format!("eval/{it}.json"))).unwrap()).unwrap();
        let ap = v["segm"]["AP"].as_f64().unwrap();
        assert!((-1.0..=1.0).contains(&ap), "{v}");
        assert!(dir.join(format!("eval/{it:08}_preview.png")).exists());
    }
    let md = std::fs::read_to_string(dir.join("eval/summary.md")).unwrap();
    assert_eq!(md.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| iteration")).count(), 3, "{md}");

    let Some(py) = testkit::python() else {
        eprintln!("skipping the TensorBoard read-back: no Python with tensorboard");
        return;
    };
    let script = testkit::workspace_root().join("tools/oracles/tensorboard_read.py");
    let out = testkit::run_python(&py, &script, &[dir.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let steps = |kind: &str, tag: &str| -> Vec<u64> {
        v[kind][tag].as_array().unwrap_or_else(|| panic!("no {kind} {tag} in {v}")).iter().map(|e| e[0].as_u64().unwrap()).collect()
    };
    let every: Vec<u64> = (1..=iterations).collect();
    for tag in ["loss/fg", "loss/ctr", "loss/total", "lr", "grad_norm", "throughput/images_per_s"] {
        assert_eq!(steps("scalars", tag), every, "{tag}");
    }
    for tag in ["eval/mask_AP", "eval/mask_AP50", "eval/box_AP"] {
        assert_eq!(steps("scalars", tag), vec![0, ipe, iterations], "{tag}");
    }
    assert_eq!(steps("images", "val/predictions"), vec![0, ipe, iterations]);
    let img = &v["images"]["val/predictions"][0];
    assert_eq!((img[1].as_u64(), img[2].as_u64()), (Some(64), Some(64)));
    // The LR read back equals the schedule: warmup from 0.001·base, ×0.1 after epoch 1.
    let lr: Vec<f64> = v["scalars"]["lr"].as_array().unwrap().iter().map(|e| e[1].as_f64().unwrap()).collect();
    let s = trainer::training::schedule::LrSchedule::new(cfg.solver.base_lr, 2, cfg.solver.warmup_factor, &[1], 0.1, ipe);
    for (k, got) in lr.iter().enumerate() {
        let want = s.lr(k as u64) as f32 as f64;
        assert!((got - want).abs() <= 1e-9 * want.abs().max(1e-12), "lr at step {}: {got} vs {want}", k + 1);
    }
    // The values match metrics.jsonl.
    let first: serde_json::Value = serde_json::from_str(std::fs::read_to_string(dir.join("metrics.jsonl")).unwrap().lines().nth(1).unwrap()).unwrap();
    let tb = v["scalars"]["loss/total"][0][1].as_f64().unwrap();
    assert!((first["loss_total"].as_f64().unwrap() - tb).abs() < 1e-6, "{first} vs {tb}");
}
