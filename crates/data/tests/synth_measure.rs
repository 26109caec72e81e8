//! Timing and box-centre rates of the default synthetic set (20 videos × 16 frames × 256²):
//! `cargo test -p data --test synth_measure -- --ignored --nocapture`.

use std::time::Instant;

use data::synth::{SynthConfig, generate};

#[test]
#[ignore]
fn synth_measure_default_set() {
    let cfg = SynthConfig::default();
    let out = std::env::temp_dir().join(format!("synth-measure-{}", std::process::id()));
    let t = Instant::now();
    let s = generate(&cfg, &out).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{} videos x {} frames x {}x{}: {secs:.2} s; {} identities, {} masks ({} small), {} re-entries; box centre outside own mask {:.1}%, inside another {:.1}%",
        cfg.videos,
        cfg.frames,
        cfg.width,
        cfg.height,
        s.identities,
        s.instances,
        s.small_instances,
        s.reentries,
        100.0 * s.box_centre.outside_own_rate(),
        100.0 * s.box_centre.inside_other_rate()
    );
    std::fs::remove_dir_all(out).unwrap();
}
