//! Training batches: frames grouped into clips of one video (so identities repeat inside a batch for the
//! triplet loss), augmented, padded to one size, with the sampler's per-location targets.
//!
//! The frames come from a dataset's files or, with `data.train_stream.videos_per_epoch > 0`, from the synthetic
//! stream (`data::synth::SynthStream`): new videos every epoch, rendered by the loader's worker from `(seed,
//! epoch, video)`. Everything random depends only on `(seed, epoch, frame index)`: the clip order of an epoch
//! comes from `data::loader::epoch_order`, each frame's augmentation from `data::augment::sample_rng`, each stream
//! video from `SynthStream::epoch_seed`. Batch `k` of epoch `e` is therefore the same whatever happened before,
//! which is what makes resuming exact.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use data::augment::{Augmented, augment, resize_mask, sample_rng};
use data::datasets::FrameDataset;
use data::synth::{SynthManifest, SynthStream};
use rayon::prelude::*;

use crate::config::{CenterStrategy, ExperimentConfig};

/// A batch ready for the network, on the host.
#[derive(Debug, Clone)]
pub struct HostBatch {
    /// Images `[n, 3, height, width]`, normalised, zero-padded.
    pub images: Vec<f32>,
    /// Number of images.
    pub n: usize,
    /// Common padded height.
    pub height: usize,
    /// Common padded width.
    pub width: usize,
    /// Per image: masks at `height × width`, boxes, identities, ids (its `image` field is emptied).
    pub frames: Vec<Augmented>,
    /// Per image: the sampler's targets for every location of every level.
    pub targets: Vec<sampler::Targets>,
}

impl HostBatch {
    /// The readable ids of the batch's frames (for error messages).
    pub fn sample_ids(&self) -> Vec<String> {
        self.frames.iter().map(|f| f.sample_id.clone()).collect()
    }
}

/// Groups a dataset's frames into clips: per video (in order of first appearance), frames sorted by index and
/// cut into runs of `frames_per_clip` consecutive frames (the last run of a video may be shorter).
pub fn make_clips(ds: &FrameDataset, frames_per_clip: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<u64> = Vec::new();
    let mut by_video: std::collections::HashMap<u64, Vec<usize>> = Default::default();
    for (i, f) in ds.frames.iter().enumerate() {
        by_video.entry(f.video_id).or_insert_with(|| {
            order.push(f.video_id);
            Vec::new()
        });
        by_video.get_mut(&f.video_id).expect("inserted").push(i);
    }
    let mut clips = Vec::new();
    for v in order {
        let mut idx = by_video.remove(&v).expect("listed");
        idx.sort_by_key(|&i| ds.frames[i].frame_index);
        clips.extend(idx.chunks(frames_per_clip.max(1)).map(|c| c.to_vec()));
    }
    clips
}

/// The frame indices of every batch of `epoch`: clips in the epoch's shuffled order, `batch_size /
/// frames_per_clip` clips per batch (at least one).
pub fn epoch_batches(clips: &[Vec<usize>], batch_size: usize, frames_per_clip: usize, seed: u64, epoch: u64) -> Vec<Vec<usize>> {
    let per_batch = (batch_size / frames_per_clip.max(1)).max(1);
    let order = data::loader::epoch_order(clips.len(), true, seed, epoch);
    order.chunks(per_batch).map(|c| c.iter().flat_map(|&k| clips[k].iter().copied()).collect()).collect()
}

/// Augmentation settings of a config.
pub fn augment_config(c: &ExperimentConfig) -> data::augment::AugmentConfig {
    let a = &c.data.augment;
    data::augment::AugmentConfig {
        train_short: a.min_size_train.clone(),
        train_max: a.max_size_train,
        test_short: a.min_size_test,
        test_max: a.max_size_test,
        flip_prob: a.flip_prob as f64,
        pad_to: a.size_divisibility,
        seed: c.seed,
    }
}

