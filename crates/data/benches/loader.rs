//! Loader throughput: decode JPEG + masks, paper augmentation (multi-scale, flip, normalise, pad), batches
//! of 8 through the bounded-prefetch loader. Writes a COCO-format set of 640×480 JPEGs with 4 polygon
//! persons each to a temp folder first. Run: `cargo bench -p data` (prints samples/s).

use std::sync::Arc;
use std::time::Instant;

use data::augment::{AugmentConfig, augment};
use data::coco::{CocoAnnotation, CocoCategory, CocoFile, CocoImage, write_coco};
use data::loader::{LoadFn, Loader, LoaderConfig};
use data::mask::Segmentation;
use rand::{Rng, SeedableRng};

fn main() {
    let n = 96usize;
    let dir = std::env::temp_dir().join(format!("hvis-bench-loader-{}", std::process::id()));
    let img_dir = dir.join("val2017");
    std::fs::create_dir_all(&img_dir).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut file = CocoFile { categories: vec![CocoCategory { id: 1, name: "person".into(), supercategory: None }], ..Default::default() };
    for i in 0..n {
        let name = format!("{i:012}.jpg");
        let img = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x ^ y) as u8, (x * 3 + i as u32) as u8, rng.random::<u8>()]));
        img.save(img_dir.join(&name)).unwrap();
        file.images.push(CocoImage { id: i as u64 + 1, file_name: name, width: 640, height: 480 });
        for k in 0..4 {
            let (cx, cy) = (rng.random_range(60.0..580.0), rng.random_range(60.0..420.0));
            let poly: Vec<f64> = (0..12)
                .flat_map(|j| {
                    let a = j as f64 * std::f64::consts::TAU / 12.0;
                    let r = rng.random_range(20.0..60.0);
                    [cx + r * a.cos(), cy + 1.8 * r * a.sin()]
                })
                .collect();
            file.annotations.push(CocoAnnotation {
                id: (i * 4 + k) as u64 + 1,
                image_id: i as u64 + 1,
                category_id: 1,
                segmentation: Some(Segmentation::Polygons(vec![poly])),
                area: 0.0,
                bbox: [0.0; 4],
                iscrowd: 0,
                keypoints: None,
                num_keypoints: None,
            });
        }
    }
    std::fs::create_dir_all(dir.join("annotations")).unwrap();
    write_coco(dir.join("annotations/instances_val2017.json"), &file).unwrap();
    let ds = Arc::new(data::datasets::coco_persons(&dir, "val2017").unwrap());
    let aug = AugmentConfig::default();
    let load: Arc<LoadFn<usize>> = Arc::new(move |i, rng| {
        let a = augment(&ds.get(i)?, &aug, true, rng);
        Ok(a.image.len() + a.masks.len())
    });
    for epoch in 0..3 {
        let t = Instant::now();
        let cfg = LoaderConfig { batch_size: 8, prefetch: 2, shuffle: true, seed: 0, epoch };
        let mut count = 0;
        for b in Loader::new(n, cfg, load.clone()) {
            count += b.unwrap().len();
        }
        let dt = t.elapsed().as_secs_f64();
        println!(
            "epoch {epoch}: {count} samples (640x480 JPEG, 4 persons, train augmentation) in {dt:.2} s = {:.1} samples/s on {} rayon threads",
            count as f64 / dt,
            rayon::current_num_threads()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
