//! FCOS target assignment with centre sampling (AdelaiDet `compute_targets_for_locations`,
//! `get_sample_region`), ambiguity elimination and mixing.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::centers::{person_center, Center};
use crate::config::{LevelConfig, SamplingConfig};
use crate::locations::{LevelSlice, Locations};
use crate::mask::MaskView;
use crate::mix::mix_regions;
use crate::targets::{Assignment, PersonSummary, Targets};
use crate::SamplerError;

/// One annotated person at network input resolution.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    /// Mask of the input's size.
    pub mask: MaskView<'a>,
    /// Box [x1, y1, x2, y2] in input pixels.
    pub bbox: [f32; 4],
    /// Identity (track) id for the embedding targets, if known.
    pub identity: Option<u32>,
}

/// One image to assign targets for.
#[derive(Debug, Clone, Copy)]
pub struct ImageInput<'a> {
    /// Input height in pixels.
    pub height: usize,
    /// Input width in pixels.
    pub width: usize,
    /// The annotated persons.
    pub persons: &'a [Person<'a>],
    /// Per-image seed for mixing (e.g. the sample index), combined with `SamplingConfig::seed`.
    pub seed: u64,
}

/// The locations of `level` inside the centre-sampling box of a person (strict inequalities) whose
/// max(l, t, r, b) lies in the level's size range (inclusive), as flat indices in ascending order.
///
/// `center = None` means no centre sampling (the box itself is the region).
pub fn positive_region(
    bbox: [f32; 4],
    center: Option<[f32; 2]>,
    radius: f32,
    level: &LevelSlice,
    range: [f32; 2],
    out: &mut Vec<u32>,
) {
    let s = level.stride as f32;
    let sub = match center {
        Some([cx, cy]) => {
            let r = s * radius;
            // AdelaiDet: torch.where(xmin > x0, xmin, x0) etc., i.e. the sampling box clipped to the GT box.
            [(cx - r).max(bbox[0]), (cy - r).max(bbox[1]), (cx + r).min(bbox[2]), (cy + r).min(bbox[3])]
        }
        None => bbox,
    };
    let span = |lo: f32, hi: f32, n: usize| -> std::ops::Range<usize> {
        // Candidates only; the exact strict test below decides.
        let a = ((lo - s) / s).floor().max(0.0) as usize;
        let b = (((hi / s).ceil() + 1.0).max(0.0) as usize).min(n);
        a.min(b)..b
    };
    for j in span(sub[1], sub[3], level.height) {
        let y = level.coord(j);
        if !(y - sub[1] > 0.0 && sub[3] - y > 0.0) {
            continue;
        }
        for i in span(sub[0], sub[2], level.width) {
            let x = level.coord(i);
            if !(x - sub[0] > 0.0 && sub[2] - x > 0.0) {
                continue;
            }
            let (l, t, r, b) = (x - bbox[0], y - bbox[1], bbox[2] - x, bbox[3] - y);
            let m = l.max(t).max(r).max(b);
            if range[0] <= m && m <= range[1] {
                out.push((level.offset + j * level.width + i) as u32);
            }
        }
    }
}

/// Every location's positive region for one person (all levels), ascending.
fn region(bbox: [f32; 4], center: &Center, radius: f32, locs: &Locations, levels: &LevelConfig) -> Vec<u32> {
    let mut out = Vec::new();
    for (l, slice) in locs.levels.iter().enumerate() {
        positive_region(bbox, center.point, radius, slice, levels.size_ranges[l], &mut out);
    }
    out
}

/// Checks the input and returns the persons' masks and boxes as validated.
fn validate(input: &ImageInput<'_>) -> Result<(), SamplerError> {
    if input.height == 0 || input.width == 0 {
        return Err(SamplerError::EmptyInput { width: input.width, height: input.height });
    }
    for (k, p) in input.persons.iter().enumerate() {
        p.mask.check(k)?;
        if (p.mask.width, p.mask.height) != (input.width, input.height) {
            return Err(SamplerError::MaskSize {
                index: k,
                got_w: p.mask.width,
                got_h: p.mask.height,
                want_w: input.width,
                want_h: input.height,
            });
        }
        if p.bbox.iter().any(|v| !v.is_finite()) {
            return Err(SamplerError::BadBox { index: k, bbox: p.bbox });
        }
    }
    Ok(())
}

