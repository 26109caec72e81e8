//! The `trainer` command line: config printing, shorthand, exit codes.

use std::process::Command;

fn trainer() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trainer"));
    c.current_dir(testkit::workspace_root());
    c
}

#[test]
fn config_print_applies_overrides() {
    let out = trainer()
        .args(["config", "print", "configs/hvisnet.toml", "--set", "solver.base_lr=0.005"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let table: toml::Table = toml::from_str(&text).expect("prints valid TOML");
    assert_eq!(table["solver"]["base_lr"].as_float(), Some(0.005));
    assert_eq!(table["model"]["sampling"]["center"].as_str(), Some("inner"));
}

#[test]
fn a_misspelt_override_exits_non_zero_naming_it() {
    let out = trainer()
        .args(["config", "print", "configs/hvisnet.toml", "--set", "solver.bse_lr=0.005"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("solver.bse_lr") && err.contains("did you mean `base_lr`"), "{err}");
}

#[test]
fn a_toml_argument_is_shorthand_for_train() {
    let out = trainer().args(["configs/hvisnet.toml", "--set", "solver.nope=1"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("solver.nope"), "the shorthand reached `train` and its config loading: {err}");
}
