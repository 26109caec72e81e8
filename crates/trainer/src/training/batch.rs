//! Training batches: frames grouped into clips of one video (so identities repeat inside a batch for the
//! triplet loss), augmented, padded to one size, with the sampler's per-location targets.
//!
//! Everything random depends only on `(seed, epoch, frame index)`: the clip order of an epoch comes from
//! `data::loader::epoch_order`, each frame's augmentation from `data::augment::sample_rng`. Batch `k` of epoch
//! `e` is therefore the same whatever happened before, which is what makes resuming exact.

use anyhow::Context;
use data::augment::{Augmented, augment, resize_mask, sample_rng};
use data::datasets::FrameDataset;
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

/// Everything needed to build a batch from frame indices.
pub struct BatchBuilder {
    /// The training frames.
    pub dataset: std::sync::Arc<FrameDataset>,
    /// Augmentation (its seed is the run's seed).
    pub augment: data::augment::AugmentConfig,
    /// Positive-sample assignment.
    pub sampling: sampler::SamplingConfig,
    /// FPN levels.
    pub levels: sampler::LevelConfig,
}

impl BatchBuilder {
    /// Decodes, augments (training transform), pads and assigns targets for the frames `indices` of `epoch`.
    pub fn build(&self, indices: &[usize], epoch: u64) -> anyhow::Result<HostBatch> {
        let frames: Vec<Augmented> = indices
            .par_iter()
            .map(|&i| {
                let s = self.dataset.get(i).with_context(|| format!("loading training frame {i} of {}", self.dataset.name))?;
                let mut rng = sample_rng(self.augment.seed, epoch, i as u64);
                Ok(augment(&s, &self.augment, true, &mut rng))
            })
            .collect::<anyhow::Result<_>>()?;
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
