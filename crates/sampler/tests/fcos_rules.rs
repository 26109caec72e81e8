//! FCOS target rules (model-spec §2.3–2.4) on hand-computed cases.

mod common;

use common::shapes::Mask;
use sampler::*;

fn slice(stride: u32, h: usize, w: usize) -> LevelSlice {
    LevelSlice { stride, height: h, width: w, offset: 0 }
}

fn region(bbox: [f32; 4], c: Option<[f32; 2]>, s: &LevelSlice, range: [f32; 2]) -> Vec<u32> {
    let mut out = Vec::new();
    positive_region(bbox, c, 1.5, s, range, &mut out);
    out
}

#[test]
fn locations_follow_adelaidet_order_and_coordinates() {
    let locs = Locations::new(&LevelConfig::default(), 20, 30);
    let sizes: Vec<_> = locs.levels.iter().map(|l| (l.height, l.width, l.offset)).collect();
    assert_eq!(sizes, vec![(3, 4, 0), (2, 2, 12), (1, 1, 16)]);
    assert_eq!(locs.len, 17);
    let p = locs.points();
    assert_eq!(&p[..5], &[[4.0, 4.0], [12.0, 4.0], [20.0, 4.0], [28.0, 4.0], [4.0, 12.0]]);
    assert_eq!(p[12], [8.0, 8.0]);
    assert_eq!(p[16], [16.0, 16.0]);
    assert_eq!(locs.get(13), Some(([24.0, 8.0], 1)));
}

#[test]
fn inside_test_is_strict() {
    let s = slice(8, 4, 4); // locations 4, 12, 20, 28 on both axes
    // Box edges exactly on locations 4 and 20: only 12 is strictly inside.
    assert_eq!(region([4.0, 4.0, 20.0, 20.0], None, &s, [-1.0, 1e8]), vec![5]);
    // Slightly larger box: 4, 12, 20 on both axes.
    assert_eq!(region([3.9, 3.9, 20.1, 20.1], None, &s, [-1.0, 1e8]).len(), 9);
}

#[test]
fn size_range_is_inclusive_at_both_ends() {
    let s = slice(8, 4, 4);
    // Location (12, 12): l = 64 exactly.
    let b = [12.0 - 64.0, 0.0, 13.0, 13.0];
    assert!(region(b, None, &s, [-1.0, 64.0]).contains(&5));
    assert!(region(b, None, &s, [64.0, 128.0]).contains(&5));
    let b = [12.0 - 64.5, 0.0, 13.0, 13.0];
    assert!(!region(b, None, &s, [-1.0, 64.0]).contains(&5));
    assert!(region(b, None, &s, [64.0, 128.0]).contains(&5));
}

#[test]
fn sampling_box_is_clipped_to_the_gt_box_and_strict() {
    let s = slice(8, 10, 10); // 4, 12, ..., 76
    // Centre (30, 40), radius 12: sampling box (18, 28)-(42, 52); y = 28 is on the border, so excluded.
    let r = region([10.0, 10.0, 50.0, 70.0], Some([30.0, 40.0]), &s, [-1.0, 64.0]);
    let pts: Vec<_> = r.iter().map(|&i| (i % 10 * 8 + 4, i / 10 * 8 + 4)).collect();
    assert_eq!(pts, vec![(20, 36), (28, 36), (36, 36), (20, 44), (28, 44), (36, 44)]);
    // Centre near the box's left edge: the sampling box starts at the GT box (x > 10), not at 6 - 12.
    let r = region([10.0, 10.0, 50.0, 70.0], Some([11.0, 40.0]), &s, [-1.0, 64.0]);
    let xs: Vec<_> = r.iter().map(|&i| i % 10 * 8 + 4).collect();
    assert!(xs.iter().all(|&x| x == 12 || x == 20), "{xs:?}");
}

fn one_person_image(m: &Mask, bbox: [f32; 4], cfg: &SamplingConfig) -> Assignment {
    let persons = [Person { mask: m.view(), bbox, identity: Some(7) }];
    let input = ImageInput { height: m.h, width: m.w, persons: &persons, seed: 0 };
    assign(&input, cfg, &LevelConfig::default()).unwrap()
}

#[test]
fn box_center_targets_match_hand_computation() {
    let mut m = Mask::new(64, 96);
    m.ellipse(30.0, 40.0, 19.0, 29.0);
    let cfg = SamplingConfig { center: CenterStrategy::Bbox, ..Default::default() };
    let a = one_person_image(&m, [10.0, 10.0, 50.0, 70.0], &cfg);
    let t = &a.targets;
    let pos: Vec<usize> = (0..t.len()).filter(|&i| t.labels[i] == 1).collect();
    // Level 0 is 8 wide: (20,36) is index 4*8+2.
    assert_eq!(pos, vec![34, 35, 36, 42, 43, 44]);
    assert_eq!(a.persons[0].positive_per_level, vec![6, 0, 0]);
    let i = 34;
    assert_eq!(t.ltrb_at(i), [10.0 / 8.0, 26.0 / 8.0, 30.0 / 8.0, 34.0 / 8.0]);
    let want = ((10.0f32 / 30.0) * (26.0 / 34.0)).sqrt();
    assert!((t.centerness[i] - want).abs() < 1e-6);
    assert_eq!((t.matched[i], t.emb_matched[i], t.emb_identity[i]), (0, 0, 7));
    // Negatives are zeroed.
    assert_eq!((t.labels[0], t.matched[0], t.ltrb_at(0), t.centerness[0], t.emb_identity[0]), (0, -1, [0.0; 4], 0.0, -1));
}

