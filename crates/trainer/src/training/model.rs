//! What the training loop needs from a network: named losses for a batch, per-frame inference for the
//! evaluation hook. HVISNet implements it; the tests implement it with a tiny model.

use burn::module::AutodiffModule;
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

use super::batch::HostBatch;

/// The losses of one batch, by name (`cls`, `box`, `ctr`, `mask`, `triplet`, ...), each a scalar tensor.
/// Their sum (or the model's own weighted `total`) is what is minimised.
pub struct NamedLosses<B: Backend> {
    /// `(name, scalar)` in a fixed order.
    pub terms: Vec<(String, Tensor<B, 1>)>,
    /// The loss to back-propagate when the model weights its terms itself; `None` = the sum of `terms`.
    pub total: Option<Tensor<B, 1>>,
}

impl<B: Backend> NamedLosses<B> {
    /// The sum of every term (the loss that is back-propagated).
    pub fn total(&self) -> Tensor<B, 1> {
        if let Some(t) = &self.total {
            return t.clone();
        }
        let mut it = self.terms.iter().map(|(_, t)| t.clone());
        let first = it.next().expect("a model returns at least one loss term");
        it.fold(first, |a, b| a + b)
    }
}

/// One person found in a frame, in the original image's pixels.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `[x1, y1, x2, y2]`.
    pub bbox: [f32; 4],
    /// Confidence in [0, 1].
    pub score: f32,
    /// Binary mask of the image's size.
    pub mask: data::mask::Rle,
    /// Appearance embedding (may be empty).
    pub embedding: Vec<f32>,
    /// The feature-map location that produced the detection, `[x, y]` in the original image's pixels (Table V
    /// counts how often it lies on the person's mask); `None` for models without locations.
    pub location: Option<[f32; 2]>,
}

impl Instance {
    /// The tracker's input for this instance: box, score, embedding, and the mask as payload.
    pub fn to_detection(&self) -> tracker::Detection<data::mask::Rle> {
        let [x1, y1, x2, y2] = self.bbox.map(f64::from);
        tracker::Detection { bbox: tracker::BBox::from_corners([x1, y1, x2, y2]), score: self.score as f64, embedding: self.embedding.clone(), payload: self.mask.clone() }
    }
}

/// A network the loop can train.
pub trait TrainModel<B: AutodiffBackend>: AutodiffModule<B> + Clone + Send + 'static {
    /// The named losses of a batch (forward pass in training mode).
    fn losses(&self, batch: &HostBatch, device: &B::Device) -> anyhow::Result<NamedLosses<B>>;
}

/// A network the evaluation hook can run (the `valid()` form of a [`TrainModel`]).
pub trait InferModel<B: Backend> {
    /// The people in one test-transformed frame, mapped back to the original `(height, width)`.
    fn infer(&self, frame: &data::augment::Augmented, original: (u32, u32), device: &B::Device) -> anyhow::Result<Vec<Instance>>;
}
