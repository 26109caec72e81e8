//! The training loop on a tiny model: exact resume, non-finite losses, checkpoints, logs.

mod train_common;

use std::sync::Arc;

use burn::backend::Flex;
use burn::prelude::*;
use train_common::{AB, Tiny, config, fresh_dir, synth};
use trainer::training::engine::{Outcome, RunContext, train};

/// burn's seeded generator is global: tests that initialise models take turns so each run's init is its seed's.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(cfg: &trainer::config::ExperimentConfig, dir: &std::path::Path, resume: bool, stop_after: Option<u64>, nan_at: Option<usize>) -> anyhow::Result<Outcome> {
    let device = Default::default();
    Flex::seed(&device, cfg.seed);
    let model = Tiny::<AB>::new(&device, nan_at);
    let train_ds = Arc::new(data::datasets::hvis(std::path::Path::new(&cfg.data.train.root), "train").unwrap());
    let ctx = RunContext { dir: dir.to_path_buf(), resolved_toml: toml::to_string(cfg).unwrap(), train: train_ds, resume, stop_after, quiet: true };
    train::<AB, _>(model, &device, cfg, &ctx, None)
}

/// Runs `cfg` straight through and again cut at mid-run then resumed; returns both final weights, the
/// iteration count and the resumed run's folder.
fn straight_and_resumed(tag: &str, edit: impl Fn(&mut trainer::config::ExperimentConfig)) -> (Vec<f32>, Vec<f32>, u64, std::path::PathBuf) {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = synth(&format!("resume_{tag}"));
    let straight = fresh_dir(&format!("straight_{tag}"));
    let mut cfg = config(&root, &straight);
    edit(&mut cfg);
    let Outcome::Finished { iterations, checkpoint: a } = run(&cfg, &straight, false, None, None).unwrap() else { panic!("did not finish") };
    assert!(iterations >= 4, "{iterations} iterations");
    // The same run cut in the middle of the first epoch, then resumed (a fresh process would do the same).
    let split = fresh_dir(&format!("split_{tag}"));
    let mut cfg2 = config(&root, &split);
    edit(&mut cfg2);
    let half = iterations / 2 - 1;
    match run(&cfg2, &split, false, Some(half), None).unwrap() {
        Outcome::Stopped { iterations: n, .. } => assert_eq!(n, half),
        o => panic!("expected a stop, got {o:?}"),
    }
    // A hard kill after the checkpoint leaves records of iterations the resumed run will do again.
    let mut log = std::fs::OpenOptions::new().append(true).open(split.join("metrics.jsonl")).unwrap();
    for k in 1..=2 {
        std::io::Write::write_all(&mut log, format!("{{\"iteration\": {}, \"loss_total\": 1.0}}\n", half + k).as_bytes()).unwrap();
    }
    let Outcome::Finished { iterations: n2, checkpoint: b } = run(&cfg2, &split, true, None, None).unwrap() else { panic!() };
    assert_eq!(n2, iterations);
    // Model records also hold parameter ids (random per process), so compare the values, bit for bit.
    let device = Default::default();
    let wa = trainer::training::engine::load_model::<Flex, _>(Tiny::<Flex>::new(&device, None), &a, &device).unwrap().values();
    let wb = trainer::training::engine::load_model::<Flex, _>(Tiny::<Flex>::new(&device, None), &b, &device).unwrap().values();
    assert_eq!(wa.len(), wb.len());
    let same = wa.iter().zip(&wb).filter(|(x, y)| x.to_bits() == y.to_bits()).count();
    assert_eq!(same, wa.len(), "{tag}: {} of {} parameters differ between the resumed and the uninterrupted run", wa.len() - same, wa.len());
    // And training moved them (the comparison is not between two untouched inits).
    let init = { Flex::seed(&device, cfg.seed); Tiny::<Flex>::new(&device, None).values() };
    assert!(init.iter().zip(&wa).any(|(x, y)| x != y), "{tag}: training left the weights at their init");
    (wa, wb, iterations, split)
}

#[test]
fn resumed_run_ends_with_the_same_weights_bit_for_bit() {
    let (_, _, iterations, split) = straight_and_resumed("sgd", |_| {});
    // Checkpoints kept: the newest 2; `last` names the newest.
    let ckpts: Vec<_> = std::fs::read_dir(split.join("checkpoints")).unwrap().filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().to_string()).filter(|n| n.starts_with("iter_")).collect();
    assert_eq!(ckpts.len(), 2, "{ckpts:?}");
    assert_eq!(std::fs::read_to_string(split.join("checkpoints/last")).unwrap().trim(), format!("iter_{iterations:08}"));
    // metrics.jsonl has one record per iteration over both parts (the killed run's extra records were dropped).
    let lines = std::fs::read_to_string(split.join("metrics.jsonl")).unwrap();
    let iters: Vec<u64> = lines.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["iteration"].as_u64().unwrap()).collect();
    assert_eq!(iters, (1..=iterations).collect::<Vec<_>>());
}

#[test]
fn adam_state_resumes_exactly_and_differs_from_sgd() {
    let (adam, _, _, _) = straight_and_resumed("adam", |c| {
        c.solver.optimizer = trainer::config::OptimizerKind::Adam;
        c.solver.base_lr = 1e-3;
    });
    let (sgd, _, _, _) = straight_and_resumed("sgd_ref", |_| {});
    assert!(adam.iter().zip(&sgd).any(|(x, y)| x != y), "solver.optimizer = adam trained the same weights as SGD");
}

#[test]
fn a_non_finite_loss_stops_naming_loss_iteration_and_samples() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = synth("nan");
    let dir = fresh_dir("nan");
    let cfg = config(&root, &dir);
    // 4 iterations per epoch, checkpoints at 3 and 4; the 5th call (iteration 5) returns NaN.
    let err = run(&cfg, &dir, false, None, Some(4)).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("non-finite loss: fg = NaN at iteration 5"), "{msg}");
    assert!(msg.contains("hvis/train/0"), "sample ids missing: {msg}");
    assert!(msg.contains("iter_00000004"), "last good checkpoint not named: {msg}");
    // The last good checkpoint is intact and nothing later was written.
    let last = std::fs::read_to_string(dir.join("checkpoints/last")).unwrap();
    assert_eq!(last.trim(), "iter_00000004");
    let device = Default::default();
    let m = trainer::training::engine::load_model::<Flex, _>(Tiny::<Flex>::new(&device, None), &dir.join("checkpoints/iter_00000004"), &device).unwrap();
    let w: Vec<f32> = m.conv1_weight().into_data().to_vec().unwrap();
    assert!(w.iter().all(|v| v.is_finite()));
}
