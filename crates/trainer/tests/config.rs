//! The experiment-config system: inheritance order, override typing, strictness, cycles, the shipped configs.

use std::path::{Path, PathBuf};

use trainer::config::{self, CenterStrategy, ConfigError};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn configs_dir() -> PathBuf {
    testkit::workspace_root().join("configs")
}

#[test]
fn bases_merge_left_to_right_then_the_file() {
    let d = testkit::temp_dir("cfg-order");
    write(&d, "_base/a.toml", "seed = 1\n[solver]\nbase_lr = 0.1\nepochs = 5\nlr_steps = [1, 2]\n");
    write(&d, "_base/b.toml", "seed = 2\n[solver]\nbase_lr = 0.2\n");
    let top = write(&d, "exp.toml", "base = [\"_base/a.toml\", \"_base/b.toml\"]\n[solver]\nmomentum = 0.5\n");
    let r = config::load(&top, &[]).unwrap();
    assert_eq!(r.config.seed, 2, "the later base wins");
    assert_eq!(r.config.solver.base_lr, 0.2);
    assert_eq!(r.config.solver.epochs, 5, "tables merge: keys of the first base survive");
    assert_eq!(r.config.solver.momentum, 0.5, "the file itself wins over its bases");
    assert_eq!(r.config.solver.weight_decay, 1e-4, "untouched keys keep their defaults");
}

#[test]
fn arrays_replace_rather_than_concatenate() {
    let d = testkit::temp_dir("cfg-arrays");
    write(&d, "a.toml", "[solver]\nlr_steps = [8, 11]\n");
    let top = write(&d, "b.toml", "base = \"a.toml\"\n[solver]\nlr_steps = [3]\n");
    assert_eq!(config::load(&top, &[]).unwrap().config.solver.lr_steps, vec![3]);
}

#[test]
fn nested_bases_resolve_relative_to_their_own_file() {
    let d = testkit::temp_dir("cfg-nested");
    write(&d, "x/deep/root.toml", "output_dir = \"from-root\"\n");
    write(&d, "x/mid.toml", "base = [\"deep/root.toml\"]\nseed = 7\n");
    let top = write(&d, "top.toml", "base = [\"x/mid.toml\"]\n");
    let r = config::load(&top, &[]).unwrap();
    assert_eq!((r.config.output_dir.as_str(), r.config.seed), ("from-root", 7));
}

#[test]
fn overrides_are_typed_as_toml_values() {
    let d = testkit::temp_dir("cfg-over");
    let top = write(&d, "e.toml", "");
    let sets = [
        "solver.base_lr=0.005",
        "solver.lr_steps=[3, 4]",
        "model.sampling.center=\"centroid\"",
        "model.sampling.eliminate_ambiguous={seg = false}",
        "seed=9",
        "output_dir=runs/a",
    ]
    .map(String::from);
    let c = config::load(&top, &sets).unwrap().config;
    assert_eq!(c.solver.base_lr, 0.005);
    assert_eq!(c.solver.lr_steps, vec![3, 4]);
    assert_eq!(c.model.sampling.center, CenterStrategy::Centroid);
    assert!(!c.model.sampling.eliminate_ambiguous.seg);
    assert!(c.model.sampling.eliminate_ambiguous.emb, "an inline table merges like a file table");
    assert_eq!(c.seed, 9);
    assert_eq!(c.output_dir, "runs/a", "a bare word is a string");
    // What a shell leaves of `model.sampling.center="inner"`.
    let c = config::load(&top, &["model.sampling.center=bbox".into()]).unwrap().config;
    assert_eq!(c.model.sampling.center, CenterStrategy::Bbox);
}

#[test]
fn an_override_of_the_wrong_type_names_the_key_and_the_override() {
    let d = testkit::temp_dir("cfg-type");
    let top = write(&d, "e.toml", "");
    let err = config::load(&top, &["solver.epochs=\"twelve\"".into()]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::BadValue { .. }), "{msg}");
    assert!(msg.contains("solver.epochs") && msg.contains("--set solver.epochs=\"twelve\""), "{msg}");
}

