//! Writes the inputs of the PyTorch training-step parity check (`tests/torch_step.rs`,
//! `tools/torch_parity/train_step_reference.py`): a seeded narrow HVISNet's weights by module path, a
//! batch of two 128×96 frames (three persons, one occluding another, one without identity), their GT
//! (boxes, masks, identities, the 56×56 GT mask crops the mask loss uses) and our sampler's targets.
//!
//! ```sh
//! cargo run -p hvisnet --example export_step -- [OUTDIR]   # default crates/hvisnet/tests/data
//! .venv-torch/bin/python tools/torch_parity/train_step_reference.py   # then the PyTorch side
//! ```

use std::collections::{BTreeMap, HashMap};

use blendmask::crop_and_resize_mask;
use burn::backend::Flex;
use burn::module::Module;
use burn::prelude::*;
use hvisnet::{GtPerson, Hvisnet, TrainImage};
use safetensors::Dtype;
use sampler::SamplingConfig;

mod io;
use io::{config, data_dir, insert_targets, write_safetensors, Collect, HostTensor};

/// Input height and width (multiples of 32; not square so that a swapped axis shows).
const H: usize = 128;
const W: usize = 96;
/// Seed of the weight initialisation.
const SEED: u64 = 11;

/// An ellipse person: centre, radii, identity.
struct Ellipse {
    cx: f32,
    cy: f32,
    rx: f32,
    ry: f32,
    identity: Option<u32>,
}

fn inside(e: &Ellipse, x: usize, y: usize) -> bool {
    let (dx, dy) = ((x as f32 + 0.5 - e.cx) / e.rx, (y as f32 + 0.5 - e.cy) / e.ry);
    dx * dx + dy * dy <= 1.0
}

/// Persons listed back to front: a person's mask is its ellipse minus the ellipses in front of it, its box
/// that of the visible mask (as in the datasets).
fn frame(persons: &[Ellipse]) -> Vec<GtPerson> {
    persons
        .iter()
        .enumerate()
        .map(|(k, e)| {
            let mut mask = vec![0u8; H * W];
            let (mut x0, mut y0, mut x1, mut y1) = (W, H, 0, 0);
            for y in 0..H {
                for x in 0..W {
                    if inside(e, x, y) && !persons[k + 1..].iter().any(|f| inside(f, x, y)) {
                        mask[y * W + x] = 1;
                        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
                    }
                }
            }
            GtPerson { bbox: [x0 as f32, y0 as f32, x1 as f32, y1 as f32], mask, identity: e.identity }
        })
        .collect()
}

/// RGB 0–255 integers, channel-major: a textured background and a shaded colour per person.
fn render(persons: &[GtPerson]) -> Vec<u8> {
    let colours = [[200u32, 50, 40], [40, 70, 200], [60, 180, 70]];
    let mut img = vec![0u8; 3 * H * W];
    for y in 0..H {
        for x in 0..W {
            let mut c = [96 + (3 * x + 5 * y) as u32 % 64, 110 + (x * y) as u32 % 40, 100 + (7 * x + y) as u32 % 50];
            for (p, col) in persons.iter().zip(colours.iter().cycle()) {
                if p.mask[y * W + x] != 0 {
                    c = [col[0] + (y % 16) as u32, col[1] + (x % 12) as u32, col[2]];
                }
            }
            for k in 0..3 {
                img[k * H * W + y * W + x] = c[k] as u8;
            }
        }
    }
    img
}

fn scene() -> Vec<TrainImage> {
    let e = |cx, cy, rx, ry, identity| Ellipse { cx, cy, rx, ry, identity };
    let frames = [
        // A tall person (its box reaches P4's size range), a second one in front of it, a third one.
        vec![e(56.0, 64.0, 20.0, 58.0, Some(1)), e(30.0, 76.0, 12.0, 30.0, Some(2)), e(82.0, 100.0, 8.0, 18.0, Some(3))],
        // The first two moved; a person without identity (a detection and mask positive, no embedding target).
        vec![e(58.0, 63.0, 20.0, 58.0, Some(1)), e(34.0, 78.0, 12.0, 30.0, Some(2)), e(82.0, 28.0, 8.0, 14.0, None)],
    ];
    frames.iter().map(|f| TrainImage { height: H, width: W, persons: frame(f) }).collect()
}

