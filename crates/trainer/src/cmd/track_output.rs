//! Outputs of `trainer track`, written frame by frame: MOTS txt, per-frame id PNGs, overlay images and an
//! animated GIF; the YouTube-VIS results JSON is assembled from the compressed masks at the end.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use data::mask::{Rle, Segmentation};
use data::mots::{MotsRow, format_mots_txt, write_id_png};
use data::ytvis::{YtvisResult, write_ytvis_results};
use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame, RgbImage, RgbaImage};
use tracker::Track;

/// MOTS class of people (KITTI MOTS / MOTSChallenge "pedestrian"): object id = 2000 + track id.
pub const PERSON_CLASS: u32 = 2;

/// Where everything goes, and the per-track results gathered for the YouTube-VIS file.
pub struct TrackWriter {
    out: PathBuf,
    mots: BufWriter<File>,
    mots_path: PathBuf,
    gif: Option<GifEncoder<BufWriter<File>>>,
    gif_width: u32,
    /// Per track id: (frame, compressed counts) and the score sum.
    ytvis: BTreeMap<u64, (Vec<(usize, String)>, f64)>,
    size: Option<(u32, u32)>,
    /// Frames written.
    pub frames: usize,
}

impl TrackWriter {
    /// Creates `out/` with `ids/` and (when overlays are wanted) `overlay/`; the MOTS file is `out/<name>.txt`.
    pub fn create(out: &Path, name: &str, overlays: bool, gif_width: u32) -> Result<Self> {
        std::fs::create_dir_all(out.join("ids")).with_context(|| format!("cannot create {}", out.display()))?;
        let mots_path = out.join(format!("{name}.txt"));
        let mots = BufWriter::new(File::create(&mots_path).with_context(|| format!("cannot create {}", mots_path.display()))?);
        let gif = if overlays {
            std::fs::create_dir_all(out.join("overlay")).with_context(|| format!("cannot create {}/overlay", out.display()))?;
            let path = out.join("overlay.gif");
            let file = BufWriter::new(File::create(&path).with_context(|| format!("cannot create {}", path.display()))?);
            let mut enc = GifEncoder::new_with_speed(file, 20);
            enc.set_repeat(Repeat::Infinite)?;
            Some(enc)
        } else {
            None
        };
        Ok(Self { out: out.to_path_buf(), mots, mots_path, gif, gif_width, ytvis: BTreeMap::new(), size: None, frames: 0 })
    }

    /// Writes one frame's tracks. Masks are made disjoint first (higher score wins overlapping pixels), as MOTS
    /// requires. `image` is the frame for the overlay (None: no overlay for this frame).
    pub fn write_frame(&mut self, index: usize, stem: &str, size: (u32, u32), tracks: &[Track<Rle>], image: Option<&RgbImage>) -> Result<()> {
        let (h, w) = size;
        self.size = Some(size);
        let masks = disjoint_masks(h, w, tracks)?;
        let mut rows = Vec::with_capacity(tracks.len());
        for (t, m) in tracks.iter().zip(&masks) {
            if t.id >= 1000 {
                bail!("track id {} does not fit MOTS object ids (at most 999 people per class and video)", t.id);
            }
            rows.push(MotsRow { frame: index as u32, track_id: PERSON_CLASS * 1000 + t.id as u32, class_id: PERSON_CLASS, rle: m.clone() });
            let entry = self.ytvis.entry(t.id).or_insert_with(|| (Vec::new(), 0.0));
            entry.0.push((index, m.to_compressed()));
            entry.1 += t.score;
        }
        self.mots.write_all(format_mots_txt(&rows).as_bytes()).with_context(|| format!("cannot write {}", self.mots_path.display()))?;
        let objects: Vec<(u32, &Rle)> = rows.iter().map(|r| (r.track_id, &r.rle)).collect();
        write_id_png(self.out.join("ids").join(format!("{stem}.png")), h, w, &objects)?;
        if let Some(img) = image {
            let overlay = crate::cmd::track_draw::overlay(img, tracks.iter().map(|t| t.id).zip(&masks))?;
            let path = self.out.join("overlay").join(format!("{stem}.jpg"));
            overlay.save(&path).with_context(|| format!("cannot write {}", path.display()))?;
            if let Some(gif) = self.gif.as_mut() {
                let small = shrink(&overlay, self.gif_width);
                let rgba: RgbaImage = image::DynamicImage::ImageRgb8(small).to_rgba8();
                gif.encode_frame(Frame::from_parts(rgba, 0, 0, Delay::from_numer_denom_ms(100, 1)))?;
            }
        }
        self.frames = self.frames.max(index + 1);
        Ok(())
    }

    /// Flushes the MOTS file, finishes the GIF and writes `ytvis_results.json` (one entry per track, null in
    /// frames where the track is absent, score = mean detection score).
    pub fn finish(mut self, video_id: u64) -> Result<PathBuf> {
        self.mots.flush()?;
        drop(self.gif.take());
        let frames = self.frames;
        let (h, w) = self.size.unwrap_or((0, 0));
        let results: Vec<YtvisResult> = self
            .ytvis
            .into_values()
            .map(|(masks, score_sum)| {
                let n = masks.len();
                let mut segmentations = vec![None; frames];
                for (f, counts) in masks {
                    segmentations[f] = Some(Segmentation::Compressed { size: [h, w], counts });
                }
                YtvisResult { video_id, category_id: 1, score: score_sum / n as f64, segmentations }
            })
            .collect();
        let path = self.out.join("ytvis_results.json");
        write_ytvis_results(&path, &results)?;
        Ok(path)
    }
}

/// Decodes each track's mask and removes pixels already claimed by a higher-scoring track (MOTS requires
/// disjoint masks); also what the training evaluation scores with MOTS.
pub fn disjoint_masks(h: u32, w: u32, tracks: &[Track<Rle>]) -> Result<Vec<Rle>> {
    let mut order: Vec<usize> = (0..tracks.len()).collect();
    order.sort_by(|&a, &b| tracks[b].score.total_cmp(&tracks[a].score));
    let mut claimed = vec![false; h as usize * w as usize];
    let mut out = vec![Rle::empty(h, w); tracks.len()];
    for i in order {
        let m = &tracks[i].payload;
        if (m.h, m.w) != (h, w) {
            bail!("track {} has a {}x{} mask, expected {h}x{w}", tracks[i].id, m.h, m.w);
        }
        let mut px = m.to_row_major();
        for (p, c) in px.iter_mut().zip(claimed.iter_mut()) {
            if *p != 0 {
                if *c {
                    *p = 0;
                } else {
                    *c = true;
                }
            }
        }
        out[i] = Rle::from_row_major(h, w, &px);
    }
    Ok(out)
}

/// Downscales to at most `max_width` pixels wide (nearest neighbour is enough for a preview GIF).
fn shrink(img: &RgbImage, max_width: u32) -> RgbImage {
    if img.width() <= max_width {
        return img.clone();
    }
    let h = (img.height() as u64 * max_width as u64 / img.width() as u64).max(1) as u32;
    image::imageops::resize(img, max_width, h, image::imageops::FilterType::Triangle)
}
