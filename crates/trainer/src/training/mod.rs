//! The pieces of the training loop that do not depend on the network: LR schedule, checkpoints, run folder,
//! metrics log and TensorBoard events.

pub mod checkpoint;
pub mod run_dir;
pub mod schedule;
pub mod tensorboard;
