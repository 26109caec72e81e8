//! `model.backbone.weights`: a `trainer weights import` file (DLA-34 body in our layout) initialises the body of
//! the network `trainer train` builds; the rest keeps its own init; a file of another width is refused naming it.

use burn::backend::Flex;
use burn::module::Module;
use burn::prelude::*;
use trainer::config::{self, ExperimentConfig};
use trainer::training::network::{init_backbone, model_config};

fn experiment(dir: &std::path::Path, width: f32, weights: &str) -> ExperimentConfig {
    let path = dir.join("e.toml");
    let configs = testkit::workspace_root().join("configs");
    let text = format!(
        "base = [\"{}/quickstart.toml\"]\n[model.backbone]\nwidth = {width}\nweights = \"{weights}\"\n[model.fpn]\nchannels = 16\n",
        configs.display()
    );
    std::fs::write(&path, text).unwrap();
    config::load(&path, &[]).unwrap().config
}

fn network(c: &ExperimentConfig, seed: u64) -> hvisnet::Hvisnet<Flex> {
    let device = Default::default();
    Flex::seed(&device, seed);
    hvisnet::Hvisnet::new(&model_config(c, 4).unwrap(), &device).unwrap()
}

fn values<M: Module<Flex>>(m: &M) -> Vec<f32> {
    struct Collect(Vec<f32>);
    impl burn::module::ModuleVisitor<Flex> for Collect {
        fn visit_float<const D: usize>(&mut self, p: &burn::module::Param<Tensor<Flex, D>>) {
            self.0.extend(p.val().into_data().to_vec::<f32>().unwrap());
        }
    }
    let mut c = Collect(Vec::new());
    m.visit(&mut c);
    c.0
}

#[test]
fn imported_weights_initialise_the_body_only_and_a_wrong_width_is_refused() {
    let dir = testkit::temp_dir("backbone-weights");
    let file = dir.join("dla34_w025.bpk");
    // The "ImageNet" body: a network of the same width built with another seed, saved as `weights import` does.
    let plain = experiment(&dir, 0.25, "");
    let source = network(&plain, 11);
    dla34::weights::save_checkpoint(&source.backbone.body, &file).unwrap();

    let with = experiment(&dir, 0.25, &file.display().to_string());
    let fresh = network(&with, 22);
    let before_fpn = values(&fresh.backbone.fpn);
    let (loaded, line) = init_backbone(fresh, &with).unwrap();
    assert!(line.unwrap().contains("dla34_w025.bpk"));
    assert_eq!(values(&loaded.backbone.body), values(&source.backbone.body), "body not taken from the file");
    assert_eq!(values(&loaded.backbone.fpn), before_fpn, "the FPN must keep its own init");
    assert_ne!(values(&loaded.backbone.body), values(&network(&with, 22).backbone.body), "seeds 11 and 22 gave the same body");

    // Empty key: random init, nothing loaded.
    let (_, none) = init_backbone(network(&plain, 22), &plain).unwrap();
    assert!(none.is_none());

    // Another width: the shapes differ, the error names the key and the file.
    let wide = experiment(&dir, 0.5, &file.display().to_string());
    let err = init_backbone(network(&wide, 1), &wide).err().expect("a width-0.5 body must refuse a width-0.25 file").to_string();
    assert!(err.contains("model.backbone.weights") && err.contains("dla34_w025.bpk"), "{err}");
    // A missing file: named, with the command that writes it.
    let gone = experiment(&dir, 0.25, &dir.join("nope.bpk").display().to_string());
    let err = init_backbone(network(&gone, 1), &gone).err().expect("missing file").to_string();
    assert!(err.contains("nope.bpk") && err.contains("trainer weights import"), "{err}");
}