#[test]
fn unknown_keys_name_the_path_the_file_and_a_close_match() {
    let d = testkit::temp_dir("cfg-unknown");
    write(&d, "base.toml", "[model.sampling]\ncentre = \"inner\"\n");
    let top = write(&d, "e.toml", "base = [\"base.toml\"]\n");
    let err = config::load(&top, &[]).unwrap_err();
    match &err {
        ConfigError::UnknownKey { origin, path, hint } => {
            assert_eq!(path, "model.sampling.centre");
            assert!(origin.ends_with("base.toml"), "names the file that wrote it: {origin}");
            assert_eq!(hint.as_deref(), Some("center"));
        }
        other => panic!("expected UnknownKey, got {other}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("did you mean `center`"), "{shown}");
}

#[test]
fn unknown_override_paths_are_errors() {
    let d = testkit::temp_dir("cfg-unknown-set");
    let top = write(&d, "e.toml", "");
    let err = config::load(&top, &["solver.base_rl=0.1".into()]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::UnknownKey { .. }), "{msg}");
    assert!(msg.contains("solver.base_rl") && msg.contains("--set") && msg.contains("base_lr"), "{msg}");
    let err = config::load(&top, &["nosuch.section.key=1".into()]).unwrap_err();
    assert!(err.to_string().contains("nosuch"), "{err}");
    let with_seed = write(&d, "seeded.toml", "seed = 3\n");
    let err = config::load(&with_seed, &["seed.x=1".into()]).unwrap_err();
    assert!(matches!(err, ConfigError::BadOverride { .. }), "a scalar is not a table: {err}");
    let err = config::load(&top, &["seed.x=1".into()]).unwrap_err();
    assert!(err.to_string().contains("`seed`") && err.to_string().contains("--set seed.x=1"), "{err}");
    for bad in ["noequals", "=3", "a..b=1", "solver.base_lr="] {
        assert!(matches!(config::load(&top, &[bad.into()]), Err(ConfigError::BadOverride { .. })), "{bad}");
    }
}

#[test]
fn a_partly_written_table_keeps_the_defaults_of_its_other_keys() {
    let d = testkit::temp_dir("cfg-partial");
    let top = write(&d, "e.toml", "[model.sampling.eliminate_ambiguous]\nseg = false\n");
    let s = config::load(&top, &[]).unwrap().config.model.sampling;
    assert!(!s.eliminate_ambiguous.seg);
    assert!(s.eliminate_ambiguous.emb, "the unwritten key keeps the paper's default");
    assert_eq!(s.radius, 1.5);
    let half = write(&d, "half.toml", "[data.train]\nname = \"synth\"\n");
    let msg = config::load(&half, &[]).unwrap_err().to_string();
    assert!(msg.contains("data.train") && msg.contains("root"), "a dataset needs name, root and split: {msg}");
}

#[test]
fn misspelt_enum_values_suggest_the_right_one() {
    let d = testkit::temp_dir("cfg-variant");
    let top = write(&d, "e.toml", "[model.sampling]\ncenter = \"iner\"\n");
    let msg = config::load(&top, &[]).unwrap_err().to_string();
    assert!(msg.contains("model.sampling.center") && msg.contains("did you mean `inner`"), "{msg}");
    assert!(msg.contains("e.toml"), "{msg}");
    let top = write(&d, "o.toml", "[solver]\noptimizer = \"adamm\"\n");
    let msg = config::load(&top, &[]).unwrap_err().to_string();
    assert!(msg.contains("solver.optimizer") && msg.contains("did you mean `adam`"), "{msg}");
}

#[test]
fn inheritance_cycles_are_detected_and_shown() {
    let d = testkit::temp_dir("cfg-cycle");
    write(&d, "a.toml", "base = [\"b.toml\"]\n");
    write(&d, "b.toml", "base = [\"c.toml\"]\n");
    write(&d, "c.toml", "base = [\"a.toml\"]\n");
    let err = config::load(&d.join("a.toml"), &[]).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::Cycle { .. }), "{msg}");
    assert!(msg.contains("a.toml -> ") && msg.contains("b.toml") && msg.contains("c.toml"), "{msg}");
    let self_ref = write(&d, "self.toml", "base = \"self.toml\"\n");
    assert!(matches!(config::load(&self_ref, &[]), Err(ConfigError::Cycle { .. })));
}

