//! Parity with PyTorch/timm: import the checkpoints written by `tools/torch_parity/make_reference.py`
//! (timm's `DLA` with DLA-34's layout at widths [4, 6, 8, 12, 16, 24], committed under `tests/data`) and
//! compare level3–5 features. Runs without PyTorch. `DLA34_PARITY_DIR` points it at other files, e.g. the
//! full-size timm `dla34` of `make_reference.py --full` (target/torch_parity); the widths come from the
//! features file.

use std::path::PathBuf;

use burn::backend::Flex;
use burn::prelude::*;
use dla34::weights::{CheckpointLayout, import_dla34};
use dla34::{Dla34Config, NormKind};

type B = Flex;

/// `tests/data`, or `$DLA34_PARITY_DIR` (a relative path is taken from the workspace root).
fn parity_dir() -> PathBuf {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("DLA34_PARITY_DIR")
        .map(|d| crate_dir.join("../..").join(d))
        .unwrap_or_else(|| crate_dir.join("tests/data"))
}

fn tensor(st: &safetensors::SafeTensors, name: &str, device: &burn::tensor::Device<B>) -> Tensor<B, 4> {
    let view = st.tensor(name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let values: Vec<f32> =
        view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let s = view.shape();
    Tensor::from_data(TensorData::new(values, [s[0], s[1], s[2], s[3]]), device)
}

/// max |a − b| / max |b|.
fn relative_error(ours: Tensor<B, 4>, reference: Tensor<B, 4>) -> f32 {
    let diff: f32 = (ours - reference.clone()).abs().max().into_scalar();
    let scale: f32 = reference.abs().max().into_scalar();
    diff / scale
}

fn check(file: &str, layout: CheckpointLayout, norm: NormKind) {
    let dir = parity_dir();
    let (ckpt, feats) = (dir.join(file), dir.join("dla34_features.safetensors"));
    for f in [&ckpt, &feats] {
        assert!(f.exists(), "{} absent (tools/torch_parity/make_reference.py writes it)", f.display());
    }
    let bytes = std::fs::read(&feats).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let channels: Vec<usize> = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get("channels"))
        .map(|c| serde_json::from_str(c).expect("channels metadata"))
        .unwrap_or_else(|| dla34::DLA34_CHANNELS.to_vec());
    let device = Default::default();
    let channels: [usize; 6] = channels.try_into().expect("six widths");
    let mut model = Dla34Config { channels, norm }.init::<B>(&device);
    let report = import_dla34(&mut model, &ckpt, layout, None).expect("import");
    println!("{file} ({layout:?}, {norm:?}, widths {channels:?}):\n{report}");
    assert!(report.is_clean(), "{report}");
    assert!(report.applied > 0, "nothing imported");

    let out = model.forward(tensor(&st, "input", &device));
    for (name, ours) in [("level3", out.level3), ("level4", out.level4), ("level5", out.level5)] {
        let err = relative_error(ours, tensor(&st, name, &device));
        println!("{name}: relative error {err:.3e}");
        assert!(err < 1e-4, "{name}: relative error {err:.3e} ≥ 1e-4");
    }
}

#[test]
fn timm_checkpoint_matches_pytorch_features() {
    check("dla34_timm_random.pth", CheckpointLayout::Timm, NormKind::Bn);
}

#[test]
fn ucbdrive_legacy_checkpoint_matches_pytorch_features() {
    check("dla34_ucbdrive_random.pth", CheckpointLayout::Ucbdrive, NormKind::FrozenBn);
}
