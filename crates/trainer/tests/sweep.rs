//! `trainer sweep` and `trainer report`: expansion and folder names, --dry-run, skipping finished runs, resuming
//! interrupted ones, strict experiment files, reports with missing runs, every file in experiments/, and one tiny
//! sweep end to end.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use trainer::cmd::sweep::{Action, plan};
use trainer::experiment::Experiment;

fn trainer(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trainer"));
    c.current_dir(dir);
    c
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvis-sweep-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn quickstart() -> String {
    testkit::workspace_root().join("configs/quickstart.toml").display().to_string()
}

/// Two variants × two seeds over the quickstart config, output under `dir/out`, with a table and a plot.
fn small_experiment(dir: &Path) -> PathBuf {
    let body = format!(
        r#"title = "test"
config = "{qs}"
output_root = "{out}"
[[prepare]]
creates = "{out}/made/val.json"
args = ["data", "synth", "--out", "{out}/made", "--videos", "2", "--frames", "2", "--size", "32"]
[set]
"solver.epochs" = 1
"solver.lr_steps" = []
"data.train.root" = "{out}/no-synth"
"data.val.root" = "{out}/no-synth"
[[variants]]
name = "bbox"
set = {{ "model.sampling.center" = "bbox" }}
[[variants]]
name = "inner"
set = {{ "model.sampling.center" = "inner", "model.sampling.eliminate_ambiguous" = {{ seg = false, emb = true }} }}
[[grid]]
key = "seed"
values = [1, 2]
[table]
[[table.columns]]
name = "AP"
path = "val.segm.AP"
[[table.columns]]
name = "AP_H test"
path = 'tests."ochuman/val".occlusion.AP_H'
undefined = -1.0
[[table.rows]]
name = "box centre"
match = {{ variant = "bbox" }}
paper = {{ AP = 40.3 }}
[[table.rows]]
name = "inner centre"
match = {{ variant = "inner" }}
[plot]
x = "seed"
x_label = "seed"
y = "AP"
series = "variant"
"#,
        qs = quickstart(),
        out = dir.join("out").display()
    );
    let p = dir.join("small.toml");
    std::fs::write(&p, body).unwrap();
    p
}

fn write_results(dir: &Path, ap: f64) {
    std::fs::create_dir_all(dir).unwrap();
    let v = serde_json::json!({"complete": true, "iteration": 64, "epoch": 1, "seconds": 90.5,
        "val": {"split": "synth/val", "segm": {"AP": ap}},
        "tests": {"ochuman/val": {"occlusion": {"AP_H": ap / 2.0}}}});
    std::fs::write(dir.join("results.json"), serde_json::to_string(&v).unwrap()).unwrap();
}

#[test]
fn expansion_crosses_variants_and_grid_and_names_folders_from_labels() {
    let d = scratch("expand");
    let exp = Experiment::load(&small_experiment(&d)).unwrap();
    let runs = exp.runs().unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["bbox__seed-1", "bbox__seed-2", "inner__seed-1", "inner__seed-2"]);
    assert_eq!(runs[3].dir, d.join("out/inner__seed-2"));
    // Common overrides first, then the variant's (tables flattened to dotted keys), then the grid's.
    let o = &runs[3].overrides;
    assert_eq!(o[0], "data.train.root=\"".to_string() + &d.join("out/no-synth").display().to_string() + "\"");
    assert!(o.contains(&"model.sampling.eliminate_ambiguous.seg=false".to_string()), "{o:?}");
    assert_eq!(o.last().unwrap(), "seed=2");
    // The resolved config of a run carries its overrides and its folder.
    let c = exp.resolve(&runs[3]).unwrap();
    assert_eq!(c.seed, 2);
    assert_eq!(c.solver.epochs, 1);
    assert!(!c.model.sampling.eliminate_ambiguous.seg && c.model.sampling.eliminate_ambiguous.emb);
    assert_eq!(c.output_dir, d.join("out/inner__seed-2").display().to_string());
    // Grid labels: explicit labels, floats and tables.
    let f = d.join("labels.toml");
    std::fs::write(
        &f,
        format!(
            "title = \"t\"\nconfig = \"{}\"\n[[grid]]\nkey = \"model.sampling.mix.fraction\"\nname = \"a\"\nvalues = [0.1, 1.0]\n[[grid]]\nkey = \"model.sampling.eliminate_ambiguous\"\nvalues = [{{ seg = true, emb = false }}]\nlabels = [\"seg-only\"]\n",
            quickstart()
        ),
    )
    .unwrap();
    let names: Vec<String> = Experiment::load(&f).unwrap().runs().unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["a-0.1__eliminate_ambiguous-seg-only", "a-1.0__eliminate_ambiguous-seg-only"]);
}