#[test]
fn a_diamond_is_not_a_cycle() {
    let d = testkit::temp_dir("cfg-diamond");
    write(&d, "root.toml", "seed = 3\n");
    write(&d, "l.toml", "base = \"root.toml\"\n");
    write(&d, "r.toml", "base = \"root.toml\"\n");
    let top = write(&d, "top.toml", "base = [\"l.toml\", \"r.toml\"]\n");
    assert_eq!(config::load(&top, &[]).unwrap().config.seed, 3);
}

#[test]
fn missing_files_and_bad_toml_name_the_file() {
    let d = testkit::temp_dir("cfg-missing");
    let top = write(&d, "e.toml", "base = [\"nope.toml\"]\n");
    let msg = config::load(&top, &[]).unwrap_err().to_string();
    assert!(msg.contains("nope.toml"), "{msg}");
    let broken = write(&d, "broken.toml", "[solver\nbase_lr = 1\n");
    let msg = config::load(&broken, &[]).unwrap_err().to_string();
    assert!(msg.contains("broken.toml") && msg.contains("invalid TOML"), "{msg}");
}

#[test]
fn cross_key_rules_are_checked() {
    let d = testkit::temp_dir("cfg-rules");
    let top = write(&d, "e.toml", "");
    for (set, needle) in [
        ("device=\"gpu\"", "device"),
        ("solver.lr_steps=[11, 8]", "solver.lr_steps"),
        ("model.fcos.sizes_of_interest=[64.0]", "sizes_of_interest"),
        ("model.sampling.mix={from = \"bbox\", fraction = 1.5}", "mix.fraction"),
        ("solver.adam_betas=[0.9, 1.0]", "solver.adam_betas"),
    ] {
        let msg = config::load(&top, &[set.into()]).unwrap_err().to_string();
        assert!(msg.contains(needle), "{set}: {msg}");
    }
}

#[test]
fn the_resolved_config_round_trips() {
    let r = config::load(&configs_dir().join("quickstart.toml"), &[]).unwrap();
    let text = r.to_toml_string();
    let d = testkit::temp_dir("cfg-roundtrip");
    let again = config::load(&write(&d, "resolved.toml", &text), &[]).unwrap();
    assert_eq!(again.config, r.config);
}

#[test]
fn the_shipped_configs_hold_the_paper_setting() {
    let c = config::load(&configs_dir().join("hvisnet.toml"), &[]).unwrap().config;
    assert_eq!(c.model.backbone.name, "dla34");
    assert_eq!(c.model.sampling.center, CenterStrategy::Inner);
    assert!(c.model.sampling.eliminate_ambiguous.seg && c.model.sampling.eliminate_ambiguous.emb);
    assert_eq!((c.solver.epochs, c.solver.base_lr, c.solver.lr_steps.clone()), (12, 0.01, vec![8, 11]));
    assert_eq!(c.data.augment.min_size_test, 512);
    assert_eq!(c.data.train.name, "hvis");
    assert_eq!(c.device, "cuda:0");
    let q = config::load(&configs_dir().join("quickstart.toml"), &[]).unwrap().config;
    assert_eq!((q.device.as_str(), q.data.train.name.as_str()), ("cpu", "synth"));
    assert_eq!(q.model.sampling.center, CenterStrategy::Inner, "quickstart inherits the paper's sampling");
    for entry in std::fs::read_dir(configs_dir()).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            config::load(&p, &[]).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
}
