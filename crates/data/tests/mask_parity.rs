//! Randomised parity of `data::mask` against pycocotools 2.0.11 (tools/oracles/coco_mask_oracle.py):
//! compressed strings, decoding, area, bbox, polygon rasterisation, merge and IoU must agree exactly.

use data::mask::{Rle, iou};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

fn random_bits(rng: &mut ChaCha8Rng, n: usize) -> Vec<u8> {
    match rng.random_range(0..6) {
        0 => vec![0; n],
        1 => vec![1; n],
        2 => (0..n).map(|_| u8::from(rng.random_bool(0.5))).collect(),
        _ => {
            // Long runs (often > 127) of random lengths.
            let mut out = Vec::with_capacity(n);
            let mut v = rng.random_bool(0.5);
            while out.len() < n {
                let len = rng.random_range(1..=300).min(n - out.len());
                out.extend(std::iter::repeat_n(u8::from(v), len));
                v = !v;
            }
            out
        }
    }
}

fn random_size(rng: &mut ChaCha8Rng) -> (u32, u32) {
    match rng.random_range(0..5) {
        0 => (1, 1),
        1 => (1, rng.random_range(1..400)),
        2 => (rng.random_range(1..400), 1),
        3 => (rng.random_range(30..90), rng.random_range(30..90)),
        _ => (rng.random_range(1..24), rng.random_range(1..24)),
    }
}

fn random_coord(rng: &mut ChaCha8Rng, lim: u32) -> f64 {
    let lo = -6.0;
    let hi = lim as f64 + 6.0;
    match rng.random_range(0..4) {
        0 => rng.random_range(lo..hi).round(),
        1 => rng.random_range(lo..hi).round() + 0.5,
        2 => (rng.random_range(lo..hi) * 10.0).round() / 10.0,
        _ => rng.random_range(lo..hi),
    }
}

fn random_polygon(rng: &mut ChaCha8Rng, h: u32, w: u32) -> Vec<f64> {
    let k = rng.random_range(3..9);
    let mut p = Vec::with_capacity(2 * k);
    match rng.random_range(0..8) {
        0 => {
            // Degenerate: one point repeated.
            let (x, y) = (random_coord(rng, w), random_coord(rng, h));
            for _ in 0..k {
                p.extend([x, y]);
            }
        }
        1 => {
            // Degenerate: collinear points.
            let (x0, y0, dx, dy) = (random_coord(rng, w), random_coord(rng, h), rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0));
            for i in 0..k {
                p.extend([x0 + dx * i as f64, y0 + dy * i as f64]);
            }
        }
        2 => {
            // Entirely off the image.
            for _ in 0..k {
                p.extend([w as f64 + 10.0 + rng.random_range(0.0..20.0), rng.random_range(-20.0..h as f64)]);
            }
        }
        3 => {
            // A repeated vertex inside an otherwise normal polygon.
            for _ in 0..k {
                p.extend([random_coord(rng, w), random_coord(rng, h)]);
            }
            let (x, y) = (p[0], p[1]);
            p.splice(2..2, [x, y]);
        }
        _ => {
            for _ in 0..k {
                p.extend([random_coord(rng, w), random_coord(rng, h)]);
            }
        }
    }
    p
}

fn bbox_json(b: [f64; 4]) -> Value {
    json!(b)
}