#[test]
fn dry_run_lists_runs_differences_and_commands_without_training() {
    let d = scratch("dry");
    let exp = small_experiment(&d);
    let o = trainer(&d).args(["sweep", exp.to_str().unwrap(), "--dry-run"]).output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("4 runs in"), "{t}");
    assert!(t.contains("prepare: trainer data synth") && t.contains("(to run: creates"), "{t}");
    assert!(t.contains("[1/4] bbox__seed-1  (to start)"), "{t}");
    assert!(t.contains("model.sampling.center: \"inner\" -> \"bbox\""), "{t}");
    assert!(t.contains("seed: 42 -> 1"), "{t}");
    // inner is the quickstart's own centre: only the elimination and the seed differ for that variant.
    let inner = &t[t.find("[3/4] inner__seed-1").unwrap()..];
    assert!(!inner[..inner.find("[4/4]").unwrap()].contains("model.sampling.center: "), "{inner}");
    assert!(inner.contains("model.sampling.eliminate_ambiguous.seg: true -> false"), "{inner}");
    assert!(t.contains("trainer train") && t.contains("--set seed=1"), "{t}");
    assert!(!d.join("out").exists(), "a dry run writes nothing");
}

#[test]
fn finished_runs_are_skipped_and_interrupted_ones_resume() {
    let d = scratch("skip");
    let exp_path = small_experiment(&d);
    let exp = Experiment::load(&exp_path).unwrap();
    let out = d.join("out");
    write_results(&out.join("bbox__seed-1"), 0.5);
    std::fs::create_dir_all(out.join("bbox__seed-2/checkpoints")).unwrap();
    std::fs::write(out.join("bbox__seed-2/checkpoints/last"), "iter_00000004").unwrap();
    // An incomplete results.json (no "complete": true) is not finished.
    std::fs::create_dir_all(out.join("inner__seed-1")).unwrap();
    std::fs::write(out.join("inner__seed-1/results.json"), r#"{"complete": false}"#).unwrap();
    let p = plan(&exp, &[]).unwrap();
    let actions: Vec<Action> = p.iter().map(|p| p.action).collect();
    assert_eq!(actions, [Action::Skip, Action::Resume, Action::Start, Action::Start]);
    assert_eq!(p[1].args.last().unwrap(), "--resume");
    assert!(!p[2].args.contains(&"--resume".to_string()));
    assert_eq!(p[0].args[..2], ["train".to_string(), quickstart()]);
    // --only filters by folder name.
    assert_eq!(plan(&exp, &["inner".into()]).unwrap().len(), 2);
    assert!(plan(&exp, &["nothing-matches".into()]).is_err());
    // All four complete: a real sweep trains nothing and says so.
    for (n, ap) in [("bbox__seed-2", 0.4), ("inner__seed-1", 0.6), ("inner__seed-2", 0.7)] {
        write_results(&out.join(n), ap);
    }
    // A run folder records the config it was made with; the one `trainer train` writes matches.
    let runs = exp.runs().unwrap();
    for r in &runs {
        std::fs::write(r.dir.join("config.resolved.toml"), toml::to_string_pretty(&exp.resolve(r).unwrap()).unwrap()).unwrap();
    }
    let o = trainer(&d).args(["sweep", exp_path.to_str().unwrap()]).output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert_eq!(t.matches("complete, skipped").count(), 4, "{t}");
    assert!(t.contains("4 skipped, 0 trained"), "{t}");
    assert!(d.join("out/made/val.json").exists(), "the prepare step ran");
    // A complete run made with another config (here: another LR) is stale: listed, and a sweep refuses to go on.
    let mut other = exp.resolve(&runs[1]).unwrap();
    other.solver.base_lr = 0.123;
    std::fs::write(runs[1].dir.join("config.resolved.toml"), toml::to_string_pretty(&other).unwrap()).unwrap();
    let p = plan(&exp, &[]).unwrap();
    assert_eq!(p[1].action, Action::Stale);
    assert_eq!(p[1].stale[0].0, "solver.base_lr");
    let o = trainer(&d).args(["sweep", exp_path.to_str().unwrap()]).output().unwrap();
    let t = text(&o);
    assert!(!o.status.success() && t.contains("were made with another config") && t.contains("solver.base_lr was 0.123"), "{t}");
}

#[test]
fn report_shows_missing_runs_as_missing_and_the_paper_block() {
    let d = scratch("report");
    let exp = small_experiment(&d);
    let out = d.join("out");
    write_results(&out.join("bbox__seed-1"), 0.5);
    write_results(&out.join("bbox__seed-2"), 0.3);
    // inner__seed-1 has no results.json at all; inner__seed-2 is complete but its AP is null and its AP_H -1
    // (pycocotools' "no ground truth in range").
    std::fs::create_dir_all(out.join("inner__seed-1")).unwrap();
    write_results(&out.join("inner__seed-2"), -2.0);
    let p = out.join("inner__seed-2/results.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["val"]["segm"]["AP"] = serde_json::Value::Null;
    std::fs::write(&p, v.to_string()).unwrap();
    let docs = d.join("docs");
    let o = trainer(&d).args(["report", exp.to_str().unwrap(), "--out", docs.to_str().unwrap()]).output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let md = std::fs::read_to_string(docs.join("small.md")).unwrap();
    // Mean ± sample std of 50 and 30 = 40.0 ± 14.1; the paper's 40.3 in its own block.
    assert!(md.contains("| box centre | 2/2 | 40.0 ± 14.1 | 20.0 ± 7.1 | 40.3 |"), "{md}");
    assert!(md.contains("| inner centre | 1/2 | undefined | undefined | — |"), "{md}");
    assert!(md.contains("| paper: AP |") && !md.contains("paper: AP_H test"), "{md}");
    assert!(md.contains("| inner__seed-1 | incomplete | – | missing | missing |"), "{md}");
    assert!(md.contains("| inner__seed-2 | complete | 1m31s | undefined | undefined |"), "{md}");
    let csv = std::fs::read_to_string(docs.join("small.csv")).unwrap();
    assert!(csv.contains("inner centre,AP,val.segm.AP,undefined,,0,2,,inner__seed-1=missing;inner__seed-2=undefined"), "{csv}");
    assert!(csv.contains("box centre,AP,val.segm.AP,40,"), "{csv}");
    let png = image::open(docs.join("small.png")).unwrap();
    assert!(png.width() > 400);
    assert!(md.contains("point(s) are missing"), "{md}");
}

#[test]
fn experiment_files_are_strict_and_errors_name_file_and_key() {
    let d = scratch("strict");
    let cases: [(&str, &str); 7] = [
        ("titel = \"x\"\nconfig = \"C\"\n", "unknown key `titel` (did you mean `title`?)"),
        ("title = \"x\"\nconfig = \"C\"\n[[grid]]\nkey = \"seed\"\nvalue = [1]\n", "unknown key `grid[0].value` (did you mean `values`?)"),
        ("title = \"x\"\nconfig = \"C\"\n[[grid]]\nkey = \"seed\"\nvalues = [1]\n[[grid]]\nkey = \"a.seed\"\nvalues = [2]\n", "axis name \"seed\" is used twice"),
        ("title = \"x\"\nconfig = \"C\"\nset = { seed = 1 }\n[[grid]]\nkey = \"seed\"\nvalues = [1]\n", "`seed` is set both by set and by axis `seed`"),
        ("title = \"x\"\nconfig = \"C\"\n[[grid]]\nkey = \"seed\"\nvalues = [1]\n[table]\n[[table.columns]]\nname = \"AP\"\npath = \"val.segm.AP\"\n[[table.rows]]\nname = \"r\"\nmatch = { sed = 1 }\n", "match key `sed` is not an axis (did you mean `seed`?)"),
        ("title = \"x\"\nconfig = \"C\"\n[table]\n[[table.columns]]\nname = \"AP\"\npath = \"val.segm.AP\"\n[[table.rows]]\nname = \"r\"\npaper = { Ap = 1 }\n", "paper key `Ap` is not a column (did you mean `AP`?)"),
        ("title = \"x\"\nconfig = \"C\"\n[table]\n[[table.columns]]\nname = \"AP\"\npath = 'tests.\"a/b.AP'\n", "table.columns[0].path"),
    ];
    for (i, (body, want)) in cases.iter().enumerate() {
        let f = d.join(format!("case{i}.toml"));
        std::fs::write(&f, body.replace("\"C\"", &format!("{:?}", quickstart()))).unwrap();
        let err = format!("{:#}", Experiment::load(&f).unwrap_err());
        assert!(err.contains(&f.display().to_string()) && err.contains(want), "case {i}: {err}");
    }
    // A misspelt config key in an override is caught when the runs resolve, with the config system's hint.
    let f = d.join("badset.toml");
    std::fs::write(&f, format!("title = \"x\"\nconfig = {:?}\nset = {{ \"solver.bse_lr\" = 0.1 }}\n", quickstart())).unwrap();
    let o = trainer(&d).args(["sweep", f.to_str().unwrap(), "--dry-run"]).output().unwrap();
    let t = text(&o);
    assert!(!o.status.success() && t.contains("solver.bse_lr") && t.contains("did you mean `base_lr`"), "{t}");
    // `reuse` excludes defining runs.
    let g = d.join("reuse.toml");
    std::fs::write(&g, "title = \"x\"\nreuse = \"badset.toml\"\n[[grid]]\nkey = \"seed\"\nvalues = [1]\n").unwrap();
    let err = format!("{:#}", Experiment::load(&g).unwrap_err());
    assert!(err.contains("`reuse` takes the runs of badset.toml"), "{err}");
}

/// Every experiment file in the repository resolves every run and dry-runs from the workspace root.
#[test]
fn every_experiment_file_resolves_and_dry_runs() {
    let root = testkit::workspace_root();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("experiments")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap();
        let exp = Experiment::load(f).unwrap_or_else(|e| panic!("{}: {e:#}", rel.display()));
        assert!(exp.file.table.is_some(), "{}: no table", rel.display());
        let first = std::fs::read_to_string(f).unwrap();
        assert!(first.starts_with("# ") && (first.contains("Table") || first.contains("Fig. 6")), "{}: the first comment says what it reproduces", rel.display());
        let o = trainer(&root).args(["sweep", rel.to_str().unwrap(), "--dry-run"]).output().unwrap();
        assert!(o.status.success(), "{}: {}", rel.display(), text(&o));
        let stem = f.file_stem().unwrap().to_string_lossy();
        if !stem.ends_with("_synth") {
            // The full-data experiments start from the paper's config; their twins from the quickstart.
            assert!(exp.runs_from.config.ends_with("configs/hvisnet.toml"), "{}", rel.display());
        } else {
            assert!(exp.runs_from.config.ends_with("configs/quickstart.toml"), "{}", rel.display());
            assert!(root.join(format!("experiments/{}.toml", stem.trim_end_matches("_synth"))).exists(), "{stem} has no full-data original");
        }
    }
}

/// Without the datasets, a full-data sweep stops before training and names each dataset's README.
#[test]
fn full_data_sweeps_fail_fast_naming_the_dataset_readme() {
    let root = testkit::workspace_root();
    for (file, readmes) in [
        ("experiments/table4_sampling.toml", &["datasets/coco-persons/README.md", "datasets/ochuman/README.md"][..]),
        ("experiments/table3_hvis.toml", &["datasets/hvis/README.md", "datasets/ytvis-person/README.md"][..]),
    ] {
        let exp = Experiment::load(&root.join(file)).unwrap();
        let present = exp.runs().unwrap().iter().all(|r| {
            let c = exp.resolve(r).unwrap();
            trainer::experiment::datasets_of(&c).iter().all(|(_, n, rt, s)| trainer::experiment::dataset_available(n, &root.join(rt).display().to_string(), s).is_ok())
        });
        if present {
            eprintln!("{file}: its datasets are present here; not starting a full-data sweep in a test");
            continue;
        }
        let t0 = std::time::Instant::now();
        let o = trainer(&root).args(["sweep", file]).output().unwrap();
        let t = text(&o);
        assert!(!o.status.success(), "{t}");
        assert!(t.contains("cannot start"), "{t}");
        for r in readmes {
            assert!(t.contains(r), "{file}: {r} not named:\n{t}");
        }
        assert!(t0.elapsed().as_secs() < 30, "not fast: {:?}", t0.elapsed());
    }
}

/// One tiny run through the real `trainer train` child process; a second sweep skips it once it is complete.
#[test]
fn a_tiny_sweep_trains_end_to_end() {
    let d = scratch("e2e");
    let (_, root) = common::tiny_synth("sweep-e2e", (1, 2));
    let tiny = common::tiny_config(
        &root,
        &d.join("unused"),
        &format!("{}[solver]\nepochs = 1\nbatch_size = 4\nwarmup_iters = 1\nlr_steps = []\ncheckpoint_period = 2\n", common::SMALL_64),
    );
    std::fs::write(d.join("tiny.toml"), tiny).unwrap();
    std::fs::write(
        d.join("exp.toml"),
        "title = \"tiny\"\nconfig = \"tiny.toml\"\noutput_root = \"out\"\n[[grid]]\nkey = \"model.sampling.center\"\nvalues = [\"bbox\"]\n[table]\n[[table.columns]]\nname = \"AP\"\npath = \"val.segm.AP\"\n",
    )
    .unwrap();
    let o = trainer(&d).args(["sweep", "exp.toml"]).output().unwrap();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let run = d.join("out/center-bbox");
    let resolved = std::fs::read_to_string(run.join("config.resolved.toml")).unwrap();
    assert!(resolved.contains("center = \"bbox\""), "{resolved}");
    assert!(d.join("out/logs/center-bbox.log").exists());
    assert!(std::fs::read_to_string(d.join("out/sweep.jsonl")).unwrap().contains("\"run\":\"center-bbox\""));
    let again = trainer(&d).args(["sweep", "exp.toml"]).output().unwrap();
    let t2 = text(&again);
    assert!(again.status.success(), "{t2}");
    if run.join("results.json").exists() {
        assert!(t.contains("done in"), "{t}");
        assert!(t2.contains("complete, skipped"), "{t2}");
    } else {
        // Before the evaluation hook writes results.json, the sweep says the run has none (and reruns it).
        assert!(t.contains("wrote no complete results.json"), "{t}");
    }
}