#[test]
fn centroid_targets_match_hand_computation() {
    // An L: a 4-wide vertical bar x in 10..14, y in 10..70 (240 px) and a foot x in 14..50, y in 62..70 (288 px).
    let mut m = Mask::new(64, 96);
    for y in 10..70 {
        for x in 10..14 {
            m.set(x, y);
        }
    }
    for y in 62..70 {
        for x in 14..50 {
            m.set(x, y);
        }
    }
    // Σx = 240·11.5 + 288·31.5 = 11832, Σy = 240·39.5 + 288·65.5 = 28344, area 528.
    let (cx, cy) = (11832.0 / 528.0, 28344.0 / 528.0);
    let c = m.view().centroid().unwrap();
    assert!((c[0] - cx).abs() < 1e-9 && (c[1] - cy).abs() < 1e-9);
    let cfg = SamplingConfig { center: CenterStrategy::Centroid, ..Default::default() };
    let a = one_person_image(&m, [10.0, 10.0, 50.0, 70.0], &cfg);
    assert_eq!(a.persons[0].source, CenterSource::Centroid);
    // Sampling box: x in (cx-12, cx+12) = (10.41, 34.41) -> 12, 20, 28; y in (41.68, 65.68) -> 44, 52, 60.
    let t = &a.targets;
    let pos: Vec<(f32, f32)> = (0..t.len())
        .filter(|&i| t.labels[i] == 1)
        .map(|i| t.locations.get(i).unwrap().0)
        .map(|p| (p[0], p[1]))
        .collect();
    let want: Vec<(f32, f32)> =
        [44.0, 52.0, 60.0].iter().flat_map(|&y| [12.0, 20.0, 28.0].map(|x| (x, y))).collect();
    assert_eq!(pos, want);
}

#[test]
fn no_center_sampling_takes_every_location_inside_the_box() {
    let m = Mask::new(64, 64);
    let cfg = SamplingConfig { center: CenterStrategy::None, ..Default::default() };
    let a = one_person_image(&m, [0.5, 0.5, 40.0, 40.0], &cfg);
    // Level 0 locations 4..36 (5 per axis) inside; max(l,t,r,b) < 40 so level 0 only.
    assert_eq!(a.persons[0].positive_per_level, vec![25, 0, 0]);
    assert_eq!(a.persons[0].source, CenterSource::NoCenter);
}

#[test]
fn empty_mask_falls_back_to_the_box_center() {
    let m = Mask::new(64, 64);
    for strategy in [CenterStrategy::Centroid, CenterStrategy::Inner] {
        let cfg = SamplingConfig { center: strategy, ..Default::default() };
        let a = one_person_image(&m, [8.0, 8.0, 40.0, 40.0], &cfg);
        assert_eq!((a.persons[0].center, a.persons[0].source), (Some([24.0, 24.0]), CenterSource::BoxCenter));
    }
}

/// Two persons whose sampling regions overlap: A (big box) and B (small box) around the same centre.
fn overlap(elim: Ambiguity, swap_equal: bool) -> (Assignment, usize) {
    let m = Mask::new(64, 64);
    let big = [4.5, 4.5, 44.0, 44.0];
    let small = if swap_equal { big } else { [10.5, 10.5, 38.0, 38.0] };
    let persons = [
        Person { mask: m.view(), bbox: big, identity: Some(1) },
        Person { mask: m.view(), bbox: small, identity: None },
    ];
    let cfg = SamplingConfig { center: CenterStrategy::Bbox, eliminate_ambiguous: elim, ..Default::default() };
    let input = ImageInput { height: 64, width: 64, persons: &persons, seed: 0 };
    let a = assign(&input, &cfg, &LevelConfig::default()).unwrap();
    // The location (20, 20) = index 2*8+2 is claimed by both.
    (a, 18)
}

#[test]
fn min_area_wins_and_equal_areas_go_to_the_first_person() {
    let none = Ambiguity { seg: false, emb: false };
    let (a, i) = overlap(none, false);
    assert_eq!(a.targets.claims[i], 2);
    assert_eq!(a.targets.matched[i], 1, "the smaller box wins");
    assert_eq!(a.targets.ltrb_at(i), [(20.0 - 10.5) / 8.0, (20.0 - 10.5) / 8.0, 18.0 / 8.0, 18.0 / 8.0]);
    let (a, i) = overlap(none, true);
    assert_eq!(a.targets.matched[i], 0, "ties go to the first person");
}