/// The sampler's settings from `[model.sampling]` and the FPN levels from `[model.fcos]`.
pub fn sampler_config(c: &ExperimentConfig) -> (sampler::SamplingConfig, sampler::LevelConfig) {
    let conv = |s: CenterStrategy| match s {
        CenterStrategy::Bbox => sampler::CenterStrategy::Bbox,
        CenterStrategy::Centroid => sampler::CenterStrategy::Centroid,
        CenterStrategy::Inner => sampler::CenterStrategy::Inner,
        CenterStrategy::None => sampler::CenterStrategy::None,
    };
    let s = &c.model.sampling;
    let cfg = sampler::SamplingConfig {
        center: conv(s.center),
        radius: s.radius,
        eliminate_ambiguous: sampler::Ambiguity { seg: s.eliminate_ambiguous.seg, emb: s.eliminate_ambiguous.emb },
        mix: s.mix.map(|m| sampler::Mix { from: conv(m.from), fraction: m.fraction }),
        seed: c.seed,
        ..Default::default()
    };
    let f = &c.model.fcos;
    let mut bounds = vec![-1.0f32];
    bounds.extend(f.sizes_of_interest.iter().copied());
    bounds.push(sampler::SIZE_INF);
    let levels = sampler::LevelConfig { strides: f.fpn_strides.clone(), size_ranges: bounds.windows(2).map(|w| [w[0], w[1]]).collect() };
    (cfg, levels)
}

/// Where the training frames come from. A frame is named by an index: its position in the dataset, or for the
/// stream `video × frames_per_video + frame` within the epoch.
pub enum TrainSource {
    /// A dataset's files: the same frames every epoch.
    Files(Arc<FrameDataset>),
    /// The synthetic stream: `videos_per_epoch` new videos every epoch.
    Stream(SynthStream),
}

impl TrainSource {
    /// The source a config trains on: `data.train`'s files (`files`), or with `data.train_stream.videos_per_epoch
    /// > 0` the stream continuing the synthetic set at `data.train.root` (its knobs read from `synth.json`, the
    /// run's `seed`).
    pub fn from_config(c: &ExperimentConfig, files: Arc<FrameDataset>) -> anyhow::Result<TrainSource> {
        let videos = c.data.train_stream.videos_per_epoch;
        if videos == 0 {
            return Ok(TrainSource::Files(files));
        }
        let path = Path::new(&c.data.train.root).join("synth.json");
        let manifest: SynthManifest = data::paths::read_json(&path)
            .with_context(|| format!("data.train_stream: reading the synthetic set's knobs (data.train.root = {:?})", c.data.train.root))?;
        let stream = SynthStream::new(manifest.config, c.seed, videos).with_context(|| format!("data.train_stream with the knobs of {}", path.display()))?;
        Ok(TrainSource::Stream(stream))
    }

    /// Name for messages: the dataset's, or `synth-stream`.
    pub fn name(&self) -> &str {
        match self {
            TrainSource::Files(ds) => &ds.name,
            TrainSource::Stream(_) => "synth-stream",
        }
    }

    /// The identity labels the ID classifier needs: the dataset's identities, or the stream's per-epoch budget.
    pub fn num_identities(&self) -> usize {
        match self {
            TrainSource::Files(ds) => ds.num_identities as usize,
            TrainSource::Stream(st) => st.identities_per_epoch() as usize,
        }
    }

    /// The clips of an epoch (the same indices every epoch; the stream's content changes with the epoch): per
    /// video, runs of `frames_per_clip` consecutive frames (the last run of a video may be shorter).
    pub fn clips(&self, frames_per_clip: usize) -> Vec<Vec<usize>> {
        match self {
            TrainSource::Files(ds) => make_clips(ds, frames_per_clip),
            TrainSource::Stream(st) => {
                let (f, n) = (st.synth.frames, frames_per_clip.max(1));
                (0..st.videos_per_epoch).flat_map(|v| (0..f).step_by(n).map(move |s| (v * f + s..v * f + (s + n).min(f)).collect())).collect()
            }
        }
    }
}

/// Everything needed to build a batch from frame indices.
pub struct BatchBuilder {
    /// The training frames.
    pub source: TrainSource,
    /// Augmentation (its seed is the run's seed).
    pub augment: data::augment::AugmentConfig,
    /// Positive-sample assignment.
    pub sampling: sampler::SamplingConfig,
    /// FPN levels.
    pub levels: sampler::LevelConfig,
}

