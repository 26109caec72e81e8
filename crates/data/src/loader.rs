//! A parallel loader with bounded prefetch: a background thread decodes and transforms each batch on the
//! rayon pool and hands finished batches through a channel holding at most `prefetch` of them, so the
//! consumer (the training loop) finds the next batch ready while memory stays bounded. Batches come out
//! in order; each item's randomness depends only on `(seed, epoch, index)`, so results are reproducible.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};
use std::thread::JoinHandle;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::DataError;
use crate::augment::sample_rng;

/// Loads item `index` of a dataset with the given generator (e.g. decode + augment).
pub type LoadFn<T> = dyn Fn(usize, &mut ChaCha8Rng) -> Result<T, DataError> + Send + Sync;

/// Loader settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderConfig {
    /// Items per batch (the last batch may be smaller).
    pub batch_size: usize,
    /// Finished batches held ahead of the consumer.
    pub prefetch: usize,
    /// Shuffle the order each epoch.
    pub shuffle: bool,
    /// Seed of the order and of every item's generator.
    pub seed: u64,
    /// Epoch number (changes the order and the augmentation).
    pub epoch: u64,
}

/// Iterator over batches, produced in the background.
pub struct Loader<T: Send + 'static> {
    rx: Option<Receiver<Result<Vec<T>, DataError>>>,
    worker: Option<JoinHandle<()>>,
    batches: usize,
}

/// The item order of an epoch: `0..len`, shuffled by `(seed, epoch)` when `shuffle`.
pub fn epoch_order(len: usize, shuffle: bool, seed: u64, epoch: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    if shuffle {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ epoch.wrapping_mul(0xD1B5_4A32_D192_ED03));
        order.shuffle(&mut rng);
    }
    order
}

impl<T: Send + 'static> Loader<T> {
    /// Starts loading the `len` items of one epoch with `load`.
    pub fn new(len: usize, cfg: LoaderConfig, load: Arc<LoadFn<T>>) -> Loader<T> {
        let bs = cfg.batch_size.max(1);
        let order = epoch_order(len, cfg.shuffle, cfg.seed, cfg.epoch);
        let batches = len.div_ceil(bs);
        let (tx, rx) = sync_channel(cfg.prefetch.max(1));
        let worker = std::thread::spawn(move || {
            for chunk in order.chunks(bs) {
                let batch: Result<Vec<T>, DataError> = chunk
                    .par_iter()
                    .map(|&i| {
                        let mut rng = sample_rng(cfg.seed, cfg.epoch, i as u64);
                        load(i, &mut rng)
                    })
                    .collect();
                let failed = batch.is_err();
                if tx.send(batch).is_err() || failed {
                    return;
                }
            }
        });
        Loader { rx: Some(rx), worker: Some(worker), batches }
    }

    /// Number of batches in the epoch.
    pub fn num_batches(&self) -> usize {
        self.batches
    }
}

impl<T: Send + 'static> Iterator for Loader<T> {
    type Item = Result<Vec<T>, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rx.as_ref()?.recv().ok()
    }
}

impl<T: Send + 'static> Drop for Loader<T> {
    fn drop(&mut self) {
        // Closing the channel makes the worker stop at its next send.
        self.rx.take();
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}
