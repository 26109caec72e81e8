//! A synthetic training stream that does not repeat: every epoch holds new videos, generated in memory from
//! `(stream seed, epoch, index)` by the same simulation, drawing and JPEG round trip as the files
//! ([`video_frames`]), so a training run sees as many distinct people as it has iterations while the written
//! files stay for validation and tests.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::SynthError;
use super::config::{ConfigError, SynthConfig};
use super::video::{encode_jpeg, mix64, simulate};
use crate::Sample;
use crate::mask::Rle;
use crate::sample::mask_box_xyxy;

/// One frame of video `index` of a synthetic set, as the files hold it after decoding.
#[derive(Debug, Clone)]
pub struct SynthFrame {
    /// Frame index in the video.
    pub frame: usize,
    /// The pixels after the JPEG round trip at the config's quality: what decoding the written frame gives.
    pub image: image::RgbImage,
    /// Visible mask per identity slot (slot `k` is MOTS object `2000 + k + 1`); `None` where the person is
    /// absent or under `min_visible_pixels`, as in the annotation files.
    pub masks: Vec<Option<Rle>>,
}

/// The frames `frames` of video `index` of the set `cfg` describes, rendered in memory: the same pixels (JPEG
/// encoded at `cfg.jpeg_quality` and decoded) and masks as [`super::generate`] writes for that video. Frames
/// before `frames.start` are simulated but not drawn, so a clip late in a video costs little more than an
/// early one.
pub fn video_frames(cfg: &SynthConfig, index: usize, frames: Range<usize>) -> Result<Vec<SynthFrame>, SynthError> {
    cfg.validate()?;
    let mut out = Vec::with_capacity(frames.len());
    let mut jpeg = Vec::new();
    simulate(cfg, cfg.seed, index, frames, |f, _, rgb, masks| {
        let frame = || std::path::PathBuf::from(format!("<in memory>/{}/{f:05}.jpg", SynthConfig::video_name(index)));
        encode_jpeg(rgb, cfg, &mut jpeg).map_err(|msg| SynthError::Encode { path: frame(), msg })?;
        let image = image::load_from_memory(&jpeg).map_err(|e| SynthError::Encode { path: frame(), msg: format!("decoding back: {e}") })?.into_rgb8();
        out.push(SynthFrame { frame: f, image, masks });
        Ok(())
    })?;
    Ok(out)
}

/// A never-repeating synthetic training set. Epoch `e` holds `videos_per_epoch` videos; video `i` of epoch `e` is
/// video `i` of the set `SynthConfig { seed: epoch_seed(e), ..synth }`, so it is fixed by `(seed, epoch, index)`
/// alone and any frame range of it can be rendered on its own, in any order, on any thread.
///
/// Identities: person slot `k` of video `i` of epoch `e` has the global identity `e·B + i·max_people + k + 1`
/// (unique across the whole stream) and the classifier label `i·max_people + k + 1`, i.e. the global identity
/// wrapped into `1..=B` with `B` = [`SynthStream::identities_per_epoch`] = `videos_per_epoch × max_people`. Labels
/// are unique within an epoch (so within any batch); the ID classifier has `B` classes, each re-used by a new
/// person the next epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthStream {
    /// The generator's knobs: frame size, frames per video, people per video, sizes, props, JPEG quality. Its
    /// `videos`, `seed`, `val_fraction` and `id_pngs` are not used.
    pub synth: SynthConfig,
    /// The stream's seed; with the epoch it seeds each epoch's videos ([`SynthStream::epoch_seed`]).
    pub seed: u64,
    /// Videos in one epoch.
    pub videos_per_epoch: usize,
}

/// The people of one stream frame: the [`Sample`] a training batch is built from (its `identities` are the
/// classifier labels) and the global identity of each of its people.
#[derive(Debug, Clone)]
pub struct StreamFrame {
    /// Image, visible masks, boxes, classifier labels, video id, frame index and a readable sample id
    /// (`synth-stream/e<epoch>/v<video:05>/<frame:05>`).
    pub sample: Sample,
    /// Global identity of each person of `sample` (same order), unique across the stream.
    pub identities: Vec<u64>,
}

