//! Parity of the Kalman filter with filterpy (tools/oracles/tracker_kalman.py) on random sequences:
//! mean, covariance and gating distances after every predict and update, within 1e-6.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tracker::KalmanFilter;

fn random_z(rng: &mut ChaCha8Rng, around: Option<[f64; 4]>) -> [f64; 4] {
    match around {
        Some(m) => [
            m[0] + rng.random_range(-0.2..0.2) * m[3],
            m[1] + rng.random_range(-0.2..0.2) * m[3],
            (m[2] + rng.random_range(-0.1..0.1)).max(0.05),
            (m[3] * rng.random_range(0.8..1.25)).max(2.0),
        ],
        None => [rng.random_range(0.0..1920.0), rng.random_range(0.0..1080.0), rng.random_range(0.2..1.2), rng.random_range(10.0..500.0)],
    }
}

#[test]
fn kalman_matches_filterpy_on_random_sequences() {
    let Some(python) = testkit::python() else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(20210816);
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for case in 0..150 {
        // Most cases use FairMOT's noise weights; some vary them to exercise the parameters.
        let kf = if case % 5 == 4 {
            KalmanFilter { std_weight_position: rng.random_range(0.01..0.2), std_weight_velocity: rng.random_range(0.001..0.05) }
        } else {
            KalmanFilter::default()
        };
        let init = random_z(&mut rng, None);
        let mut g = kf.initiate(init);
        let mut steps = Vec::new();
        let mut states = Vec::new();
        for _ in 0..rng.random_range(1..25) {
            let current = [g.mean[0], g.mean[1], g.mean[2], g.mean[3]];
            let (op, z) = if rng.random_bool(0.5) {
                g = kf.predict(&g);
                ("predict", None)
            } else {
                let z = random_z(&mut rng, Some(current));
                g = kf.update(&g, z).expect("positive-definite innovation");
                ("update", Some(z))
            };
            let here = [g.mean[0], g.mean[1], g.mean[2], g.mean[3]];
            let gates: Vec<[f64; 4]> = (0..3).map(|_| random_z(&mut rng, Some(here))).collect();
            let full = kf.gating_distance(&g, &gates, false).unwrap();
            let pos = kf.gating_distance(&g, &gates, true).unwrap();
            steps.push(json!({"op": op, "z": z, "gate": gates}));
            states.push((g.mean_array().to_vec(), g.covariance.transpose().as_slice().to_vec(), full, pos));
        }
        cases.push(json!({"std_pos": kf.std_weight_position, "std_vel": kf.std_weight_velocity, "init": init, "steps": steps}));
        ours.push(states);
    }
    let dir = testkit::temp_dir("tracker-kalman");
    let (input, output) = (dir.join("cases.json"), dir.join("out.json"));
    std::fs::write(&input, serde_json::to_string(&cases).unwrap()).unwrap();
    let script = testkit::workspace_root().join("tools/oracles/tracker_kalman.py");
    testkit::run_python(&python, &script, &[input.to_str().unwrap(), output.to_str().unwrap()]);
    let theirs: Vec<Vec<Value>> = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();

    let mut worst = (0.0f64, String::new());
    let mut compared = 0usize;
    for (c, (ours, theirs)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(ours.len(), theirs.len(), "case {c}: step count");
        for (s, ((mean, cov, gate, gate_pos), t)) in ours.iter().zip(theirs).enumerate() {
            let fields = [("mean", mean), ("cov", cov), ("gate", gate), ("gate_pos", gate_pos)];
            for (name, values) in fields {
                let reference: Vec<f64> = t[name].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
                assert_eq!(values.len(), reference.len(), "case {c} step {s} {name}: length");
                for (i, (a, b)) in values.iter().zip(&reference).enumerate() {
                    let diff = (a - b).abs();
                    compared += 1;
                    if diff > worst.0 {
                        worst = (diff, format!("case {c} step {s} {name}[{i}]: ours {a}, filterpy {b}"));
                    }
                }
            }
        }
    }
    eprintln!("compared {compared} numbers; largest absolute difference {:.3e} at {}", worst.0, worst.1);
    assert!(worst.0 <= 1e-6, "Kalman filter differs from filterpy by {:.3e} at {}", worst.0, worst.1);
}