impl BatchBuilder {
    /// Loads (decodes, or renders for the stream), augments (training transform), pads and assigns targets for
    /// the frames `indices` of `epoch`.
    pub fn build(&self, indices: &[usize], epoch: u64) -> anyhow::Result<HostBatch> {
        let train = |s: &data::Sample, i: usize| augment(s, &self.augment, true, &mut sample_rng(self.augment.seed, epoch, i as u64));
        let frames: Vec<Augmented> = match &self.source {
            TrainSource::Files(ds) => indices
                .par_iter()
                .map(|&i| Ok(train(&ds.get(i).with_context(|| format!("loading training frame {i} of {}", ds.name))?, i)))
                .collect::<anyhow::Result<_>>()?,
            TrainSource::Stream(st) => {
                // One render per run of consecutive frames of a video (a clip), the runs in parallel.
                let f = st.synth.frames;
                let mut runs: Vec<&[usize]> = Vec::new();
                let mut rest = indices;
                while let Some(&first) = rest.first() {
                    let n = 1 + rest.windows(2).take_while(|w| w[1] == w[0] + 1 && w[1] / f == first / f).count();
                    runs.push(&rest[..n]);
                    rest = &rest[n..];
                }
                let clips = runs
                    .par_iter()
                    .map(|run| {
                        let (v, start) = (run[0] / f, run[0] % f);
                        let clip = st.clip(epoch, v, start..start + run.len()).with_context(|| format!("rendering frames {start}.. of stream video {v} of epoch {epoch}"))?;
                        Ok(clip.iter().zip(run.iter()).map(|(fr, &i)| train(&fr.sample, i)).collect::<Vec<_>>())
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?;
                clips.into_iter().flatten().collect()
            }
        };
        self.assemble(frames, indices)
    }

    /// Pads augmented frames to a common size and computes their targets.
    pub fn assemble(&self, mut frames: Vec<Augmented>, indices: &[usize]) -> anyhow::Result<HostBatch> {
        let h = frames.iter().map(|f| f.height as usize).max().unwrap_or(0);
        let w = frames.iter().map(|f| f.width as usize).max().unwrap_or(0);
        let n = frames.len();
        let mut images = vec![0f32; n * 3 * h * w];
        for (k, f) in frames.iter_mut().enumerate() {
            let (fh, fw) = (f.height as usize, f.width as usize);
            for c in 0..3 {
                for y in 0..fh {
                    let src = &f.image[(c * fh + y) * fw..(c * fh + y) * fw + fw];
                    let dst = ((k * 3 + c) * h + y) * w;
                    images[dst..dst + fw].copy_from_slice(src);
                }
            }
            if (fh, fw) != (h, w) {
                f.masks = f.masks.iter().map(|m| resize_mask(m, m.h, m.w, false, h as u32, w as u32)).collect();
                f.height = h as u32;
                f.width = w as u32;
            }
            f.image = Vec::new();
        }
        let targets = frames
            .par_iter()
            .zip(indices.par_iter())
            .map(|(f, &i)| {
                let pixels: Vec<Vec<u8>> = f.masks.iter().map(|m| m.to_row_major()).collect();
                let persons: Vec<sampler::Person> = pixels
                    .iter()
                    .zip(&f.boxes)
                    .zip(&f.identities)
                    .map(|((px, &bbox), &id)| {
                        Ok(sampler::Person {
                            mask: sampler::MaskView::new(w, h, px)?,
                            bbox,
                            identity: (id != 0).then_some(id),
                        })
                    })
                    .collect::<Result<_, sampler::SamplerError>>()
                    .with_context(|| format!("masks of {}", f.sample_id))?;
                let input = sampler::ImageInput { height: h, width: w, persons: &persons, seed: i as u64 };
                let a = sampler::assign(&input, &self.sampling, &self.levels).with_context(|| format!("assigning targets for {}", f.sample_id))?;
                Ok(a.targets)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(HostBatch { images, n, height: h, width: w, frames, targets })
    }
}