impl SynthStream {
    /// A stream of `videos_per_epoch` videos per epoch drawn with the knobs of `synth`, seeded by `seed`.
    pub fn new(synth: SynthConfig, seed: u64, videos_per_epoch: usize) -> Result<SynthStream, SynthError> {
        synth.validate()?;
        if videos_per_epoch == 0 || videos_per_epoch > 100_000 {
            return Err(ConfigError { field: "videos_per_epoch", value: videos_per_epoch.to_string(), expected: "1..=100000" }.into());
        }
        Ok(SynthStream { synth, seed, videos_per_epoch })
    }

    /// The seed of epoch `epoch`'s videos: a hash of the stream seed, a tag and the epoch, so that no two epochs
    /// share a seed and, but for a 64-bit collision, no epoch shares one with a written set.
    pub fn epoch_seed(&self, epoch: u64) -> u64 {
        mix64(mix64(self.seed ^ STREAM_TAG) ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// Classifier labels per epoch, `videos_per_epoch × max_people`: the size of the ID classifier.
    pub fn identities_per_epoch(&self) -> u32 {
        (self.videos_per_epoch * self.synth.max_people) as u32
    }

    /// Global identity (1-based, unique across the stream) of person slot `slot` of video `index` of `epoch`.
    pub fn identity(&self, epoch: u64, index: usize, slot: usize) -> u64 {
        epoch * self.identities_per_epoch() as u64 + (index * self.synth.max_people + slot) as u64 + 1
    }

    /// The classifier label of a global identity: wrapped into `1..=identities_per_epoch`.
    pub fn label(&self, identity: u64) -> u32 {
        ((identity - 1) % self.identities_per_epoch() as u64) as u32 + 1
    }

    /// Video id (1-based, unique across the stream) of video `index` of `epoch`.
    pub fn video_id(&self, epoch: u64, index: usize) -> u64 {
        epoch * self.videos_per_epoch as u64 + index as u64 + 1
    }

    /// The set whose video `i` is video `i` of `epoch`.
    pub fn epoch_config(&self, epoch: u64) -> SynthConfig {
        SynthConfig { seed: self.epoch_seed(epoch), videos: self.videos_per_epoch, val_fraction: 0.0, id_pngs: false, ..self.synth.clone() }
    }

    /// Frames `frames` of video `index` of `epoch` as training samples (people under `min_visible_pixels` left
    /// out, boxes from the masks, as the file datasets load them).
    pub fn clip(&self, epoch: u64, index: usize, frames: Range<usize>) -> Result<Vec<StreamFrame>, SynthError> {
        let rendered = video_frames(&self.epoch_config(epoch), index, frames)?;
        Ok(rendered
            .into_iter()
            .map(|fr| {
                let mut sample = Sample {
                    image: fr.image,
                    masks: Vec::new(),
                    boxes: Vec::new(),
                    identities: Vec::new(),
                    video_id: self.video_id(epoch, index),
                    frame_index: fr.frame as u32,
                    sample_id: format!("synth-stream/e{epoch}/v{index:05}/{:05}", fr.frame),
                };
                let mut identities = Vec::new();
                for (slot, m) in fr.masks.into_iter().enumerate() {
                    let Some(m) = m else { continue };
                    let id = self.identity(epoch, index, slot);
                    sample.boxes.push(mask_box_xyxy(&m));
                    sample.masks.push(m);
                    sample.identities.push(self.label(id));
                    identities.push(id);
                }
                StreamFrame { sample, identities }
            })
            .collect())
    }
}

/// Tag mixed into the stream's seeds ("STREAM" in ASCII).
const STREAM_TAG: u64 = 0x5354_5245_414D;
