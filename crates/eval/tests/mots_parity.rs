//! MOTS parity against TrackEval (PyPI `trackeval`): hundreds of random valid KITTI-MOTS sequences (tiny masks,
//! so IoU exactly 0.5 is common; empty frames, predictions without ground truth, id switches after gaps,
//! ignore regions, a second class) evaluated by both; counts must agree exactly, floats within 1e-9.

use std::collections::HashMap;
use std::path::Path;

use data::mask::Rle;
use data::mots::{MotsRow, format_mots_txt};
use eval::mots::{MotsVariant, evaluate, io::load};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

const SEQS: usize = 300;

/// Paints objects (id, class, rectangle or pixel set) into a label map; later objects cover earlier ones.
fn paint(h: u32, w: u32, objs: &[(u32, u32, Vec<(u32, u32)>)], frame: u32, rng: &mut ChaCha8Rng) -> Vec<MotsRow> {
    let mut lab = vec![0usize; (h * w) as usize];
    for (k, (_, _, px)) in objs.iter().enumerate() {
        for &(x, y) in px {
            if x < w && y < h {
                lab[(y * w + x) as usize] = k + 1;
            }
        }
    }
    let mut rows: Vec<MotsRow> = objs
        .iter()
        .enumerate()
        .filter_map(|(k, (id, cls, _))| {
            let m: Vec<u8> = lab.iter().map(|&l| u8::from(l == k + 1)).collect();
            let rle = Rle::from_row_major(h, w, &m);
            (rle.area() > 0).then_some(MotsRow { frame, track_id: *id, class_id: *cls, rle })
        })
        .collect();
    // File order is random: it decides Hungarian tie-breaks, which must agree too.
    for i in (1..rows.len()).rev() {
        rows.swap(i, rng.random_range(0..=i));
    }
    rows
}

fn rect(rng: &mut ChaCha8Rng, h: u32, w: u32) -> Vec<(u32, u32)> {
    let (x0, y0) = (rng.random_range(0..w), rng.random_range(0..h));
    let (x1, y1) = (rng.random_range(x0..w) + 1, rng.random_range(y0..h) + 1);
    (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).collect()
}

/// One random sequence: (ground-truth rows, tracker rows, length).
fn sequence(rng: &mut ChaCha8Rng) -> (Vec<MotsRow>, Vec<MotsRow>, u32) {
    let (h, w) = (rng.random_range(3..8), rng.random_range(3..8));
    let len = rng.random_range(1..12);
    let n_tracks = rng.random_range(0..5u32);
    let mut assign: HashMap<u32, u32> = (0..n_tracks).map(|k| (2001 + k, 2001 + k)).collect();
    let (mut gt, mut tr) = (Vec::new(), Vec::new());
    for f in 0..len {
        let mut g = Vec::new();
        if rng.random_bool(0.2) {
            g.push((10000, 10, rect(rng, h, w)));
        }
        for k in 0..n_tracks {
            if rng.random_bool(0.75) {
                g.push((2001 + k, 2, rect(rng, h, w)));
            }
        }
        if rng.random_bool(0.2) {
            g.push((1001, 1, rect(rng, h, w)));
        }
        let g_rows = paint(h, w, &g, f, rng);
        let mut t = Vec::new();
        for r in &g_rows {
            if r.class_id == 10 || !rng.random_bool(0.8) {
                continue;
            }
            if rng.random_bool(0.1) {
                assign.insert(r.track_id, 2050 + rng.random_range(0..6));
            }
            let id = assign.get(&r.track_id).copied().unwrap_or(r.track_id);
            let (dx, dy) = (rng.random_range(0..3) as i32 - 1, rng.random_range(0..3) as i32 - 1);
            let m = r.rle.to_row_major();
            let mut px: Vec<(u32, u32)> = (0..h * w)
                .filter(|&p| m[p as usize] != 0)
                .filter_map(|p| {
                    let (x, y) = ((p % w) as i32 + dx, (p / w) as i32 + dy);
                    (x >= 0 && y >= 0 && rng.random_bool(0.9)).then_some((x as u32, y as u32))
                })
                .collect();
            if rng.random_bool(0.3) {
                px.extend(rect(rng, h, w).into_iter().take(3));
            }
            t.push((id, r.class_id, px));
        }
        for _ in 0..rng.random_range(0..3) {
            let cls = if rng.random_bool(0.85) { 2 } else { 1 };
            t.push((cls * 1000 + 100 + rng.random_range(0..8), cls, rect(rng, h, w)));
        }
        // Deduplicate ids within the frame (the format forbids repeats).
        let mut seen = std::collections::HashSet::new();
        t.retain(|o| seen.insert(o.0));
        if rng.random_bool(0.1) {
            t.clear();
        }
        tr.extend(paint(h, w, &t, f, rng));
        gt.extend(g_rows);
    }
    (gt, tr, len)
}

fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or_else(|| panic!("oracle field {k} missing"))
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9, "{what}: ours {a} vs TrackEval {b}");
}

fn write_cases(dir: &Path, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seqmap = String::new();
    for s in 0..SEQS {
        let (gt, tr, len) = sequence(&mut rng);
        let name = format!("{s:04}");
        std::fs::create_dir_all(dir.join("gt/label_02")).unwrap();
        std::fs::create_dir_all(dir.join("trackers/trk/data")).unwrap();
        std::fs::write(dir.join(format!("gt/label_02/{name}.txt")), format_mots_txt(&gt)).unwrap();
        std::fs::write(dir.join(format!("trackers/trk/data/{name}.txt")), format_mots_txt(&tr)).unwrap();
        seqmap += &format!("{name} empty 0 {}\n", len - 1);
    }
    std::fs::write(dir.join("seqmap.txt"), seqmap).unwrap();
}