fn main() {
    let out = std::env::args().nth(1).map(std::path::PathBuf::from).unwrap_or_else(data_dir);
    std::fs::create_dir_all(&out).unwrap();
    let device = Default::default();
    Flex::seed(&device, SEED);
    let cfg = config();
    let model = Hvisnet::<Flex>::new(&cfg, &device).unwrap();
    let config_json = serde_json::to_string(&cfg).unwrap();

    // Weights (parameters and batch-norm running statistics) by module path.
    let mut collect = Collect::default();
    model.visit(&mut collect);
    let mut weights = BTreeMap::new();
    for e in &collect.entries {
        assert!(weights.insert(e.path.clone(), HostTensor::f32(e.shape.clone(), &e.values)).is_none(), "duplicate path {}", e.path);
    }
    let params = dla34::num_parameters(&model);
    println!("{} tensors, {params} parameters (running statistics excluded)", weights.len());
    let meta = HashMap::from([("config".to_string(), config_json.clone()), ("seed".to_string(), SEED.to_string())]);
    write_safetensors(&out.join("step_weights.safetensors"), &weights, meta);

    // Batch, GT and our sampler's targets.
    let gt = scene();
    let n = gt.len();
    let sampling = SamplingConfig::default();
    let targets: Vec<_> = gt.iter().enumerate().map(|(i, g)| model.targets(g, &sampling, i as u64).unwrap()).collect();
    let l = targets[0].len();
    let r = cfg.blendmask.pooler_resolution;
    let pixels: Vec<i64> = gt.iter().flat_map(|g| render(&g.persons)).map(i64::from).collect();
    let persons: Vec<(usize, &GtPerson)> = gt.iter().enumerate().flat_map(|(i, g)| g.persons.iter().map(move |p| (i, p))).collect();
    let g = persons.len();
    let mut t = BTreeMap::new();
    t.insert("pixels".into(), HostTensor::int(vec![n, 3, H, W], pixels, Dtype::U8));
    t.insert("gt.batch".into(), HostTensor::int(vec![g], persons.iter().map(|(i, _)| *i as i64), Dtype::I64));
    let boxes: Vec<f32> = persons.iter().flat_map(|(_, p)| p.bbox).collect();
    t.insert("gt.boxes".into(), HostTensor::f32(vec![g, 4], &boxes));
    t.insert("gt.masks".into(), HostTensor::int(vec![g, H, W], persons.iter().flat_map(|(_, p)| p.mask.iter().map(|&v| v as i64)), Dtype::U8));
    t.insert("gt.identity".into(), HostTensor::int(vec![g], persons.iter().map(|(_, p)| p.identity.map_or(0, i64::from)), Dtype::I64));
    let crops: Vec<i64> = persons
        .iter()
        .flat_map(|(_, p)| crop_and_resize_mask(&p.mask, H, W, p.bbox, r).unwrap())
        .map(|v| v as i64)
        .collect();
    t.insert("gt.crops".into(), HostTensor::int(vec![g, r, r], crops, Dtype::U8));
    insert_targets(&mut t, &targets);
    let meta = HashMap::from([
        ("config".to_string(), config_json),
        ("sampling".to_string(), serde_json::to_string(&sampling).unwrap()),
    ]);
    write_safetensors(&out.join("step_inputs.safetensors"), &t, meta);

    for (i, tg) in targets.iter().enumerate() {
        let pos: Vec<usize> = (0..l).filter(|&j| tg.labels[j] > 0).collect();
        let per_level: Vec<usize> =
            tg.locations.levels.iter().map(|s| pos.iter().filter(|&&j| j >= s.offset && j < s.offset + s.len()).count()).collect();
        let emb = tg.emb_identity.iter().filter(|&&v| v >= 1).count();
        let amb = (0..l).filter(|&j| tg.is_ambiguous(j)).count();
        println!("image {i}: {} persons, {} positives per level {per_level:?}, {emb} embedding positives, {amb} ambiguous", gt[i].persons.len(), pos.len());
    }
    for f in ["step_weights.safetensors", "step_inputs.safetensors"] {
        println!("wrote {} ({} bytes)", out.join(f).display(), std::fs::metadata(out.join(f)).unwrap().len());
    }
}
