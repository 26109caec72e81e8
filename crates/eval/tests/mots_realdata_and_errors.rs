//! The real DAVIS person video (ground truth + OSVOS and RVOS masks, MOTSChallenge layout) against TrackEval,
//! and bad MOTS input rejected with errors naming file and line.

use std::collections::HashMap;
use std::path::Path;

use eval::mots::{MotsVariant, evaluate, io::load};
use serde_json::Value;

#[test]
fn davis_breakdance_agrees_with_trackeval() {
    let Some(root) = testkit::realdata("davis2016_breakdance_gt") else { return };
    let Some(py) = testkit::python() else { return };
    let d = root.join("derived_mots_txt");
    let script = testkit::workspace_root().join("tools/oracles/eval_mots_trackeval.py");
    let s = |p: &Path| p.to_string_lossy().to_string();
    for tracker in ["osvos", "rvos"] {
        let out = testkit::temp_dir("davis").join("o.json");
        testkit::run_python(&py, &script, &["mots_challenge", &s(&d.join("gt")), &s(&d.join("trackers")), tracker, "breakdance", &s(&out)]);
        let o: HashMap<String, Value> = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let o = &o["breakdance"];
        let seqs = load(&d.join("gt"), &d.join("trackers").join(tracker), None, 2).unwrap();
        assert_eq!(seqs.len(), 1);
        assert_eq!(seqs[0].frames.len(), 84);
        let rep = evaluate(&seqs, MotsVariant::Trackeval);
        let j = rep.combined.to_json();
        for (a, b) in [("TP", "CLR_TP"), ("FP", "CLR_FP"), ("FN", "CLR_FN"), ("IDS", "IDSW"), ("Frag", "Frag"), ("IDTP", "IDTP")] {
            assert_eq!(j[a].as_u64().unwrap() as f64, o[b].as_f64().unwrap(), "{tracker}: {a}");
        }
        for (a, b) in [("sMOTSA", "sMOTA"), ("MOTSA", "MOTA"), ("MOTSP", "MOTP"), ("IDF1", "IDF1")] {
            assert!((j[a].as_f64().unwrap() - o[b].as_f64().unwrap()).abs() < 1e-9, "{tracker}: {a}");
        }
        let hota: f64 = o["HOTA"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).sum::<f64>() / 19.0;
        assert!((j["HOTA"].as_f64().unwrap() - hota).abs() < 1e-9, "{tracker}: HOTA");
        eprintln!("{tracker}: sMOTSA {:.4} MOTSA {:.4} MOTSP {:.4} IDF1 {:.4} HOTA {:.4}", j["sMOTSA"], j["MOTSA"], j["MOTSP"], j["IDF1"], j["HOTA"]);
        // The default (mots_tools) rule runs on the same files too.
        let mt = evaluate(&seqs, MotsVariant::MotsTools);
        assert_eq!(mt.combined.clear.tp + mt.combined.clear.fn_, 84);
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

/// 2x2 masks as compressed RLE of column-major runs.
const TOP_LEFT: &str = "013"; // runs [0,1,3]: first pixel only
const FULL: &str = "04"; // all four pixels

#[test]
fn bad_mots_input_names_file_and_line() {
    let dir = testkit::temp_dir("mots-bad");
    let gt = dir.join("gt");
    let pred = dir.join("pred");
    write(&gt.join("label_02"), "0000.txt", &format!("0 2001 2 2 2 {TOP_LEFT}\n"));
    // Overlapping predicted masks in frame 0.
    write(&pred, "0000.txt", &format!("0 2001 2 2 2 {TOP_LEFT}\n\n0 2002 2 2 2 {FULL}\n"));
    let e = load(&gt, &pred, None, 2).unwrap_err().to_string();
    assert!(e.contains("0000.txt") && e.contains("line 3") && e.contains("disjoint"), "{e}");
    // Frame beyond the seqmap length.
    write(&pred, "0000.txt", &format!("0 2001 2 2 2 {TOP_LEFT}\n5 2001 2 2 2 {TOP_LEFT}\n"));
    write(&dir, "seqmap", "0000 empty 0 2\n");
    let e = load(&gt, &pred, Some(&dir.join("seqmap")), 2).unwrap_err().to_string();
    assert!(e.contains("line 2") && e.contains("sequence length 3"), "{e}");
    // Mismatched image size.
    write(&pred, "0000.txt", "0 2001 2 1 4 04\n");
    let e = load(&gt, &pred, None, 2).unwrap_err().to_string();
    assert!(e.contains("line 1") && e.contains("2x2"), "{e}");
    // Id repeated in a frame (reported by the data crate's reader).
    write(&pred, "0000.txt", &format!("0 2001 2 2 2 {TOP_LEFT}\n0 2001 2 2 2 {TOP_LEFT}\n"));
    let e = load(&gt, &pred, None, 2).unwrap_err().to_string();
    assert!(e.contains("0000.txt") && e.contains("line 2"), "{e}");
    // Missing predictions for a sequence.
    std::fs::remove_file(pred.join("0000.txt")).unwrap();
    let e = load(&gt, &pred, None, 2).unwrap_err().to_string();
    assert!(e.contains("sequence 0000"), "{e}");
}

#[test]
fn exact_half_iou_splits_the_variants_and_hvisnet_skips_frames_without_gt() {
    use eval::mots::{FrameOverlaps, SequenceOverlaps, evaluate_sequence};
    // Frame 0: one GT, one prediction at IoU exactly 0.5. Frame 1: no GT, one prediction.
    let f0 = FrameOverlaps { gt_ids: vec![1], tr_ids: vec![7], iou: vec![0.5], tr_ignore_ioa: vec![0.0] };
    let f1 = FrameOverlaps { gt_ids: vec![], tr_ids: vec![7], iou: vec![], tr_ignore_ioa: vec![0.0] };
    let seq = SequenceOverlaps { name: "s".into(), frames: vec![f0, f1], gt_frame_order: vec![0] };
    let te = evaluate_sequence(&seq, MotsVariant::Trackeval);
    assert_eq!((te.clear.tp, te.clear.fn_, te.clear.fp), (1, 0, 1));
    assert_eq!(te.smotsa(), -0.5);
    let mt = evaluate_sequence(&seq, MotsVariant::MotsTools);
    assert_eq!((mt.clear.tp, mt.clear.fn_, mt.clear.fp), (0, 1, 2));
    assert_eq!(mt.smotsa(), -2.0);
    let hv = evaluate_sequence(&seq, MotsVariant::Hvisnet);
    assert_eq!((hv.clear.tp, hv.clear.fn_, hv.clear.fp), (0, 1, 1));
    // An unmatched prediction mostly inside an ignore region is neither TP nor FP.
    let f = FrameOverlaps { gt_ids: vec![], tr_ids: vec![3], iou: vec![], tr_ignore_ioa: vec![0.75] };
    let s2 = SequenceOverlaps { name: "i".into(), frames: vec![f], gt_frame_order: vec![] };
    assert_eq!(evaluate_sequence(&s2, MotsVariant::MotsTools).clear.fp, 0);
    assert_eq!(evaluate_sequence(&s2, MotsVariant::Trackeval).clear.fp, 0);
}
