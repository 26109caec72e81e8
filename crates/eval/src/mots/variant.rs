//! Which reference tool's matching rule the CLEAR-style MOTS counts follow.

use std::fmt;
use std::str::FromStr;

/// Matching rule for TP/FP/FN/IDS (sMOTSA, MOTSA, MOTSP, Frag, MT/PT/ML). IDF1 and HOTA always follow TrackEval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MotsVariant {
    /// `mots_tools` (the MOTS paper's code): a match needs mask IoU **> 0.5**; every frame of the sequence counts;
    /// unmatched predictions mostly inside an ignore region are neither TP nor FP. The default.
    #[default]
    MotsTools,
    /// TrackEval: Hungarian matching that prefers continuing tracks, a match needs IoU **≥ 0.5**; predictions in
    /// ignore regions are deleted before any metric.
    Trackeval,
    /// HVISNet's released `mots_metric.py`: `mots_tools`, but only frames that have a ground-truth line are
    /// visited, so predictions in frames without ground truth are never counted. For reproducing only.
    Hvisnet,
}

impl MotsVariant {
    /// The name used on the command line and in result JSON.
    pub fn name(self) -> &'static str {
        match self {
            MotsVariant::MotsTools => "mots_tools",
            MotsVariant::Trackeval => "trackeval",
            MotsVariant::Hvisnet => "hvisnet",
        }
    }
}

impl fmt::Display for MotsVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for MotsVariant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "mots_tools" => Ok(MotsVariant::MotsTools),
            "trackeval" => Ok(MotsVariant::Trackeval),
            "hvisnet" => Ok(MotsVariant::Hvisnet),
            _ => Err(format!("unknown MOTS variant {s:?}: expected mots_tools, trackeval or hvisnet")),
        }
    }
}
