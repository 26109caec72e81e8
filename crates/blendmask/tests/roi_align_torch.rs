//! Parity with torchvision `roi_align` (aligned and legacy, fixed and adaptive sampling) on seeded random
//! inputs produced by tools/torch_parity/roi_align_parity.py. Skips with a note when the torch virtualenv
//! (`.venv-torch`, or `$HVIS_TORCH_PYTHON`) is absent; CI has no torch.

use std::path::PathBuf;
use std::process::Command;

use blendmask::{roi_align, Roi, RoiAlignConfig};
use burn::backend::Flex;
use burn::tensor::{Tensor, TensorData};

type B = Flex;

fn torch_python() -> Option<PathBuf> {
    let p = std::env::var_os("HVIS_TORCH_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| testkit::workspace_root().join(".venv-torch/bin/python"));
    let ok = p.exists()
        && Command::new(&p).args(["-c", "import torch, torchvision"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skip: torch + torchvision interpreter {} not available (create .venv-torch)", p.display());
        return None;
    }
    Some(p)
}

#[test]
fn matches_torchvision_roi_align() {
    let Some(py) = torch_python() else { return };
    let script = testkit::workspace_root().join("tools/torch_parity/roi_align_parity.py");
    let out = std::env::temp_dir().join(format!("roi_align_parity_{}.json", std::process::id()));
    let status = Command::new(&py).arg(&script).arg(&out).arg("0").status().expect("run parity script");
    assert!(status.success(), "{} failed", script.display());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let _ = std::fs::remove_file(&out);
    let dev = Default::default();
    for case in json["cases"].as_array().unwrap() {
        let f32s = |k: &str| case[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect::<Vec<_>>();
        let shape: Vec<usize> = case["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let shape = [shape[0], shape[1], shape[2], shape[3]];
        let rois: Vec<Roi> = case["rois"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let r: Vec<f32> = r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
                Roi { batch: r[0] as usize, bbox: [r[1], r[2], r[3], r[4]] }
            })
            .collect();
        let os: Vec<usize> = case["output_size"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let cfg = RoiAlignConfig {
            output: (os[0], os[1]),
            spatial_scale: case["spatial_scale"].as_f64().unwrap() as f32,
            sampling_ratio: case["sampling_ratio"].as_i64().unwrap() as i32,
            aligned: case["aligned"].as_bool().unwrap(),
        };
        let feat = Tensor::<B, 4>::from_data(TensorData::new(f32s("features"), shape), &dev);
        let got: Vec<f32> = roi_align(feat, &rois, &cfg).unwrap().into_data().to_vec().unwrap();
        let want = f32s("output");
        assert_eq!(got.len(), want.len());
        let max_abs = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        let max_ref = want.iter().map(|v| v.abs()).fold(0.0f32, f32::max);
        println!(
            "torchvision {} parity {}: {} values, max |ours - torchvision| = {max_abs:.2e} (max |ref| {max_ref:.2})",
            json["torch"], case["name"], want.len()
        );
        assert!(max_abs < 1e-5, "case {}: max abs error {max_abs}", case["name"]);
    }
}
