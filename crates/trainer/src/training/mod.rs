//! The training machinery: LR schedule, solver, batches, the loop itself, checkpoints, run folder, metrics
//! log, TensorBoard events, progress, Ctrl-C and the evaluation hook.

pub mod batch;
pub mod checkpoint;
pub mod device;
pub mod engine;
pub mod evaluate;
pub mod interrupt;
pub mod model;
pub mod network;
pub mod optim;
pub mod progress;
pub mod run_dir;
pub mod schedule;
pub mod tensorboard;