#[test]
fn masks_match_pycocotools_exactly() {
    let Some(py) = testkit::python() else { return };
    let mut rng = ChaCha8Rng::seed_from_u64(20240817);
    let mut cases: Vec<Value> = Vec::new();
    let mut expect: Vec<Box<dyn Fn(&Value) -> Result<(), String>>> = Vec::new();

    // encode + decode of random masks, incl. empty, full, 1x1, long runs.
    for _ in 0..200 {
        let (h, w) = random_size(&mut rng);
        let bits = random_bits(&mut rng, (h * w) as usize);
        let rle = Rle::from_col_major(h, w, &bits);
        let s = rle.to_compressed();
        cases.push(json!({"kind": "encode", "h": h, "w": w, "bits": bits}));
        let (s2, a, b) = (s.clone(), rle.area(), rle.bbox());
        expect.push(Box::new(move |o| {
            (o["counts"] == json!(s2) && o["area"] == json!(a) && o["bbox"] == bbox_json(b))
                .then_some(())
                .ok_or(format!("encode {h}x{w}: ours {s2} {a} {b:?}"))
        }));
        cases.push(json!({"kind": "decode", "h": h, "w": w, "counts": s}));
        let back = Rle::from_compressed(h, w, &s).expect("own string decodes");
        assert_eq!(back, rle, "own round trip {h}x{w}");
        let rm = back.to_row_major();
        let (hu, wu) = (h as usize, w as usize);
        let cm: Vec<u8> = (0..hu * wu).map(|i| rm[(i % hu) * wu + i / hu]).collect();
        assert_eq!(cm, back.to_col_major());
        let bits2 = bits.clone();
        expect.push(Box::new(move |o| {
            (o["bits"] == json!(bits2) && o["bits"] == json!(cm)).then_some(()).ok_or(format!("decode {h}x{w}"))
        }));
    }
    // Uncompressed RLE with huge counts (masks up to 5.3e8 pixels, never decoded here). pycocotools'
    // rleToString allocates 6 characters per run, so runs whose delta needs 7 (|delta| >= 2^29) overflow
    // its buffer; sizes stay below that.
    for _ in 0..60 {
        let (h, w) = (rng.random_range(1..23000u32), rng.random_range(1..23000u32));
        let total = h as u64 * w as u64;
        let n = rng.random_range(1..8);
        let mut cuts: Vec<u64> = (0..n).map(|_| rng.random_range(0..=total)).collect();
        cuts.sort_unstable();
        let mut runs = Vec::new();
        let mut p = 0u64;
        for c in cuts {
            runs.push((c - p) as u32);
            p = c;
        }
        runs.push((total - p) as u32);
        let rle = Rle::from_counts(h, w, runs.clone()).expect("runs sum to h*w");
        let (s, a, b) = (rle.to_compressed(), rle.area(), rle.bbox());
        assert_eq!(Rle::from_compressed(h, w, &s).expect("decodes"), rle);
        cases.push(json!({"kind": "uncompressed", "h": h, "w": w, "runs": runs}));
        expect.push(Box::new(move |o| {
            (o["counts"] == json!(s) && o["area"] == json!(a) && o["bbox"] == bbox_json(b))
                .then_some(())
                .ok_or(format!("uncompressed {h}x{w}: ours {s} {a} {b:?}"))
        }));
    }
    // Polygons (one or several parts), incl. degenerate and off-image ones.
    for _ in 0..300 {
        let (h, w) = match rng.random_range(0..4) {
            0 => (1, 1),
            1 => (rng.random_range(1..8), rng.random_range(1..8)),
            _ => (rng.random_range(5..60), rng.random_range(5..60)),
        };
        let parts = if rng.random_bool(0.25) { rng.random_range(2..4) } else { 1 };
        let polys: Vec<Vec<f64>> = (0..parts).map(|_| random_polygon(&mut rng, h, w)).collect();
        let rle = Rle::from_polygons(&polys, h, w).expect("valid polygons");
        let (s, a, b) = (rle.to_compressed(), rle.area(), rle.bbox());
        let polys2 = polys.clone();
        cases.push(json!({"kind": "poly", "h": h, "w": w, "polys": polys}));
        expect.push(Box::new(move |o| {
            (o["counts"] == json!(s) && o["area"] == json!(a) && o["bbox"] == bbox_json(b))
                .then_some(())
                .ok_or(format!("poly {h}x{w} {polys2:?}: ours {s} {a} {b:?}, pycocotools {o}"))
        }));
    }
    // Merge (union and intersection) and IoU (with crowds) of random masks.
    for _ in 0..150 {
        let (h, w) = (rng.random_range(1..30), rng.random_range(1..30));
        let mk = |rng: &mut ChaCha8Rng| Rle::from_col_major(h, w, &random_bits(rng, (h * w) as usize));
        let n = rng.random_range(1..5);
        let rles: Vec<Rle> = (0..n).map(|_| mk(&mut rng)).collect();
        let intersect = rng.random_bool(0.5);
        let m = Rle::merge(&rles, intersect);
        let (s, a) = (m.to_compressed(), m.area());
        cases.push(json!({"kind": "merge", "h": h, "w": w, "intersect": intersect,
            "rles": rles.iter().map(Rle::to_compressed).collect::<Vec<_>>()}));
        expect.push(Box::new(move |o| {
            (o["counts"] == json!(s) && o["area"] == json!(a)).then_some(()).ok_or(format!("merge {h}x{w}: ours {s}"))
        }));
        let dt: Vec<Rle> = (0..rng.random_range(0..4)).map(|_| mk(&mut rng)).collect();
        let gt: Vec<Rle> = (0..rng.random_range(0..4)).map(|_| mk(&mut rng)).collect();
        let crowd: Vec<bool> = gt.iter().map(|_| rng.random_bool(0.3)).collect();
        let ours = iou(&dt, &gt, &crowd);
        for (d, row) in ours.iter().enumerate() {
            for (g, &v) in row.iter().enumerate() {
                let inter = dt[d].intersection_area(&gt[g]) as f64;
                let expect_v = if inter == 0.0 { 0.0 } else if crowd[g] { inter / dt[d].area() as f64 } else {
                    inter / Rle::merge(&[dt[d].clone(), gt[g].clone()], false).area() as f64
                };
                assert_eq!(v, expect_v, "iou definition");
            }
        }
        cases.push(json!({"kind": "iou", "h": h, "w": w,
            "dt": dt.iter().map(Rle::to_compressed).collect::<Vec<_>>(),
            "gt": gt.iter().map(Rle::to_compressed).collect::<Vec<_>>(),
            "iscrowd": crowd}));
        expect.push(Box::new(move |o| {
            let theirs: Vec<Vec<f64>> = o["iou"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_array().unwrap().iter().map(|v| v.as_str().unwrap().parse::<f64>().unwrap()).collect())
                .collect();
            let same = theirs.len() == ours.len()
                && theirs.iter().zip(&ours).all(|(a, b)| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits()));
            same.then_some(()).ok_or(format!("iou: ours {ours:?} pycocotools {theirs:?}"))
        }));
    }

    let dir = testkit::temp_dir("mask-parity");
    let (inp, out) = (dir.join("cases.json"), dir.join("out.json"));
    std::fs::write(&inp, serde_json::to_vec(&cases).unwrap()).unwrap();
    let script = testkit::workspace_root().join("tools/oracles/coco_mask_oracle.py");
    testkit::run_python(&py, &script, &[inp.to_str().unwrap(), out.to_str().unwrap()]);
    let results: Vec<Value> = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(results.len(), expect.len());
    let failures: Vec<String> = results.iter().zip(&expect).filter_map(|(o, f)| f(o).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases differ from pycocotools; first: {:#?}", failures.len(), expect.len(), &failures[..failures.len().min(5)]);
    eprintln!("{} mask cases agree with pycocotools", expect.len());
}

#[test]
fn worked_examples_from_the_spec() {
    // eval-spec §2.1/§2.2 values, verified there with pycocotools.
    let m = [[0, 0, 0, 0, 1], [0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [0, 0, 0, 0, 0u8]];
    let flat: Vec<u8> = m.iter().flatten().copied().collect();
    let r = Rle::from_row_major(4, 5, &flat);
    assert_eq!(r.counts, vec![5, 2, 2, 2, 2, 2, 1, 1, 3]);
    assert_eq!(r.to_compressed(), "522000OO2");
    assert_eq!(r.area(), 7);
    assert_eq!(r.bbox(), [1.0, 0.0, 4.0, 3.0]);
    assert_eq!(r.to_row_major(), flat);
    assert_eq!(Rle::empty(3, 3).to_compressed(), "9");
    assert_eq!(Rle::from_col_major(3, 3, &[1; 9]).to_compressed(), "09");
    assert_eq!(Rle::empty(8, 8).to_compressed(), "P2");
    let poly = |p: &[f64], h, w| Rle::from_polygons(&[p.to_vec()], h, w).unwrap();
    let rect = poly(&[1., 1., 8., 1., 8., 6., 1., 6.], 10, 10);
    assert_eq!((rect.to_compressed().as_str(), rect.area()), (";5500000000000c0", 35));
    let tri = poly(&[0.5, 0.5, 9.2, 2.3, 3.7, 8.9], 10, 10);
    assert_eq!((tri.to_compressed().as_str(), tri.area()), (";282N3M01N1O1N2O9", 32));
    assert_eq!(poly(&[-2.3, -2.3, 4.2, -1., 4.2, 4.6, -2., 4.6], 8, 8).to_compressed(), "05300000P1");
    assert_eq!(poly(&[0.5, 0.5, 3.5, 0.5, 3.5, 3.5, 0.5, 3.5], 8, 8).to_compressed(), "935000o0");
}
