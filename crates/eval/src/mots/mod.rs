//! MOTS metrics: CLEAR (sMOTSA, MOTSA, MOTSP, IDS, Frag, MT/PT/ML), IDF1 and HOTA, per sequence and combined.
//!
//! The metric code works on [`SequenceOverlaps`] (ids and IoU matrices); [`io`] builds those from MOTS txt files
//! or id-PNG folders.

pub mod clear;
pub mod frames;
pub mod hota;
pub mod identity;
pub mod io;
pub mod prepare;
pub mod variant;

use std::collections::BTreeMap;

use serde_json::{Value, json};

pub use clear::ClearCounts;
pub use frames::{FrameOverlaps, SequenceOverlaps};
pub use hota::HotaCounts;
pub use identity::IdentityCounts;
pub use variant::MotsVariant;

/// Everything measured on one sequence (or summed over several).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MotsCounts {
    /// CLEAR counts under the chosen variant.
    pub clear: ClearCounts,
    /// Identity counts (TrackEval rule).
    pub identity: IdentityCounts,
    /// HOTA state (TrackEval rule).
    pub hota: HotaCounts,
    /// Ground-truth masks of the class.
    pub gt_dets: u64,
    /// Predicted masks of the class (before ignore handling).
    pub tr_dets: u64,
    /// Distinct ground-truth track ids.
    pub gt_ids: u64,
    /// Distinct predicted track ids.
    pub tr_ids: u64,
    /// Timesteps.
    pub frames: u64,
}

impl MotsCounts {
    /// sMOTSA = (Σ IoU of TPs − FP − IDS) / max(1, #GT).
    pub fn smotsa(&self) -> f64 {
        let c = &self.clear;
        (c.soft_tp - c.fp as f64 - c.ids as f64) / ((c.tp + c.fn_) as f64).max(1.0)
    }
    /// MOTSA = (TP − FP − IDS) / max(1, #GT).
    pub fn motsa(&self) -> f64 {
        let c = &self.clear;
        (c.tp as f64 - c.fp as f64 - c.ids as f64) / ((c.tp + c.fn_) as f64).max(1.0)
    }
    /// MOTSP = Σ IoU of TPs / max(1, TP).
    pub fn motsp(&self) -> f64 {
        self.clear.soft_tp / (self.clear.tp as f64).max(1.0)
    }
    /// MODSA = (TP − FP) / max(1, #GT).
    pub fn modsa(&self) -> f64 {
        let c = &self.clear;
        (c.tp as f64 - c.fp as f64) / ((c.tp + c.fn_) as f64).max(1.0)
    }

    /// Every number as a flat JSON object (counts, CLEAR, Identity, HOTA means and per-alpha arrays).
    pub fn to_json(&self) -> Value {
        let c = &self.clear;
        let h = &self.hota;
        let (det_a, hota_v) = (h.det_a(), h.hota());
        json!({
            "TP": c.tp, "FP": c.fp, "FN": c.fn_, "IDS": c.ids, "Frag": c.frag,
            "MT": c.mt, "PT": c.pt, "ML": c.ml, "soft_TP": c.soft_tp, "ignored": c.ignored,
            "sMOTSA": self.smotsa(), "MOTSA": self.motsa(), "MOTSP": self.motsp(), "MODSA": self.modsa(),
            "Recall": c.tp as f64 / ((c.tp + c.fn_) as f64).max(1.0),
            "Precision": c.tp as f64 / ((c.tp + c.fp) as f64).max(1.0),
            "IDF1": self.identity.idf1(), "IDP": self.identity.idp(), "IDR": self.identity.idr(),
            "IDTP": self.identity.idtp, "IDFP": self.identity.idfp, "IDFN": self.identity.idfn,
            "HOTA": hota::mean(&hota_v), "DetA": hota::mean(&det_a), "AssA": hota::mean(&h.ass_a),
            "LocA": hota::mean(&h.loc_a), "DetRe": hota::mean(&h.det_re()), "DetPr": hota::mean(&h.det_pr()),
            "AssRe": hota::mean(&h.ass_re), "AssPr": hota::mean(&h.ass_pr),
            "HOTA_per_alpha": hota_v, "DetA_per_alpha": det_a, "AssA_per_alpha": h.ass_a,
            "LocA_per_alpha": h.loc_a,
            "GT_dets": self.gt_dets, "TR_dets": self.tr_dets, "GT_ids": self.gt_ids, "TR_ids": self.tr_ids,
            "frames": self.frames,
        })
    }
}

