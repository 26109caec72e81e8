//! Weight import from PyTorch DLA-34 checkpoints (ucbdrive and timm layouts) and save/load of
//! our own checkpoints (burnpack `.bpk`).
//!
//! Our module paths mirror the PyTorch names; the only renames are the `nn.Sequential`
//! indices (`base_layer.0` → `base_layer.conv`, `.1` → `.norm`, same for `level0`, `level1` and
//! `project`) and `bn*` → `norm*`. Norm `weight`/`bias` become `gamma`/`beta` through burn-store's
//! `PyTorchToBurnAdapter`, which also skips our `Norm` enum's variant names.

use std::fmt;
use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn_store::{
    ApplyError, ApplyResult, BurnpackStore, KeyRemapper, ModuleSnapshot, PyTorchToBurnAdapter,
    PytorchStore, SafetensorsStore,
};

use crate::dla::Dla34;

/// Errors of checkpoint import, save and load. Each names the file and, where there is one, the key.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// The file could not be opened or parsed.
    #[error("{path}: cannot read checkpoint: {message}")]
    Read {
        /// The checkpoint file.
        path: PathBuf,
        /// What the reader reported.
        message: String,
    },
    /// The file could not be written.
    #[error("{path}: cannot write checkpoint: {message}")]
    Write {
        /// The checkpoint file.
        path: PathBuf,
        /// What the writer reported.
        message: String,
    },
    /// The extension names no format we read.
    #[error("{path}: unknown checkpoint format; expected .pth, .pt, .safetensors or .bpk")]
    Format {
        /// The checkpoint file.
        path: PathBuf,
    },
    /// A tensor has the wrong shape or type for our module.
    #[error("{path}: key `{key}`: {message}")]
    Tensor {
        /// The checkpoint file.
        path: PathBuf,
        /// The tensor key (in our module's naming).
        key: String,
        /// Expected versus found.
        message: String,
    },
    /// No tensor of the file matched the DLA-34 layout.
    #[error("{path}: no tensor matched the DLA-34 layout (expected keys such as `level2.tree1.conv1.weight`, found {found})")]
    NothingApplied {
        /// The checkpoint file.
        path: PathBuf,
        /// The first few keys of the file.
        found: String,
    },
}

/// Which PyTorch DLA-34 implementation wrote the state dict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointLayout {
    /// ucbdrive/dla `dla34-ba72cf86.pth` (also FairMOT, AdelaiDet): has the unused
    /// `level3.project` / `level4.project` and a 1×1-conv `fc` classifier.
    Ucbdrive,
    /// timm `dla34`: no unused projections; `fc` classifier.
    Timm,
}

impl CheckpointLayout {
    /// Parses `ucbdrive` or `timm`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ucbdrive" => Some(Self::Ucbdrive),
            "timm" => Some(Self::Timm),
            _ => None,
        }
    }

    /// Whether a key of our model may be absent from a checkpoint of this layout.
    fn may_miss(&self, key: &str) -> bool {
        match self {
            Self::Ucbdrive => false,
            Self::Timm => key.starts_with("level3.project.") || key.starts_with("level4.project."),
        }
    }
}

/// Whether a checkpoint key is expected to have no place in our backbone (classifier, BN counters).
fn may_be_unused(key: &str) -> bool {
    key.starts_with("fc.") || key.ends_with("num_batches_tracked")
}

/// What an import did: counts and the keys that did not line up.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Number of tensors loaded into the model.
    pub applied: usize,
    /// Model tensors the file does not have, expected for this layout (kept at their initial values).
    pub missing_expected: Vec<String>,
    /// Model tensors the file does not have although the layout should (kept at their initial values).
    pub missing_unexpected: Vec<String>,
    /// File tensors with no place in the model that the layout explains (`fc.*`, `num_batches_tracked`).
    pub unused_expected: Vec<String>,
    /// Other file tensors with no place in the model.
    pub unused_unexpected: Vec<String>,
}

impl ImportReport {
    /// True when every key lined up as the layout predicts.
    pub fn is_clean(&self) -> bool {
        self.missing_unexpected.is_empty() && self.unused_unexpected.is_empty()
    }

    fn from_apply(result: ApplyResult, layout: CheckpointLayout) -> Self {
        let mut report = Self { applied: result.applied.len(), ..Self::default() };
        for (key, _) in result.missing {
            if layout.may_miss(&key) {
                report.missing_expected.push(key);
            } else {
                report.missing_unexpected.push(key);
            }
        }
        for key in result.unused {
            if may_be_unused(&key) {
                report.unused_expected.push(key);
            } else {
                report.unused_unexpected.push(key);
            }
        }
        for v in [
            &mut report.missing_expected,
            &mut report.missing_unexpected,
            &mut report.unused_expected,
            &mut report.unused_unexpected,
        ] {
            v.sort();
        }
        report
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "applied {} tensors", self.applied)?;
        let lists = [
            ("missing (expected for this layout)", &self.missing_expected),
            ("missing (UNEXPECTED, left at initial values)", &self.missing_unexpected),
            ("unused (expected: classifier / BN counters)", &self.unused_expected),
            ("unused (UNEXPECTED)", &self.unused_unexpected),
        ];
        for (title, keys) in lists {
            if !keys.is_empty() {
                writeln!(f, "{title}: {}", keys.len())?;
                for k in keys {
                    writeln!(f, "  {k}")?;
                }
            }
        }
        Ok(())
    }
}

