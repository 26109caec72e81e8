//! Renders one synthetic video: frames to JPEG, per-person visible masks, MOTS txt (and optionally id PNGs).

use std::path::Path;

use image::ExtendedColorType;
use image::codecs::jpeg::JpegEncoder;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::SynthError;
use super::config::SynthConfig;
use super::figure::PoseKind;
use super::instances::{CentreStats, box_centre_outside_rate, runs_by_label};
use super::raster::Canvas;
use super::scene::Scene;
use crate::mask::Rle;
use crate::mots::{MotsRow, write_id_png, write_mots_txt};

/// MOTS class of pedestrians (KITTI MOTS): object ids are `2000 + k`.
pub const MOTS_PERSON_CLASS: u32 = 2;

/// One identity of a rendered video (its slot is its index + 1; the MOTS id is `2000 + slot`).
#[derive(Debug, Clone)]
pub struct TrackOut {
    /// Its pose.
    pub kind: PoseKind,
    /// Visible mask per frame (`None` where absent or below `min_visible_pixels`).
    pub masks: Vec<Option<Rle>>,
}

/// What rendering one video produced.
#[derive(Debug, Clone)]
pub struct VideoOut {
    /// Index of the video (0-based).
    pub index: usize,
    /// Its identities.
    pub tracks: Vec<TrackOut>,
    /// Box-centre counts over all its annotated masks.
    pub centre: CentreStats,
    /// Identities that left the frame and were annotated again later.
    pub reentries: u64,
    /// Identities annotated again after at least one frame without annotation (left the frame or fully hidden).
    pub reappearances: u64,
}

/// Path of frame `f` of video `name`, relative to the split's frame folder `<split>/JPEGImages`.
pub fn frame_file(name: &str, f: usize) -> String {
    format!("{name}/{f:05}.jpg")
}

/// The frame folder of a split, `<out>/<split>/JPEGImages` (the HVIS / YouTube-VIS layout).
pub fn frames_dir(out: &Path, split: &str) -> std::path::PathBuf {
    out.join(split).join("JPEGImages")
}

/// Renders video `index` of `cfg` into `out` (frames, MOTS files) and returns its annotations.
pub fn render_video(cfg: &SynthConfig, out: &Path, index: usize) -> Result<VideoOut, SynthError> {
    let name = SynthConfig::video_name(index);
    let mut tracks: Vec<TrackOut> = Vec::new();
    let mut centre = CentreStats::default();
    let (mut reentries, mut reappearances) = (0, 0);
    let (mut left, mut gap, mut seen) = (Vec::new(), Vec::new(), Vec::new());
    let mut rows = Vec::new();
    let frame_dir = frames_dir(out, cfg.split_of(index)).join(&name);
    std::fs::create_dir_all(&frame_dir).map_err(|e| SynthError::io(&frame_dir, e))?;
    let mut jpeg = Vec::new();
    simulate(cfg, cfg.seed, index, 0..cfg.frames, |f, scene, rgb, masks| {
        if tracks.is_empty() {
            tracks = scene.people.iter().map(|p| TrackOut { kind: p.kind, masks: Vec::with_capacity(cfg.frames) }).collect();
            (left, gap, seen) = (vec![false; masks.len()], vec![false; masks.len()], vec![false; masks.len()]);
        }
        let mut kept = Vec::with_capacity(masks.len());
        for (k, m) in masks.iter().enumerate() {
            if let Some(rle) = m {
                if left[k] {
                    reentries += 1;
                }
                if gap[k] {
                    reappearances += 1;
                }
                left[k] = false;
                gap[k] = false;
                seen[k] = true;
                rows.push(MotsRow { frame: f as u32, track_id: MOTS_PERSON_CLASS * 1000 + k as u32 + 1, class_id: MOTS_PERSON_CLASS, rle: rle.clone() });
                kept.push(rle.clone());
            } else {
                gap[k] |= seen[k];
            }
            left[k] |= seen[k] && scene.people[k].is_away();
            tracks[k].masks.push(m.clone());
        }
        centre.add(&box_centre_outside_rate(&kept));
        let path = frame_dir.join(format!("{f:05}.jpg"));
        encode_jpeg(rgb, cfg, &mut jpeg).map_err(|msg| SynthError::Encode { path: path.clone(), msg })?;
        std::fs::write(&path, &jpeg).map_err(|e| SynthError::io(&path, e))?;
        if cfg.id_pngs {
            let objects: Vec<(u32, &Rle)> = rows.iter().filter(|r| r.frame == f as u32).map(|r| (r.track_id, &r.rle)).collect();
            write_id_png(out.join("mots_png").join(&name).join(format!("{f:06}.png")), cfg.height, cfg.width, &objects)?;
        }
        Ok(())
    })?;
    write_mots_txt(out.join("mots").join(format!("{name}.txt")), &rows)?;
    Ok(VideoOut { index, tracks, centre, reentries, reappearances })
}