#[test]
fn trackeval_variant_matches_trackeval_on_random_sequences() {
    let Some(py) = testkit::python() else { return };
    let dir = testkit::temp_dir("mots-parity");
    write_cases(&dir, 7);
    let out = dir.join("oracle.json");
    let script = testkit::workspace_root().join("tools/oracles/eval_mots_trackeval.py");
    let s = |p: &Path| p.to_string_lossy().to_string();
    testkit::run_python(&py, &script, &["kitti", &s(&dir.join("gt")), &s(&dir.join("trackers")), "trk", &s(&dir.join("seqmap.txt")), &s(&out), "pedestrian"]);
    let oracle: HashMap<String, Value> = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let seqs = load(&dir.join("gt"), &dir.join("trackers/trk"), Some(&dir.join("seqmap.txt")), 2).unwrap();
    let rep = evaluate(&seqs, MotsVariant::Trackeval);
    let mut results: Vec<(String, &eval::mots::MotsCounts)> = rep.per_seq.iter().map(|(n, c)| (n.clone(), c)).collect();
    results.push(("COMBINED_SEQ".into(), &rep.combined));
    let (mut ties, mut hota_nontrivial) = (0, 0);
    for (name, c) in results {
        let o = &oracle[&name];
        let j = c.to_json();
        for (ours, theirs) in [("TP", "CLR_TP"), ("FP", "CLR_FP"), ("FN", "CLR_FN"), ("IDS", "IDSW"), ("MT", "MT"), ("PT", "PT"), ("ML", "ML"), ("Frag", "Frag"), ("IDTP", "IDTP"), ("IDFP", "IDFP"), ("IDFN", "IDFN")] {
            assert_eq!(j[ours].as_u64().unwrap() as f64, num(o, theirs), "{name}: {ours}");
        }
        // TrackEval returns early (leaving sMOTA = MOTA = 0) on a sequence without ground truth; we apply the
        // formula (−FP / max(1, 0)), documented in docs/evaluation.md.
        let floats: &[(&str, &str)] = if c.gt_dets == 0 {
            &[("soft_TP", "MOTP_sum"), ("MOTSP", "MOTP"), ("IDF1", "IDF1")]
        } else {
            &[("soft_TP", "MOTP_sum"), ("sMOTSA", "sMOTA"), ("MOTSA", "MOTA"), ("MOTSP", "MOTP"), ("IDF1", "IDF1")]
        };
        for &(ours, theirs) in floats {
            close(j[ours].as_f64().unwrap(), num(o, theirs), &format!("{name}: {ours}"));
        }
        for (ours, theirs) in [("HOTA_per_alpha", "HOTA"), ("DetA_per_alpha", "DetA"), ("AssA_per_alpha", "AssA"), ("LocA_per_alpha", "LocA")] {
            let a = j[ours].as_array().unwrap();
            let b = o[theirs].as_array().unwrap();
            for (x, y) in a.iter().zip(b) {
                close(x.as_f64().unwrap(), y.as_f64().unwrap(), &format!("{name}: {ours}"));
            }
        }
        for (a, x) in o["HOTA_TP"].as_array().unwrap().iter().enumerate() {
            assert_eq!(c.hota.tp[a], x.as_f64().unwrap(), "{name}: HOTA_TP[{a}]");
        }
        if j["HOTA"].as_f64().unwrap() > 0.0 {
            hota_nontrivial += 1;
        }
        let seq = seqs.iter().find(|s| s.name == name);
        if let Some(s) = seq {
            ties += s.frames.iter().flat_map(|f| f.iou.iter()).filter(|&&v| v == 0.5).count();
        }
    }
    assert!(ties > 20, "the generator must produce IoU exactly 0.5 (got {ties})");
    assert!(hota_nontrivial > SEQS / 2, "most sequences must have non-trivial HOTA ({hota_nontrivial})");
}

#[test]
fn mots_tools_variant_differs_only_where_iou_is_exactly_half() {
    let Some(py) = testkit::python() else { return };
    let dir = testkit::temp_dir("mots-parity-mt");
    write_cases(&dir, 11);
    let out = dir.join("oracle.json");
    let script = testkit::workspace_root().join("tools/oracles/eval_mots_trackeval.py");
    let s = |p: &Path| p.to_string_lossy().to_string();
    testkit::run_python(&py, &script, &["kitti", &s(&dir.join("gt")), &s(&dir.join("trackers")), "trk", &s(&dir.join("seqmap.txt")), &s(&out), "pedestrian"]);
    let oracle: HashMap<String, Value> = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let seqs = load(&dir.join("gt"), &dir.join("trackers/trk"), Some(&dir.join("seqmap.txt")), 2).unwrap();
    let rep = evaluate(&seqs, MotsVariant::MotsTools);
    let (mut same, mut differ) = (0, 0);
    for ((name, c), seq) in rep.per_seq.iter().zip(&seqs) {
        let tie = seq.frames.iter().any(|f| f.iou.iter().any(|&v| v == 0.5));
        let o = &oracle[name];
        let j = c.to_json();
        let agree = ["TP", "FP", "FN", "IDS"].iter().zip(["CLR_TP", "CLR_FP", "CLR_FN", "IDSW"]).all(|(a, b)| j[*a].as_u64().unwrap() as f64 == num(o, b));
        if !tie {
            assert!(agree, "{name}: without IoU ties mots_tools and TrackEval counts must agree: {j} vs {o}");
            close(c.clear.soft_tp, num(o, "MOTP_sum"), name);
            same += 1;
        } else if !agree {
            differ += 1;
            assert!(c.clear.tp <= num(o, "CLR_TP") as u64, "{name}: the strict rule can only lose matches");
        }
    }
    assert!(same > 100 && differ > 0, "same {same}, differ {differ}");
}
