//! Shared by the `export_step` example and `tests/torch_step.rs`: the config of the PyTorch training-step
//! parity check, module paths of every parameter (burn's module tree, enum variant names left out), loading
//! values into a model by path, and reading/writing the safetensors files under `tests/data/`.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use hvisnet::ModelConfig;
use safetensors::{Dtype, SafeTensors};

/// The network of the parity check: `ModelConfig::narrow(16)` with DLA widths `[4, 6, 8, 12, 16, 24]`
/// (every level changes width, as in DLA-34, so every projection exists; a quarter of narrow's
/// parameters keeps the committed files small), the identity classifier on (3 identities, so the
/// classifier's input scale √2·ln 2 ≠ 1 is exercised) and the semantic head on.
pub fn config() -> ModelConfig {
    let mut config = ModelConfig::narrow(16);
    config.backbone.dla.channels = [4, 6, 8, 12, 16, 24];
    config.id.num_identities = 3;
    config.blendmask.basis.loss_on = true;
    config
}

/// The committed reference files.
pub fn data_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// One tensor of a safetensors file, widened to host vectors.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Floating-point values (F32 or F64 in the file).
    F(Vec<f64>),
    /// Integer values (U8, I32 or I64 in the file).
    I(Vec<i64>),
}

/// A named host tensor with its shape and the dtype it is written with.
#[derive(Debug, Clone)]
pub struct HostTensor {
    /// Shape.
    pub shape: Vec<usize>,
    /// Storage type in the file.
    pub dtype: Dtype,
    /// Values.
    pub values: Values,
}

impl HostTensor {
    /// F32 tensor.
    pub fn f32(shape: Vec<usize>, v: &[f32]) -> Self {
        Self { shape, dtype: Dtype::F32, values: Values::F(v.iter().map(|&x| x as f64).collect()) }
    }
    /// Integer tensor stored as `dtype` (U8, I32 or I64).
    pub fn int(shape: Vec<usize>, v: impl IntoIterator<Item = i64>, dtype: Dtype) -> Self {
        Self { shape, dtype, values: Values::I(v.into_iter().collect()) }
    }
    /// Values as f32 (floats are rounded, integers converted).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.values {
            Values::F(v) => v.iter().map(|&x| x as f32).collect(),
            Values::I(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }
    /// Values as f64.
    pub fn to_f64(&self) -> Vec<f64> {
        match &self.values {
            Values::F(v) => v.clone(),
            Values::I(v) => v.iter().map(|&x| x as f64).collect(),
        }
    }
    /// Integer values (panics on a float tensor).
    pub fn to_i64(&self) -> Vec<i64> {
        match &self.values {
            Values::I(v) => v.clone(),
            Values::F(_) => panic!("expected an integer tensor"),
        }
    }
    fn bytes(&self) -> Vec<u8> {
        match (&self.values, self.dtype) {
            (Values::F(v), Dtype::F32) => v.iter().flat_map(|&x| (x as f32).to_le_bytes()).collect(),
            (Values::F(v), Dtype::F64) => v.iter().flat_map(|&x| x.to_le_bytes()).collect(),
            (Values::I(v), Dtype::U8) => v.iter().map(|&x| u8::try_from(x).expect("u8 value")).collect(),
            (Values::I(v), Dtype::I32) => v.iter().flat_map(|&x| (x as i32).to_le_bytes()).collect(),
            (Values::I(v), Dtype::I64) => v.iter().flat_map(|&x| x.to_le_bytes()).collect(),
            (_, d) => panic!("unsupported dtype {d:?}"),
        }
    }
}