#[test]
fn ambiguity_counts_and_elimination_flags() {
    // Big box centre (24.25, 24.25): region x, y in (12.25, 36.25) -> 20, 28, 36; small centre (24.25, 24.25)
    // clipped to (12.25..36.25) too, so both claim the same 3x3 block: 9 ambiguous locations.
    let (a, i) = overlap(Ambiguity { seg: false, emb: false }, false);
    let amb: usize = (0..a.targets.len()).filter(|&k| a.targets.is_ambiguous(k)).count();
    assert_eq!(amb, 9);
    assert_eq!(a.persons[0].ambiguous_per_level, vec![9, 0, 0]);
    assert_eq!(a.persons[0].claimed_per_level, vec![9, 0, 0]);
    assert_eq!(a.persons[1].positive_per_level, vec![9, 0, 0]);
    assert_eq!((a.targets.labels[i], a.targets.emb_matched[i], a.targets.emb_identity[i]), (1, 1, -1));
    for (seg, emb) in [(true, false), (false, true), (true, true)] {
        let (a, i) = overlap(Ambiguity { seg, emb }, false);
        assert_eq!(a.targets.labels[i], if seg { 0 } else { 1 });
        assert_eq!(a.targets.matched[i], if seg { -1 } else { 1 });
        assert_eq!(a.targets.emb_matched[i], if emb { -1 } else { 1 });
        let st = ImageStats::new(&a.targets, &[]).err();
        assert_eq!(st.is_some(), !seg, "stats need the masks of matched persons");
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let m = Mask::new(64, 64);
    let small = Mask::new(32, 64);
    let ok = LevelConfig::default();
    let cfg = SamplingConfig::default();
    let run = |p: &[Person], h, w| assign(&ImageInput { height: h, width: w, persons: p, seed: 0 }, &cfg, &ok);
    assert!(matches!(run(&[Person { mask: small.view(), bbox: [0.0; 4], identity: None }], 64, 64), Err(SamplerError::MaskSize { .. })));
    assert!(matches!(run(&[Person { mask: m.view(), bbox: [0.0, f32::NAN, 1.0, 1.0], identity: None }], 64, 64), Err(SamplerError::BadBox { .. })));
    assert!(matches!(run(&[], 0, 64), Err(SamplerError::EmptyInput { .. })));
    let short = MaskView { width: 64, height: 64, pixels: &m.px[..100] };
    assert!(matches!(run(&[Person { mask: short, bbox: [0.0; 4], identity: None }], 64, 64), Err(SamplerError::MaskLength { .. })));
    // Degenerate boxes give no positives.
    let a = run(&[Person { mask: m.view(), bbox: [30.0, 30.0, 30.0, 30.0], identity: None }], 64, 64).unwrap();
    assert!(a.targets.labels.iter().all(|&l| l == 0));
    let bad = LevelConfig { strides: vec![8], size_ranges: vec![] };
    assert!(assign(&ImageInput { height: 8, width: 8, persons: &[], seed: 0 }, &cfg, &bad).is_err());
}

#[test]
fn inner_strategy_samples_around_the_inner_center() {
    // A U shape: the centroid falls in the gap, so the inner centre comes from the search.
    let mut m = Mask::new(128, 128);
    m.segment([30.0, 20.0], [30.0, 100.0], 9.0);
    m.segment([98.0, 20.0], [98.0, 100.0], 9.0);
    m.segment([30.0, 100.0], [98.0, 100.0], 9.0);
    let bbox = m.bbox().unwrap();
    let g = MaskGeometry::new(m.view()).unwrap();
    let c = inner_center(&g, InnerMetric::SumOfDistances).unwrap();
    assert_eq!(c.source, CenterSource::Interior);
    let cfg = SamplingConfig { center: CenterStrategy::Inner, ..Default::default() };
    let a = one_person_image(&m, bbox, &cfg);
    assert_eq!(a.persons[0].center, Some([c.point[0] as f32, c.point[1] as f32]));
    let levels = LevelConfig::default();
    let mut want = Vec::new();
    for (l, s) in a.targets.locations.levels.iter().enumerate() {
        positive_region(bbox, a.persons[0].center, 1.5, s, levels.size_ranges[l], &mut want);
    }
    let got: Vec<u32> = (0..a.targets.len()).filter(|&i| a.targets.labels[i] == 1).map(|i| i as u32).collect();
    assert!(!got.is_empty());
    assert_eq!(got, want);
    // The box centre's positives all lie in the gap of the U; the inner centre's partly on the arm.
    let on_mask = |a: &Assignment| ImageStats::new(&a.targets, &[m.view()]).unwrap().inside;
    let bbox_a = one_person_image(&m, bbox, &SamplingConfig { center: CenterStrategy::Bbox, ..Default::default() });
    assert_eq!(on_mask(&bbox_a).inside, 0);
    assert!(on_mask(&a).inside > 0, "{:?}", on_mask(&a));
}