/// Evaluates one sequence under a variant.
pub fn evaluate_sequence(seq: &SequenceOverlaps, variant: MotsVariant) -> MotsCounts {
    let p = prepare::prepare(seq);
    let clear = match variant {
        MotsVariant::MotsTools => clear::clear_mots_tools(seq, None),
        MotsVariant::Hvisnet => clear::clear_mots_tools(seq, Some(&seq.gt_frame_order)),
        MotsVariant::Trackeval => clear::clear_trackeval(&p),
    };
    let distinct = |ids: &mut dyn Iterator<Item = u64>| {
        let mut v: Vec<u64> = ids.collect();
        v.sort_unstable();
        v.dedup();
        v.len() as u64
    };
    MotsCounts {
        clear,
        identity: identity::identity(&p),
        hota: hota::hota(&p),
        gt_dets: seq.frames.iter().map(|f| f.gt_ids.len() as u64).sum(),
        tr_dets: seq.frames.iter().map(|f| f.tr_ids.len() as u64).sum(),
        gt_ids: distinct(&mut seq.frames.iter().flat_map(|f| f.gt_ids.iter().copied())),
        tr_ids: distinct(&mut seq.frames.iter().flat_map(|f| f.tr_ids.iter().copied())),
        frames: seq.frames.len() as u64,
    }
}

/// Combines sequences: counts are summed first, then the formulas are applied (HOTA as TrackEval combines it).
pub fn combine<'a>(all: impl IntoIterator<Item = &'a MotsCounts>) -> MotsCounts {
    let all: Vec<&MotsCounts> = all.into_iter().collect();
    let mut clear = ClearCounts::default();
    let mut ident = IdentityCounts::default();
    for s in &all {
        clear.add(&s.clear);
        ident.add(&s.identity);
    }
    MotsCounts {
        clear,
        identity: ident,
        hota: HotaCounts::combine(all.iter().map(|s| &s.hota)),
        gt_dets: all.iter().map(|s| s.gt_dets).sum(),
        tr_dets: all.iter().map(|s| s.tr_dets).sum(),
        gt_ids: all.iter().map(|s| s.gt_ids).sum(),
        tr_ids: all.iter().map(|s| s.tr_ids).sum(),
        frames: all.iter().map(|s| s.frames).sum(),
    }
}

/// Per-sequence and combined results of one MOTS evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct MotsReport {
    /// The matching rule used.
    pub variant: MotsVariant,
    /// Per sequence, in evaluation order.
    pub per_seq: Vec<(String, MotsCounts)>,
    /// All sequences combined.
    pub combined: MotsCounts,
}

impl MotsReport {
    /// `{"variant", "per_seq": {SEQ: {...}}, "combined": {...}}`.
    pub fn to_json(&self) -> Value {
        let per: BTreeMap<&str, Value> = self.per_seq.iter().map(|(n, c)| (n.as_str(), c.to_json())).collect();
        json!({ "variant": self.variant.name(), "per_seq": per, "combined": self.combined.to_json() })
    }

    /// A fixed-width table: one row per sequence plus `COMBINED`.
    pub fn table(&self) -> String {
        let head = ["sMOTSA", "MOTSA", "MOTSP", "IDF1", "HOTA", "DetA", "AssA", "TP", "FP", "FN", "IDS", "Frag"];
        let w = self.per_seq.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max(8);
        let mut s = format!("MOTS ({})\n{:<w$}", self.variant, "sequence");
        for h in head {
            s += &format!(" {h:>7}");
        }
        s.push('\n');
        let row = |name: &str, c: &MotsCounts| {
            let h = &c.hota;
            let mut r = format!("{name:<w$}");
            for v in [c.smotsa(), c.motsa(), c.motsp(), c.identity.idf1(), hota::mean(&h.hota())] {
                r += &format!(" {:>7.2}", 100.0 * v);
            }
            for v in [hota::mean(&h.det_a()), hota::mean(&h.ass_a)] {
                r += &format!(" {:>7.2}", 100.0 * v);
            }
            for v in [c.clear.tp, c.clear.fp, c.clear.fn_, c.clear.ids, c.clear.frag] {
                r += &format!(" {v:>7}");
            }
            r + "\n"
        };
        for (n, c) in &self.per_seq {
            s += &row(n, c);
        }
        s + &row("COMBINED", &self.combined)
    }
}

/// Evaluates sequences (in parallel) and combines them.
pub fn evaluate(seqs: &[SequenceOverlaps], variant: MotsVariant) -> MotsReport {
    use rayon::prelude::*;
    let per_seq: Vec<(String, MotsCounts)> =
        seqs.par_iter().map(|s| (s.name.clone(), evaluate_sequence(s, variant))).collect();
    let combined = combine(per_seq.iter().map(|(_, c)| c));
    MotsReport { variant, per_seq, combined }
}