/// Renames PyTorch DLA keys into our module paths (applied in order to every key).
pub fn pytorch_key_remapper() -> KeyRemapper {
    KeyRemapper::from_patterns(vec![
        (r"^(base_layer|level0|level1)\.0\.", "$1.conv."),
        (r"^(base_layer|level0|level1)\.1\.", "$1.norm."),
        (r"\.project\.0\.", ".project.conv."),
        (r"\.project\.1\.", ".project.norm."),
        (r"\.bn([12])\.", ".norm$1."),
        (r"\.root\.bn\.", ".root.norm."),
        // burn-store's adapter renames norm parameters only for a bare BatchNorm; ours sit in
        // the `Norm` enum, so the rename is done here (BatchNorm and GroupNorm both use gamma/beta).
        (r"\.(norm[12]?)\.weight$", ".$1.gamma"),
        (r"\.(norm[12]?)\.bias$", ".$1.beta"),
    ])
    .expect("the DLA key patterns are valid regexes")
}

fn read_error(path: &Path, e: impl fmt::Display) -> WeightsError {
    WeightsError::Read { path: path.to_path_buf(), message: e.to_string() }
}

fn check_apply(path: &Path, result: &ApplyResult) -> Result<(), WeightsError> {
    if let Some(e) = result.errors.first() {
        let (key, message) = match e {
            ApplyError::ShapeMismatch { path, expected, found } => {
                (path.clone(), format!("expected shape {:?}, found {:?}", expected.to_vec(), found.to_vec()))
            }
            ApplyError::DTypeMismatch { path, expected, found } => {
                (path.clone(), format!("expected dtype {expected:?}, found {found:?}"))
            }
            ApplyError::AdapterError { path, message } | ApplyError::LoadError { path, message } => {
                (path.clone(), message.clone())
            }
        };
        return Err(WeightsError::Tensor { path: path.to_path_buf(), key, message });
    }
    if result.applied.is_empty() {
        let found: Vec<&str> = result.unused.iter().take(5).map(String::as_str).collect();
        return Err(WeightsError::NothingApplied { path: path.to_path_buf(), found: found.join(", ") });
    }
    Ok(())
}

/// Loads a PyTorch DLA-34 state dict (`.pth`/`.pt` through burn-store's PyTorch reader, or
/// `.safetensors` as timm publishes) into `model`, optionally from a nested `top_level_key`
/// (e.g. `state_dict`). Tensors the file lacks keep their current values; the report lists them.
pub fn import_dla34<B: Backend>(
    model: &mut Dla34<B>,
    path: &Path,
    layout: CheckpointLayout,
    top_level_key: Option<&str>,
) -> Result<ImportReport, WeightsError> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let result = match ext.as_str() {
        "pth" | "pt" | "tar" | "bin" => {
            let mut store = PytorchStore::from_file(path)
                .remap(pytorch_key_remapper())
                .map_indices_contiguous(false)
                .allow_partial(true)
                .validate(false);
            if let Some(k) = top_level_key {
                store = store.with_top_level_key(k);
            }
            model.load_from(&mut store).map_err(|e| read_error(path, e))?
        }
        "safetensors" => {
            let mut store = SafetensorsStore::from_file(path)
                .with_from_adapter(PyTorchToBurnAdapter)
                .remap(pytorch_key_remapper())
                .map_indices_contiguous(false)
                .skip_enum_variants(true)
                .allow_partial(true)
                .validate(false);
            model.load_from(&mut store).map_err(|e| read_error(path, e))?
        }
        _ => return Err(WeightsError::Format { path: path.to_path_buf() }),
    };
    check_apply(path, &result)?;
    Ok(ImportReport::from_apply(result, layout))
}

/// Saves any module's parameters and buffers to a burnpack file (`.bpk`), overwriting it.
pub fn save_checkpoint<B: Backend, M: ModuleSnapshot<B>>(module: &M, path: &Path) -> Result<(), WeightsError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| WeightsError::Write { path: path.to_path_buf(), message: e.to_string() })?;
    }
    let mut store = BurnpackStore::from_file(path).auto_extension(false).overwrite(true);
    module
        .save_into(&mut store)
        .map_err(|e| WeightsError::Write { path: path.to_path_buf(), message: e.to_string() })
}

/// Loads a burnpack file written by [`save_checkpoint`] into `module`. Every tensor of the module
/// must be present with the right shape unless `allow_partial`; returns the keys that were missing.
pub fn load_checkpoint<B: Backend, M: ModuleSnapshot<B>>(
    module: &mut M,
    path: &Path,
    allow_partial: bool,
) -> Result<Vec<String>, WeightsError> {
    if !path.exists() {
        return Err(read_error(path, "file does not exist"));
    }
    let mut store = BurnpackStore::from_file(path).auto_extension(false).allow_partial(true).validate(false);
    let result = module.load_from(&mut store).map_err(|e| read_error(path, e))?;
    check_apply(path, &result)?;
    let missing: Vec<String> = result.missing.into_iter().map(|(k, _)| k).collect();
    if !allow_partial && let Some(first) = missing.first() {
        return Err(WeightsError::Tensor {
            path: path.to_path_buf(),
            key: first.clone(),
            message: format!("missing from the checkpoint ({} keys missing in all)", missing.len()),
        });
    }
    Ok(missing)
}
