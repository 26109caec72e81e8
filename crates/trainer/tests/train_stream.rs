//! `data.train_stream`: `trainer train` on new synthetic videos every epoch (validation on the files), with the
//! iteration count the stream gives, and a run stopped mid-epoch then resumed logging the same losses as an
//! uninterrupted one; the key's checks.

mod common;

use std::path::Path;
use std::process::Command;

fn trainer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_trainer"))
}

/// 5 stream videos per epoch of the tiny set's knobs (4 frames of 64×64, 1–2 people): 2 clips of 2 frames per
/// video, 2 clips per batch, so 5 iterations per epoch (the 3 train videos on file would give 3).
fn stream_config(root: &Path, out: &Path) -> String {
    common::tiny_config(root, out, &format!("{}{}", common::SMALL_64, common::tiny_solver(2)))
        .replace("videos_per_epoch = 0", "videos_per_epoch = 5")
}

/// The training records of a run's metrics.jsonl: `(iteration, epoch, every loss_*, lr, grad_norm)` as text, so
/// that the comparison is exact.
fn training_records(out: &Path) -> Vec<(u64, String)> {
    let text = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r.get("loss_total").is_some())
        .map(|r| {
            let obj = r.as_object().unwrap();
            let kept: Vec<String> = obj
                .iter()
                .filter(|(k, _)| {
                    k.starts_with("loss_") || ["epoch", "lr", "grad_norm"].contains(&k.as_str())
                })
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            (r["iteration"].as_u64().unwrap(), kept.join(" "))
        })
        .collect()
}

fn run(args: &[&std::ffi::OsStr]) -> String {
    let o = trainer().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "trainer {args:?} failed:\n{err}");
    err
}

#[test]
fn stream_trains_and_a_resumed_run_logs_the_same_losses() {
    let (base, root) = common::tiny_synth("stream", (1, 2));
    let straight = base.join("straight");
    let cfg_a = base.join("straight.toml");
    std::fs::write(&cfg_a, stream_config(&root, &straight)).unwrap();
    let err = run(&[cfg_a.as_os_str()]);
    // 5 videos × 2 labels (max_people = 2) per epoch size the ID classifier; validation stays on the files.
    assert!(
        err.contains("a synthetic stream (5 new videos per epoch × 4 frames, 64×64"),
        "{err}"
    );
    assert!(err.contains("10 identity labels per epoch"), "{err}");
    assert!(err.contains("finished 10 iterations"), "{err}");
    let a = training_records(&straight);
    assert_eq!(
        a.iter().map(|r| r.0).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    for (it, rec) in &a {
        assert!(
            !rec.contains("NaN") && !rec.contains("null"),
            "iteration {it}: {rec}"
        );
    }
    assert!(
        straight.join("eval/10.json").exists(),
        "the final evaluation (on the files' val split) is missing"
    );

    // The same run stopped in the middle of the second epoch, then resumed in a new process.
    let split = base.join("split");
    let cfg_b = base.join("split.toml");
    std::fs::write(&cfg_b, stream_config(&root, &split)).unwrap();
    let err = run(&[cfg_b.as_os_str(), "--stop-after".as_ref(), "7".as_ref()]);
    assert!(err.contains("stopped after 7 iterations"), "{err}");
    let err = run(&[cfg_b.as_os_str(), "--resume".as_ref()]);
    assert!(err.contains("(iteration 7 of 10)"), "{err}");
    let b = training_records(&split);
    assert_eq!(b.len(), a.len());
    for ((ia, ra), (ib, rb)) in a.iter().zip(&b) {
        assert_eq!(ia, ib);
        assert_eq!(
            ra, rb,
            "iteration {ia}: the resumed run's record differs from the uninterrupted one"
        );
    }
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn the_stream_key_is_checked() {
    let base = std::env::temp_dir().join(format!("hvis-train-stream-keys-{}", std::process::id()));
    std::fs::create_dir_all(&base).unwrap();
    let cfg = base.join("c.toml");
    let quickstart = testkit::workspace_root().join("configs/quickstart.toml");
    let write = |extra: &str| {
        std::fs::write(
            &cfg,
            format!("base = [{:?}]\n{extra}", quickstart.display().to_string()),
        )
        .unwrap()
    };

    write("[data.train_stream]\nvideos_per_epoch = 64\n");
    let r = trainer::config::load(&cfg, &[]).unwrap();
    assert_eq!(r.config.data.train_stream.videos_per_epoch, 64);
    assert!(
        r.to_toml_string().contains("[data.train_stream]"),
        "config print shows the key"
    );
    // Off by default (the paper's config trains on its files); the quickstart turns it on.
    let stream_of = |c: &Path| trainer::config::load(c, &[]).unwrap().config.data.train_stream.videos_per_epoch;
    assert_eq!(stream_of(&testkit::workspace_root().join("configs/hvisnet.toml")), 0);
    write("");
    assert_eq!(stream_of(&cfg), 16);
    // A misspelt key names the path and the closest valid key.
    write("[data.train_stream]\nvideos_per_epch = 64\n");
    let msg = trainer::config::load(&cfg, &[]).unwrap_err().to_string();
    assert!(
        msg.contains("data.train_stream.videos_per_epch") && msg.contains("videos_per_epoch"),
        "{msg}"
    );
    // The stream continues a synthetic set: other training datasets are refused before any work.
    write(
        "[data.train_stream]\nvideos_per_epoch = 8\n[data.train]\nname = \"coco-persons\"\nroot = \"datasets/coco\"\nsplit = \"train\"\n",
    );
    let msg = trainer::config::load(&cfg, &[]).unwrap_err().to_string();
    assert!(
        msg.contains("data.train_stream.videos_per_epoch = 8 needs data.train.name = \"synth\""),
        "{msg}"
    );
    // And `--set` reaches it.
    write("");
    let r = trainer::config::load(&cfg, &["data.train_stream.videos_per_epoch=3".into()]).unwrap();
    assert_eq!(r.config.data.train_stream.videos_per_epoch, 3);
    let _ = std::fs::remove_dir_all(base);
}