/// The one simulation behind the files and the in-memory stream: video `index` of a set seeded with `seed`
/// (scene and motion from `ChaCha8Rng(seed)` on stream `index`, sensor noise keyed by both), advanced frame by
/// frame up to `frames.end`. Only the frames in `frames` are drawn: for each, `frame(f, scene, rgb, masks)` gets
/// the pixels (sensor noise added, before any JPEG) and every slot's visible mask (`None` under
/// `min_visible_pixels`). Drawing takes no randomness, so a frame is the same whether or not earlier frames
/// were drawn.
pub(super) fn simulate(
    cfg: &SynthConfig,
    seed: u64,
    index: usize,
    frames: std::ops::Range<usize>,
    mut frame: impl FnMut(usize, &Scene, &[u8], Vec<Option<Rle>>) -> Result<(), SynthError>,
) -> Result<(), SynthError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    let (w, h) = (cfg.width as usize, cfg.height as usize);
    let mut scene = Scene::new(cfg, &mut rng);
    let n = scene.people.len();
    let mut canvas = Canvas::new(w, h);
    let noise_key = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for f in 0..frames.end.min(cfg.frames) {
        if f >= frames.start {
            scene.render(&mut canvas);
            let masks = runs_by_label(&canvas.labels, w, h, n)
                .into_iter()
                .map(|runs| {
                    let rle = Rle::from_counts(cfg.height, cfg.width, runs)?;
                    Ok((rle.area() >= cfg.min_visible_pixels.max(1) as u64).then_some(rle))
                })
                .collect::<Result<Vec<_>, SynthError>>()?;
            add_sensor_noise(&mut canvas.rgb, noise_key ^ ((f as u64) << 32));
            frame(f, &scene, &canvas.rgb, masks)?;
        }
        scene.step(&mut rng);
    }
    Ok(())
}

/// JPEG-encodes `rgb` (a `cfg.width × cfg.height` frame) at `cfg.jpeg_quality` into `out` (cleared first): the
/// bytes the files hold.
pub(super) fn encode_jpeg(rgb: &[u8], cfg: &SynthConfig, out: &mut Vec<u8>) -> Result<(), String> {
    out.clear();
    JpegEncoder::new_with_quality(out, cfg.jpeg_quality).encode(rgb, cfg.width, cfg.height, ExtendedColorType::Rgb8).map_err(|e| e.to_string())
}

/// Adds small per-pixel, per-channel noise (±5 levels) so that flat colours look like a camera's.
fn add_sensor_noise(rgb: &mut [u8], key: u64) {
    for (i, px) in rgb.chunks_exact_mut(3).enumerate() {
        let z = mix64(key ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03));
        for (c, v) in px.iter_mut().enumerate() {
            let n = ((z >> (16 * c)) & 0xffff) % 11;
            *v = (*v as i32 + n as i32 - 5).clamp(0, 255) as u8;
        }
    }
}

/// SplitMix64's finaliser: a well-mixed 64-bit hash of `z` (sensor noise, the stream's seeds).
pub(super) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
