//! Parity of the assignment solvers with scipy's linear_sum_assignment (tools/oracles/tracker_assignment.py)
//! on random rectangular cost matrices with forbidden entries: feasibility, total cost, and the matching itself
//! where the optimum is unique; the cost-limited solver against scipy on lap's extended matrix.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use tracker::{CostMatrix, assign_with_limit, linear_sum_assignment};

fn pairs_of(v: &Value) -> Vec<(usize, usize)> {
    v.as_array().unwrap().iter().map(|p| (p[0].as_u64().unwrap() as usize, p[1].as_u64().unwrap() as usize)).collect()
}

#[test]
fn assignment_matches_scipy_on_random_matrices() {
    let Some(python) = testkit::python() else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut cases = Vec::new();
    let mut matrices = Vec::new();
    for case in 0..400 {
        let big = case % 10 == 9;
        let n = if big { rng.random_range(10..40) } else { rng.random_range(0..9) };
        let m = if big { rng.random_range(10..40) } else { rng.random_range(0..9) };
        let forbid = [0.0, 0.1, 0.3, 0.6][case % 4];
        // Costs like the tracker's (in [0, 1.2]) most of the time; a few with a wide range and negatives.
        let (lo, hi) = if case % 7 == 6 { (-50.0, 300.0) } else { (0.0, 1.2) };
        let cost = CostMatrix::from_fn(n, m, |_, _| if rng.random_bool(forbid) { f64::INFINITY } else { rng.random_range(lo..hi) });
        let limit = if case % 7 == 6 { rng.random_range(0.0..200.0) } else { rng.random_range(0.05..1.0) };
        let data: Vec<Value> = (0..n * m).map(|i| { let v = cost.get(i / m.max(1), i % m.max(1)); if v.is_finite() { json!(v) } else { Value::Null } }).collect();
        cases.push(json!({"rows": n, "cols": m, "cost": data, "limit": limit}));
        matrices.push((cost, limit));
    }
    let dir = testkit::temp_dir("tracker-assignment");
    let (input, output) = (dir.join("cases.json"), dir.join("out.json"));
    std::fs::write(&input, serde_json::to_string(&cases).unwrap()).unwrap();
    let script = testkit::workspace_root().join("tools/oracles/tracker_assignment.py");
    testkit::run_python(&python, &script, &[input.to_str().unwrap(), output.to_str().unwrap()]);
    let theirs: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();

    let (mut infeasible, mut unique_checked, mut limited_unique) = (0, 0, 0);
    for (c, ((cost, limit), t)) in matrices.iter().zip(&theirs).enumerate() {
        let lsa = &t["lsa"];
        match linear_sum_assignment(cost) {
            Err(e) => {
                assert!(!lsa["feasible"].as_bool().unwrap(), "case {c}: we say {e}, scipy found a matching");
                infeasible += 1;
            }
            Ok(pairs) => {
                assert!(lsa["feasible"].as_bool().unwrap(), "case {c}: scipy says infeasible, we found {pairs:?}");
                assert_eq!(pairs.len(), cost.rows().min(cost.cols()), "case {c}: pair count");
                let total: f64 = pairs.iter().map(|&(r, k)| cost.get(r, k)).sum();
                let reference = lsa["total"].as_f64().unwrap();
                assert!((total - reference).abs() <= 1e-9 * reference.abs().max(1.0), "case {c}: total {total} vs scipy {reference}");
                if lsa["unique"].as_bool().unwrap() {
                    assert_eq!(pairs, pairs_of(&lsa["pairs"]), "case {c}: unique optimum differs");
                    unique_checked += 1;
                }
            }
        }
        let lim = &t["limited"];
        let a = assign_with_limit(cost, *limit).unwrap();
        let (n, m) = (cost.rows(), cost.cols());
        let total: f64 = a.matches.iter().map(|&(r, k)| cost.get(r, k)).sum::<f64>() + (n + m - 2 * a.matches.len()) as f64 * limit / 2.0;
        let reference = lim["total"].as_f64().unwrap();
        assert!((total - reference).abs() <= 1e-9 * reference.abs().max(1.0), "case {c}: limited total {total} vs scipy {reference}");
        assert!(a.matches.iter().all(|&(r, k)| cost.get(r, k) <= *limit), "case {c}: a pair above the limit");
        assert_eq!(a.unmatched_rows.len() + a.matches.len(), n);
        assert_eq!(a.unmatched_cols.len() + a.matches.len(), m);
        if lim["unique"].as_bool().unwrap() {
            assert_eq!(a.matches, pairs_of(&lim["pairs"]), "case {c}: unique limited optimum differs");
            limited_unique += 1;
        }
    }
    eprintln!("{} cases: {infeasible} infeasible, {unique_checked} unique full matchings and {limited_unique} unique limited matchings compared pair by pair", matrices.len());
    assert!(infeasible > 10 && unique_checked > 200 && limited_unique > 200, "the random cases should exercise every branch");
}
