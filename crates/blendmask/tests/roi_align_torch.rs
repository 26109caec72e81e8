//! Parity with torchvision `roi_align` (aligned and legacy, fixed and adaptive sampling), forward and backward,
//! on seeded random inputs: `tests/data/roi_align_torchvision.json`, written by
//! tools/torch_parity/roi_align_parity.py (float64 torchvision on float32-rounded inputs). Runs without PyTorch.

use blendmask::{roi_align, Roi, RoiAlignConfig};
use burn::backend::{Autodiff, Flex};
use burn::tensor::{Tensor, TensorData};

type B = Autodiff<Flex>;

/// max |a − b| and max |b|.
fn max_diff(got: &[f32], want: &[f32]) -> (f32, f32) {
    assert_eq!(got.len(), want.len());
    let diff = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    (diff, want.iter().map(|v| v.abs()).fold(0.0f32, f32::max))
}

#[test]
fn matches_torchvision_roi_align() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/roi_align_torchvision.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let dev = Default::default();
    let cases = json["cases"].as_array().unwrap();
    assert!(cases.len() >= 3, "{}: {} cases", path.display(), cases.len());
    for case in cases {
        let f32s = |k: &str| case[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect::<Vec<_>>();
        let usizes = |k: &str| case[k].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect::<Vec<_>>();
        let shape = usizes("shape");
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
        let os = usizes("output_size");
        let cfg = RoiAlignConfig {
            output: (os[0], os[1]),
            spatial_scale: case["spatial_scale"].as_f64().unwrap() as f32,
            sampling_ratio: case["sampling_ratio"].as_i64().unwrap() as i32,
            aligned: case["aligned"].as_bool().unwrap(),
        };
        let feat = Tensor::<B, 4>::from_data(TensorData::new(f32s("features"), shape), &dev).require_grad();
        let out = roi_align(feat.clone(), &rois, &cfg).unwrap();
        let dims = out.dims();
        let numel = dims.iter().product::<usize>();
        // The script's upstream gradient G[i] = sin(0.1·i + 1) over the flat output index.
        let g: Vec<f32> = (0..numel).map(|i| (0.1 * i as f64 + 1.0).sin() as f32).collect();
        let g = Tensor::<B, 4>::from_data(TensorData::new(g, dims), &dev);
        let grads = (out.clone() * g).sum().backward();
        let got: Vec<f32> = out.into_data().to_vec().unwrap();
        let grad: Vec<f32> = feat.grad(&grads).expect("feature gradient").into_data().to_vec().unwrap();

        let (diff, scale) = max_diff(&got, &f32s("output"));
        let (gdiff, gscale) = max_diff(&grad, &f32s("grad_features"));
        println!(
            "torchvision {} {}: {} outputs, max |ours − torchvision| {diff:.2e} (max |ref| {scale:.2}); feature gradient {gdiff:.2e} (max |ref| {gscale:.2})",
            json["torchvision"], case["name"], got.len()
        );
        assert!(diff < 1e-5, "case {}: max abs error {diff}", case["name"]);
        assert!(gdiff <= 1e-5 * gscale.max(1.0), "case {}: gradient max abs error {gdiff}", case["name"]);
    }
}