/// Seed of the mixing RNG for one image (splitmix64 of the two seeds).
fn image_rng(cfg_seed: u64, image_seed: u64) -> ChaCha8Rng {
    let mut z = cfg_seed ^ image_seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

/// Assigns targets to every location of one image.
///
/// Rules (model-spec §2.4): a person claims a location when the location lies strictly inside the person's
/// centre-sampling box (radius · stride around the strategy's centre, clipped to the person's box; the box
/// itself for strategy `none`) and max(l, t, r, b) lies in the level's size range, both ends inclusive. Among
/// claimants the smallest box area wins (the first person on equal areas, as `torch.min`). A location claimed by
/// more than one person is ambiguous and, per `eliminate_ambiguous`, negative for the detection/mask targets
/// and/or the embedding targets. Not reproduced: AdelaiDet's quirk of returning no positives when the first
/// box centre has x = 0.
pub fn assign(input: &ImageInput<'_>, cfg: &SamplingConfig, levels: &LevelConfig) -> Result<Assignment, SamplerError> {
    cfg.validate()?;
    levels.validate()?;
    validate(input)?;
    let locs = Locations::new(levels, input.height, input.width);
    let n = locs.len;
    let mut rng = image_rng(cfg.seed, input.seed);

    let mut centers = Vec::with_capacity(input.persons.len());
    let mut regions = Vec::with_capacity(input.persons.len());
    for p in input.persons {
        let c = person_center(cfg.center, p.mask, p.bbox, cfg.inner_metric)?;
        let mut reg = region(p.bbox, &c, cfg.radius, &locs, levels);
        if let Some(mix) = cfg.mix {
            let other = person_center(mix.from, p.mask, p.bbox, cfg.inner_metric)?;
            let from = region(p.bbox, &other, cfg.radius, &locs, levels);
            reg = mix_regions(&reg, &from, mix.fraction, &mut rng);
        }
        centers.push(c);
        regions.push(reg);
    }

    // Claims and min-area winners.
    let mut claims = vec![0u8; n];
    let mut winner = vec![-1i32; n];
    let mut best_area = vec![f32::INFINITY; n];
    for (k, (p, reg)) in input.persons.iter().zip(&regions).enumerate() {
        let area = (p.bbox[2] - p.bbox[0]) * (p.bbox[3] - p.bbox[1]);
        for &i in reg {
            let i = i as usize;
            claims[i] = claims[i].saturating_add(1);
            if area < best_area[i] {
                best_area[i] = area;
                winner[i] = k as i32;
            }
        }
    }

    let mut t = Targets {
        locations: locs,
        labels: vec![0; n],
        matched: vec![-1; n],
        ltrb: vec![0.0; 4 * n],
        centerness: vec![0.0; n],
        claims,
        emb_matched: vec![-1; n],
        emb_identity: vec![-1; n],
    };
    let elim = cfg.eliminate_ambiguous;
    for l in 0..t.locations.levels.len() {
        let slice = t.locations.levels[l];
        let s = slice.stride as f32;
        for j in 0..slice.height {
            for i in 0..slice.width {
                let idx = slice.offset + j * slice.width + i;
                let Ok(k) = usize::try_from(winner[idx]) else { continue };
                let ambiguous = t.claims[idx] > 1;
                if !(ambiguous && elim.emb) {
                    t.emb_matched[idx] = k as i32;
                    t.emb_identity[idx] = input.persons[k].identity.map_or(-1, i64::from);
                }
                if ambiguous && elim.seg {
                    continue;
                }
                let bb = input.persons[k].bbox;
                let (x, y) = (slice.coord(i), slice.coord(j));
                let (lf, tp, rt, bt) = (x - bb[0], y - bb[1], bb[2] - x, bb[3] - y);
                t.labels[idx] = 1;
                t.matched[idx] = k as i32;
                t.ltrb[4 * idx..4 * idx + 4].copy_from_slice(&[lf / s, tp / s, rt / s, bt / s]);
                t.centerness[idx] = centerness(lf, tp, rt, bt);
            }
        }
    }

    let persons = centers
        .iter()
        .zip(&regions)
        .enumerate()
        .map(|(k, (c, reg))| {
            let nl = t.locations.levels.len();
            let mut s = PersonSummary {
                center: c.point,
                source: c.source,
                claimed_per_level: vec![0; nl],
                positive_per_level: vec![0; nl],
                ambiguous_per_level: vec![0; nl],
            };
            for &i in reg {
                let l = level_index(&t.locations, i as usize);
                s.claimed_per_level[l] += 1;
                s.positive_per_level[l] += (winner[i as usize] == k as i32) as usize;
                s.ambiguous_per_level[l] += (t.claims[i as usize] > 1) as usize;
            }
            s
        })
        .collect();
    Ok(Assignment { targets: t, persons })
}

/// Level holding flat location `i`.
fn level_index(locs: &Locations, i: usize) -> usize {
    locs.levels.iter().rposition(|s| s.offset <= i).unwrap_or(0)
}

/// FCOS centerness target sqrt(min(l,r)/max(l,r) · min(t,b)/max(t,b)); the ratio is the same in pixels
/// or stride units. Zero when a side is not positive.
pub fn centerness(l: f32, t: f32, r: f32, b: f32) -> f32 {
    if l.min(r) <= 0.0 || t.min(b) <= 0.0 {
        return 0.0;
    }
    ((l.min(r) / l.max(r)) * (t.min(b) / t.max(b))).sqrt()
}