/// Writes `tensors` (sorted by name) with string `metadata` to `path`.
pub fn write_safetensors(path: &Path, tensors: &BTreeMap<String, HostTensor>, metadata: HashMap<String, String>) {
    let bytes: Vec<(String, Vec<u8>)> = tensors.iter().map(|(k, t)| (k.clone(), t.bytes())).collect();
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = tensors
        .iter()
        .zip(&bytes)
        .map(|((k, t), (_, b))| (k.clone(), safetensors::tensor::TensorView::new(t.dtype, t.shape.clone(), b).expect("tensor view")))
        .collect();
    let meta = if metadata.is_empty() { None } else { Some(metadata) };
    safetensors::serialize_to_file(views, meta, path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Adds our sampler's targets of a batch (`targets.*`: `[n, locations]`, `ltrb` `[n, locations, 4]`), the keys
/// `tools/torch_parity/train_step_reference.py` reads.
pub fn insert_targets(t: &mut BTreeMap<String, HostTensor>, targets: &[sampler::Targets]) {
    let (n, l) = (targets.len(), targets[0].len());
    let cat_i = |f: &dyn Fn(&sampler::Targets) -> Vec<i64>| targets.iter().flat_map(f).collect::<Vec<i64>>();
    let cat_f = |f: &dyn Fn(&sampler::Targets) -> Vec<f32>| targets.iter().flat_map(f).collect::<Vec<f32>>();
    t.insert("targets.labels".into(), HostTensor::int(vec![n, l], cat_i(&|t| t.labels.iter().map(|&v| v as i64).collect()), Dtype::I32));
    t.insert("targets.matched".into(), HostTensor::int(vec![n, l], cat_i(&|t| t.matched.iter().map(|&v| v as i64).collect()), Dtype::I32));
    t.insert("targets.claims".into(), HostTensor::int(vec![n, l], cat_i(&|t| t.claims.iter().map(|&v| v as i64).collect()), Dtype::U8));
    t.insert("targets.emb_matched".into(), HostTensor::int(vec![n, l], cat_i(&|t| t.emb_matched.iter().map(|&v| v as i64).collect()), Dtype::I32));
    t.insert("targets.emb_identity".into(), HostTensor::int(vec![n, l], cat_i(&|t| t.emb_identity.clone()), Dtype::I64));
    t.insert("targets.ltrb".into(), HostTensor::f32(vec![n, l, 4], &cat_f(&|t| t.ltrb.clone())));
    t.insert("targets.centerness".into(), HostTensor::f32(vec![n, l], &cat_f(&|t| t.centerness.clone())));
}

/// Reads every tensor of a safetensors file and its string metadata.
pub fn read_safetensors(path: &Path) -> (BTreeMap<String, HostTensor>, HashMap<String, String>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let st = SafeTensors::deserialize(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (_, meta) = SafeTensors::read_metadata(&bytes).unwrap();
    let mut out = BTreeMap::new();
    for (name, view) in st.iter() {
        let d = view.data();
        let values = match view.dtype() {
            Dtype::F32 => Values::F(d.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap()) as f64).collect()),
            Dtype::F64 => Values::F(d.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap())).collect()),
            Dtype::U8 => Values::I(d.iter().map(|&b| b as i64).collect()),
            Dtype::I32 => Values::I(d.chunks_exact(4).map(|b| i32::from_le_bytes(b.try_into().unwrap()) as i64).collect()),
            Dtype::I64 => Values::I(d.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect()),
            other => panic!("{}: tensor {name}: unsupported dtype {other:?}", path.display()),
        };
        out.insert(name.to_string(), HostTensor { shape: view.shape().to_vec(), dtype: view.dtype(), values });
    }
    (out, meta.metadata().clone().unwrap_or_default())
}

/// Path stack of a module walk; enum variant names (our `Norm` enum) are left out, as burn-store's
/// `skip_enum_variants` does.
#[derive(Default)]
struct PathStack(Vec<String>);

impl PathStack {
    fn enter(&mut self, name: &str, container: &str) {
        self.0.push(if container.starts_with("Enum:") { String::new() } else { name.to_string() });
    }
    fn exit(&mut self) {
        self.0.pop();
    }
    fn path(&self) -> String {
        self.0.iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(".")
    }
}

/// One float tensor of a module: its id, path, shape and values. Running statistics of batch norms are
/// listed too (they have no gradient).
pub struct Entry {
    /// Parameter id (for gradient lookup).
    pub id: ParamId,
    /// Module path, e.g. `backbone.body.level2.tree1.conv1.weight`.
    pub path: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Values.
    pub values: Vec<f32>,
}

/// Collects every float tensor of a module with its path.
#[derive(Default)]
pub struct Collect {
    stack: PathStack,
    /// The tensors in visiting order.
    pub entries: Vec<Entry>,
}

impl<B: Backend> ModuleVisitor<B> for Collect {
    fn enter_module(&mut self, name: &str, container: &str) {
        self.stack.enter(name, container);
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.stack.exit();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let t = param.val();
        let shape = t.dims().to_vec();
        let values = t.into_data().convert::<f32>().to_vec().unwrap();
        self.entries.push(Entry { id: param.id, path: self.stack.path(), shape, values });
    }
}

/// Replaces every float tensor of a module by the value of the same path in `values`; records the paths
/// it found no value for in `missing`.
pub struct Load<'a> {
    stack: PathStack,
    values: &'a BTreeMap<String, HostTensor>,
    /// Paths of the module that `values` lacks.
    pub missing: Vec<String>,
    /// Paths whose shape differs.
    pub mismatched: Vec<String>,
    /// Paths loaded.
    pub loaded: Vec<String>,
}

impl<'a> Load<'a> {
    /// A loader reading from `values`.
    pub fn new(values: &'a BTreeMap<String, HostTensor>) -> Self {
        Self { stack: PathStack::default(), values, missing: Vec::new(), mismatched: Vec::new(), loaded: Vec::new() }
    }
}

impl<B: Backend> ModuleMapper<B> for Load<'_> {
    fn enter_module(&mut self, name: &str, container: &str) {
        self.stack.enter(name, container);
    }
    fn exit_module(&mut self, _: &str, _: &str) {
        self.stack.exit();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let path = self.stack.path();
        let Some(t) = self.values.get(&path) else {
            self.missing.push(path);
            return param;
        };
        let dims = param.val().dims();
        if t.shape != dims.to_vec() {
            self.mismatched.push(format!("{path}: model {dims:?}, file {:?}", t.shape));
            return param;
        }
        self.loaded.push(path);
        let data = TensorData::new(t.to_f32(), dims);
        param.map(|old| {
            let rg = old.is_require_grad();
            Tensor::from_data(data, &old.device()).set_require_grad(rg)
        })
    }
}
