//! Weight import without PyTorch: a narrow DLA-34 is exported in-process under PyTorch key names
//! (ucbdrive and timm layouts) through safetensors, imported back and compared tensor by tensor.

use std::collections::BTreeMap;
use std::path::Path;

use burn::backend::Flex;
use burn::prelude::*;
use burn_store::ModuleSnapshot;
use dla34::weights::{CheckpointLayout, WeightsError, import_dla34, load_checkpoint, save_checkpoint};
use dla34::{Dla34, Dla34Config};
use safetensors::{Dtype, tensor::TensorView};

type B = Flex;

const NARROW: [usize; 6] = [4, 8, 16, 24, 32, 48];

fn narrow(device: &burn::tensor::Device<B>) -> Dla34<B> {
    Dla34Config { channels: NARROW, ..Default::default() }.init(device)
}

/// Our path → PyTorch state-dict key (the inverse of the importer's remapping).
fn torch_key(ours: &str) -> String {
    let mut parts: Vec<String> = ours.split('.').map(str::to_string).collect();
    for i in 0..parts.len() {
        let parent = if i > 0 { parts[i - 1].as_str() } else { "" };
        let seq = matches!(parent, "base_layer" | "level0" | "level1" | "project");
        parts[i] = match (parts[i].as_str(), seq) {
            ("conv", true) => "0".into(),
            ("norm", true) => "1".into(),
            ("norm", false) => "bn".into(),
            ("norm1", _) => "bn1".into(),
            ("norm2", _) => "bn2".into(),
            ("gamma", _) => "weight".into(),
            ("beta", _) => "bias".into(),
            (p, _) => p.to_string(),
        };
    }
    parts.join(".")
}

/// Tensors of `model` under PyTorch names, with norm vectors replaced by distinct values so that
/// every tensor's transfer is observable.
fn torch_state(model: &Dla34<B>) -> BTreeMap<String, (Vec<usize>, Vec<f32>)> {
    let mut out = BTreeMap::new();
    for (i, snap) in model.collect(None, None, true).into_iter().enumerate() {
        let data = snap.to_data().unwrap();
        let shape = data.shape.to_vec();
        let mut values: Vec<f32> = data.to_vec().unwrap();
        if shape.len() == 1 {
            for (j, v) in values.iter_mut().enumerate() {
                *v = 0.5 + ((i * 31 + j * 7) % 17) as f32 / 17.0;
            }
        }
        out.insert(torch_key(&snap.full_path()), (shape, values));
    }
    out
}

fn write_safetensors(path: &Path, state: &BTreeMap<String, (Vec<usize>, Vec<f32>)>, extra_i64: &[String]) {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>, Dtype)> = state
        .iter()
        .map(|(k, (s, v))| (k.clone(), s.clone(), v.iter().flat_map(|x| x.to_le_bytes()).collect(), Dtype::F32))
        .chain(extra_i64.iter().map(|k| (k.clone(), vec![], 0i64.to_le_bytes().to_vec(), Dtype::I64)))
        .collect();
    let views: Vec<(String, TensorView)> =
        bytes.iter().map(|(k, s, b, d)| (k.clone(), TensorView::new(*d, s.clone(), b).unwrap())).collect();
    safetensors::serialize_to_file(views, None, path).unwrap();
}

/// Checks every tensor of `model` equals the state entry for its PyTorch key.
fn assert_loaded(model: &Dla34<B>, state: &BTreeMap<String, (Vec<usize>, Vec<f32>)>, skip: &[&str]) {
    let mut checked = 0;
    for snap in model.collect(None, None, true) {
        let key = torch_key(&snap.full_path());
        if skip.iter().any(|s| key.starts_with(s)) {
            continue;
        }
        let (_, want) = &state[&key];
        let got: Vec<f32> = snap.to_data().unwrap().to_vec().unwrap();
        assert_eq!(&got, want, "{key}");
        checked += 1;
    }
    assert!(checked > 50, "only {checked} tensors checked");
}

fn bn_counters(state: &BTreeMap<String, (Vec<usize>, Vec<f32>)>) -> Vec<String> {
    state.keys().filter_map(|k| k.strip_suffix(".running_mean").map(|p| format!("{p}.num_batches_tracked"))).collect()
}

#[test]
fn key_names_follow_the_pytorch_layout() {
    let device = Default::default();
    let keys: Vec<String> = torch_state(&narrow(&device)).into_keys().collect();
    for k in [
        "base_layer.0.weight",
        "base_layer.1.running_var",
        "level1.1.bias",
        "level2.project.0.weight",
        "level2.tree1.bn1.weight",
        "level2.root.conv.weight",
        "level3.project.1.weight",
        "level3.tree1.project.0.weight",
        "level3.tree2.root.bn.running_mean",
        "level5.tree2.conv2.weight",
    ] {
        assert!(keys.iter().any(|x| x == k), "{k} not among {keys:?}");
    }
}

