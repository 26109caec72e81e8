//! The per-image training targets, flat and tensor-ready.

use crate::inner::CenterSource;
use crate::locations::Locations;

/// Targets for every location of one image.
///
/// Layout: every `Vec` is indexed by the flat location index `i` in FCOS order (levels P3, P4, P5 concatenated;
/// within a level row-major, y then x; see [`Locations`]); `ltrb` holds four values per location at
/// `4*i .. 4*i+4`. Each field maps onto one tensor with `TensorData::new(vec, [n])` (or `[n, 4]`), no
/// reshuffling needed. Negative locations carry label 0, index -1 and zero box and centerness.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Where the locations are.
    pub locations: Locations,
    /// Class label for classification, box, centerness and mask losses: 0 background, 1 person
    /// (ambiguous locations are 0 when `eliminate_ambiguous.seg` is set).
    pub labels: Vec<i32>,
    /// Index of the person matched for detection/mask (min box area among claimants), -1 for negatives.
    pub matched: Vec<i32>,
    /// (l, t, r, b) of the matched box, divided by the level stride; zeros for negatives.
    pub ltrb: Vec<f32>,
    /// sqrt(min(l,r)/max(l,r) · min(t,b)/max(t,b)) for positives, 0 for negatives.
    pub centerness: Vec<f32>,
    /// Number of persons whose positive region holds the location (ambiguous when > 1), saturating at 255.
    pub claims: Vec<u8>,
    /// Person matched for the embedding branch (-1 none; ambiguous ones are -1 when `eliminate_ambiguous.emb`).
    pub emb_matched: Vec<i32>,
    /// Identity of `emb_matched` (-1 when none or the person has no identity).
    pub emb_identity: Vec<i64>,
}

impl Targets {
    /// Number of locations.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no locations.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Whether location `i` is ambiguous (claimed by more than one person).
    pub fn is_ambiguous(&self, i: usize) -> bool {
        self.claims[i] > 1
    }

    /// (l, t, r, b) of location `i` in stride units.
    pub fn ltrb_at(&self, i: usize) -> [f32; 4] {
        [self.ltrb[4 * i], self.ltrb[4 * i + 1], self.ltrb[4 * i + 2], self.ltrb[4 * i + 3]]
    }
}

/// What the assignment did for one person (for inspection and the `data centers` command).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonSummary {
    /// The sampling centre of the main strategy (input pixels), `None` for strategy `none`.
    pub center: Option<[f32; 2]>,
    /// How the centre was obtained.
    pub source: CenterSource,
    /// Locations in the person's positive region (inside and scale tests), per level, after mixing.
    pub claimed_per_level: Vec<usize>,
    /// Locations the person wins (smallest box among claimants), per level, before elimination.
    pub positive_per_level: Vec<usize>,
    /// Claimed locations that another person claims too, per level.
    pub ambiguous_per_level: Vec<usize>,
}

/// Targets plus the per-person summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The training targets.
    pub targets: Targets,
    /// One summary per input person, in input order.
    pub persons: Vec<PersonSummary>,
}
