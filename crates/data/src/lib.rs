//! `data`: turns dataset files on disk into HVISNet training samples. It reads and writes the community's
//! formats exactly (COCO instances and results JSON, YouTube-VIS JSON, OCHuman JSON, MOTS txt and id PNGs),
//! with masks byte-identical to pycocotools, and provides the datasets, the paper's augmentation and a
//! parallel, bounded-prefetch loader. Plain Rust: no tensor backend.

pub mod augment;
pub mod check;
pub mod coco;
pub mod datasets;
pub mod error;
pub mod frames;
pub mod loader;
pub mod mask;
pub mod mots;
pub mod ochuman;
pub mod paths;
pub mod sample;
pub mod stats;
pub mod synth;
pub mod ytvis;

pub use error::DataError;
pub use sample::Sample;