#[test]
fn ucbdrive_layout_imports_completely() {
    let device = Default::default();
    let dir = std::env::temp_dir().join(format!("dla34-import-ucb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut state = torch_state(&narrow(&device));
    let counters = bn_counters(&state);
    state.insert("fc.weight".into(), (vec![10, 48, 1, 1], vec![0.1; 480]));
    state.insert("fc.bias".into(), (vec![10], vec![0.0; 10]));
    let path = dir.join("ucb.safetensors");
    write_safetensors(&path, &state, &counters);

    let mut model = narrow(&device);
    let report = import_dla34(&mut model, &path, CheckpointLayout::Ucbdrive, None).unwrap();
    assert!(report.is_clean(), "{report}");
    assert!(report.missing_expected.is_empty(), "{report}");
    assert_eq!(report.unused_expected.len(), 2 + counters.len(), "{report}");
    assert_eq!(report.applied, model.collect(None, None, true).len());
    assert_loaded(&model, &state, &[]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn timm_layout_lacks_only_the_dead_projections() {
    let device = Default::default();
    let dir = std::env::temp_dir().join(format!("dla34-import-timm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut state = torch_state(&narrow(&device));
    state.retain(|k, _| !k.starts_with("level3.project.") && !k.starts_with("level4.project."));
    state.insert("fc.weight".into(), (vec![10, 48, 1, 1], vec![0.1; 480]));
    state.insert("fc.bias".into(), (vec![10], vec![0.0; 10]));
    let path = dir.join("timm.safetensors");
    write_safetensors(&path, &state, &[]);

    let mut model = narrow(&device);
    let report = import_dla34(&mut model, &path, CheckpointLayout::Timm, None).unwrap();
    assert!(report.is_clean(), "{report}");
    // conv weight + gamma, beta, running mean, running var, for each of the two projections.
    assert_eq!(report.missing_expected.len(), 10, "{report}");
    assert!(report.missing_expected.iter().all(|k| k.starts_with("level3.project.") || k.starts_with("level4.project.")));
    assert_loaded(&model, &state, &["level3.project.", "level4.project."]);

    // The same file read as ucbdrive reports the projections as unexpectedly missing.
    let mut model = narrow(&device);
    let report = import_dla34(&mut model, &path, CheckpointLayout::Ucbdrive, None).unwrap();
    assert_eq!(report.missing_unexpected.len(), 10, "{report}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn wrong_shapes_and_foreign_files_are_errors_naming_file_and_key() {
    let device = Default::default();
    let dir = std::env::temp_dir().join(format!("dla34-import-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let mut state = torch_state(&narrow(&device));
    state.insert("level2.tree1.conv1.weight".into(), (vec![2, 2, 3, 3], vec![0.0; 36]));
    let path = dir.join("bad.safetensors");
    write_safetensors(&path, &state, &[]);
    let err = import_dla34(&mut narrow(&device), &path, CheckpointLayout::Ucbdrive, None).unwrap_err();
    assert!(matches!(&err, WeightsError::Tensor { key, .. } if key == "level2.tree1.conv1.weight"), "{err}");
    assert!(err.to_string().contains("bad.safetensors"), "{err}");

    let mut other = BTreeMap::new();
    other.insert("encoder.layer.weight".to_string(), (vec![2], vec![1.0, 2.0]));
    let path = dir.join("other.safetensors");
    write_safetensors(&path, &other, &[]);
    let err = import_dla34(&mut narrow(&device), &path, CheckpointLayout::Timm, None).unwrap_err();
    assert!(matches!(err, WeightsError::NothingApplied { .. }), "{err}");

    let path = dir.join("garbage.pth");
    std::fs::write(&path, b"not a checkpoint").unwrap();
    let err = import_dla34(&mut narrow(&device), &path, CheckpointLayout::Timm, None).unwrap_err();
    assert!(matches!(err, WeightsError::Read { .. }), "{err}");
    let err = import_dla34(&mut narrow(&device), &dir.join("x.onnx"), CheckpointLayout::Timm, None).unwrap_err();
    assert!(matches!(err, WeightsError::Format { .. }), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn own_checkpoints_round_trip() {
    let device = Default::default();
    let dir = std::env::temp_dir().join(format!("dla34-bpk-{}", std::process::id()));
    let path = dir.join("sub/model.bpk");
    let a = narrow(&device);
    save_checkpoint(&a, &path).unwrap();
    let mut b = narrow(&device);
    let missing = load_checkpoint(&mut b, &path, false).unwrap();
    assert!(missing.is_empty());
    let x = Tensor::<B, 4>::random([1, 3, 64, 64], burn::tensor::Distribution::Normal(0.0, 1.0), &device);
    let (fa, fb) = (a.forward(x.clone()), b.forward(x));
    let diff: f32 = (fa.level5 - fb.level5).abs().max().into_scalar();
    assert_eq!(diff, 0.0);
    let err = load_checkpoint(&mut b, &dir.join("absent.bpk"), false).unwrap_err();
    assert!(err.to_string().contains("absent.bpk"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
