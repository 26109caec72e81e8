//! Ctrl-C (SIGINT) during `trainer train`: a checkpoint is saved, the process exits cleanly, `--resume` goes on.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn sigint_saves_a_checkpoint_and_exits_cleanly_then_resume_continues() {
    let (base, root) = common::tiny_synth("sigint", (1, 2));
    let out = base.join("run");
    let toml = common::tiny_config(
        &root,
        &out,
        &format!("{}{}", common::SMALL_64, common::tiny_solver(1000)),
    );
    let cfg_path = base.join("long.toml");
    std::fs::write(&cfg_path, toml).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_trainer")).arg(&cfg_path).stderr(Stdio::piped()).spawn().unwrap();
    // Wait until training has started (a few iterations logged), then interrupt.
    let t0 = Instant::now();
    loop {
        let n = std::fs::read_to_string(out.join("metrics.jsonl")).map(|s| s.lines().filter(|l| l.contains("loss_total")).count()).unwrap_or(0);
        if n >= 3 {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(120), "training did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let st = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(st.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "exit {:?}:\n{err}", o.status);
    assert!(err.contains("stopped after") && err.contains("--resume"), "{err}");
    let last = std::fs::read_to_string(out.join("checkpoints/last")).unwrap();
    let stopped: u64 = last.trim().trim_start_matches("iter_").parse().unwrap();
    assert!(stopped >= 3);
    for f in ["model.bin", "optim.bin", "state.json", "config.resolved.toml"] {
        assert!(out.join("checkpoints").join(last.trim()).join(f).exists(), "{f}");
    }
    // Resume for one more epoch-less stretch: it starts where the checkpoint is.
    let child = Command::new(env!("CARGO_BIN_EXE_trainer")).arg(&cfg_path).arg("--resume").stderr(Stdio::piped()).spawn().unwrap();
    let t0 = Instant::now();
    loop {
        let s = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
        if s.lines().filter(|l| l.contains("loss_total")).count() as u64 >= stopped + 2 {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(120), "resumed training did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains(&format!("resumed from")) && err.contains(&format!("(iteration {stopped} of")), "{err}");
    let iters: Vec<u64> = std::fs::read_to_string(out.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("loss_total"))
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["iteration"].as_u64().unwrap())
        .collect();
    assert_eq!(iters[stopped as usize], stopped + 1, "the resumed run continues at the next iteration");
}
