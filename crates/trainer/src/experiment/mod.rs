//! Experiment files (`experiments/*.toml`): a base config plus a list and/or grid of overrides, expanded into
//! runs that `trainer sweep` trains and `trainer report` gathers into the paper's tables.
//!
//! ```toml
//! title = "Table IV: positive-sample strategy"
//! config = "../configs/quickstart.toml"          # relative to this file
//! set = { "solver.epochs" = 1 }                  # every run
//! [[variants]]
//! name = "bbox"
//! set = { "model.sampling.center" = "bbox" }
//! [[grid]]
//! key = "seed"
//! values = [1, 2, 3]
//! ```
//! gives the runs `bbox__seed-1`, `bbox__seed-2`, `bbox__seed-3` under `output/<file stem>/`. The file is decoded
//! strictly: an unknown key is an error naming the file, the key and the closest valid key.

pub mod jsonpath;
pub mod plot;
mod schema;
pub mod table;

pub use schema::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};

use crate::config::{self, ExperimentConfig, normalize};

/// The axis name of the `[[variants]]` list.
pub const VARIANT_AXIS: &str = "variant";

/// An experiment file, loaded and checked, with the file it came from.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The file as given on the command line.
    pub path: PathBuf,
    /// Its stem (`table4_sampling_synth`), the default name of outputs.
    pub stem: String,
    /// The decoded file.
    pub file: ExperimentFile,
    /// Where the runs come from: this file, or the file named by `reuse`.
    pub runs_from: Box<RunSource>,
}

/// The file that defines the runs (after following `reuse`).
#[derive(Debug, Clone)]
pub struct RunSource {
    /// That file's path.
    pub path: PathBuf,
    /// The base config, resolved relative to that file.
    pub config: PathBuf,
    /// Folder of the runs.
    pub output_root: PathBuf,
    /// Overrides of every run, flattened to dotted keys, in file order.
    pub common: Vec<(String, toml::Value)>,
    /// The axes (variants first, then the grid axes), in file order.
    pub axes: Vec<AxisValues>,
    /// Preparation steps (run by the sweep when their output is absent).
    pub prepare: Vec<Prepare>,
}

/// One expanded axis.
#[derive(Debug, Clone)]
pub struct AxisValues {
    /// Name used in folder names and row matching (`variant`, `seed`, `fraction`, ...).
    pub name: String,
    /// The config key for grid axes (None for the variants).
    pub key: Option<String>,
    /// Each value: its label and the overrides it sets.
    pub values: Vec<(String, toml::Value, Vec<(String, toml::Value)>)>,
}

/// One run of a sweep.
#[derive(Debug, Clone)]
pub struct Run {
    /// Folder name, derived from the labels (`bbox__seed-1`).
    pub name: String,
    /// (axis name, label) per axis.
    pub labels: Vec<(String, String)>,
    /// (axis name, raw value) per axis (the variant's name for the variant axis).
    pub values: Vec<(String, toml::Value)>,
    /// Every override of the run, common ones first, as `key=value` strings (what `trainer train --set` takes).
    pub overrides: Vec<String>,
    /// The run's output folder.
    pub dir: PathBuf,
}

impl Run {
    /// The label of `axis` in this run.
    pub fn label(&self, axis: &str) -> Option<&str> {
        self.labels.iter().find(|(a, _)| a == axis).map(|(_, l)| l.as_str())
    }
}

impl Experiment {
    /// Loads and checks an experiment file (and the file it reuses).
    pub fn load(path: &Path) -> Result<Self> {
        let file = read_file(path)?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "experiment".into());
        let runs_from = match &file.reuse {
            Some(other) => {
                let defines = !file.set.is_empty() || !file.variants.is_empty() || !file.grid.is_empty() || !file.prepare.is_empty();
                if file.config.is_some() || file.output_root.is_some() || defines {
                    bail!("{}: `reuse` takes the runs of {other}; remove `config`, `output_root`, `set`, `variants`, `grid` and `prepare`", path.display());
                }
                let other_path = normalize(&path.parent().unwrap_or(Path::new("")).join(other));
                let inner = read_file(&other_path).with_context(|| format!("{}: reuse = {other:?}", path.display()))?;
                if inner.reuse.is_some() {
                    bail!("{}: reuse = {other:?} reuses another file itself; point at the file that defines the runs", path.display());
                }
                let ostem = other_path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
                source(&other_path, &ostem, &inner)?
            }
            None => source(path, &stem, &file)?,
        };
        let exp = Experiment { path: path.to_path_buf(), stem, file, runs_from: Box::new(runs_from) };
        exp.check_table()?;
        Ok(exp)
    }

    /// The runs, in order (first axis outermost).
    pub fn runs(&self) -> Result<Vec<Run>> {
        expand(&self.runs_from)
    }

    /// The experiment config every run starts from (common overrides applied).
    pub fn base_config(&self) -> Result<config::Resolved> {
        let src = &self.runs_from;
        let sets: Vec<String> = src.common.iter().map(|(k, v)| render(k, v)).collect();
        config::load(&src.config, &sets).with_context(|| format!("{}: resolving the base config {}", src.path.display(), src.config.display()))
    }

    /// The run's config, resolved exactly as `trainer train CONFIG --set ...` will resolve it.
    pub fn resolve(&self, run: &Run) -> Result<ExperimentConfig> {
        let mut sets = run.overrides.clone();
        sets.push(format!("output_dir={}", toml::Value::String(run.dir.display().to_string())));
        let r = config::load(&self.runs_from.config, &sets)
            .with_context(|| format!("{}: run `{}`", self.runs_from.path.display(), run.name))?;
        Ok(r.config)
    }

    fn check_table(&self) -> Result<()> {
        let p = self.path.display();
        let axes: Vec<&str> = self.runs_from.axes.iter().map(|a| a.name.as_str()).collect();
        let Some(t) = &self.file.table else {
            if self.file.plot.is_some() {
                bail!("{p}: [plot] needs a [table] (its y is a column name)");
            }
            return Ok(());
        };
        if t.columns.is_empty() {
            bail!("{p}: table.columns is empty");
        }
        let cols: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        for (i, c) in t.columns.iter().enumerate() {
            jsonpath::parse(&c.path).map_err(|e| anyhow!("{p}: table.columns[{i}].path = {:?}: {e}", c.path))?;
            if cols.iter().filter(|n| **n == c.name).count() > 1 {
                bail!("{p}: table.columns: the name {:?} is used twice", c.name);
            }
        }
        for a in &t.aggregate {
            if !axes.contains(&a.as_str()) && !(a == "seed" && t.aggregate.len() == 1) {
                bail!("{p}: table.aggregate: no axis named {a:?}{} (axes: {})", hint(a, &axes), axes.join(", "));
            }
        }
        for (i, r) in t.rows.iter().enumerate() {
            for (k, _) in &r.matches {
                if !axes.contains(&k.as_str()) {
                    bail!("{p}: table.rows[{i}] ({}): match key `{k}` is not an axis{} (axes: {})", r.name, hint(k, &axes), axes.join(", "));
                }
            }
            for (k, v) in &r.paper {
                if !cols.contains(&k.as_str()) {
                    bail!("{p}: table.rows[{i}] ({}): paper key `{k}` is not a column{}", r.name, hint(k, &cols));
                }
                if !(v.is_integer() || v.is_float()) {
                    bail!("{p}: table.rows[{i}] ({}): paper.{k} must be a number, found {}", r.name, v.type_str());
                }
            }
        }
        if let Some(pl) = &self.file.plot {
            for (what, axis) in [("x", &pl.x), ("series", &pl.series)] {
                if !(axis.is_empty() && what == "series") && !axes.contains(&axis.as_str()) {
                    bail!("{p}: plot.{what} = {axis:?} is not an axis{} (axes: {})", hint(axis, &axes), axes.join(", "));
                }
            }
            if !cols.contains(&pl.y.as_str()) {
                bail!("{p}: plot.y = {:?} is not a column{}", pl.y, hint(&pl.y, &cols));
            }
        }
        Ok(())
    }
}

fn read_file(path: &Path) -> Result<ExperimentFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read experiment file", path.display()))?;
    let table: toml::Table = toml::from_str(&text).map_err(|e| anyhow!("{}: invalid TOML: {e}", path.display()))?;
    serde_path_to_error::deserialize::<_, ExperimentFile>(toml::Value::Table(table)).map_err(|err| {
        let key = err.path().to_string();
        let msg = err.inner().to_string();
        describe(path, &key, &msg)
    })
}

/// Turns serde's message into one naming the file, the key path and the closest valid key.
fn describe(path: &Path, key: &str, msg: &str) -> anyhow::Error {
    let quoted: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
    let key = key.trim_start_matches('.');
    if msg.starts_with("unknown field") {
        let name = quoted.first().copied().unwrap_or("");
        let full = if key.is_empty() || key == "?" { name.to_string() } else if key.ends_with(name) { key.to_string() } else { format!("{key}.{name}") };
        return anyhow!("{}: unknown key `{full}`{}", path.display(), hint(name, &quoted[1..]));
    }
    if key.is_empty() || key == "?" {
        anyhow!("{}: {msg}", path.display())
    } else {
        anyhow!("{}: key `{key}`: {msg}", path.display())
    }
}

/// " (did you mean `x`?)" when a candidate is within a typo's distance of `word`.
fn hint(word: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (strsim::levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

fn source(path: &Path, stem: &str, f: &ExperimentFile) -> Result<RunSource> {
    let p = path.display();
    let config = f.config.as_ref().ok_or_else(|| anyhow!("{p}: missing key `config` (the experiment config every run starts from, relative to this file)"))?;
    let config = normalize(&path.parent().unwrap_or(Path::new("")).join(config));
    let output_root = PathBuf::from(f.output_root.clone().unwrap_or_else(|| format!("output/{stem}")));
    let common = flatten(&f.set, "");
    let mut axes = Vec::new();
    let mut names = BTreeSet::new();
    if !f.variants.is_empty() {
        let mut values = Vec::new();
        for (i, v) in f.variants.iter().enumerate() {
            check_label(&v.name).map_err(|e| anyhow!("{p}: variants[{i}].name = {:?}: {e}", v.name))?;
            if values.iter().any(|(l, _, _): &(String, _, _)| *l == v.name) {
                bail!("{p}: variants[{i}].name = {:?} is used twice", v.name);
            }
            values.push((v.name.clone(), toml::Value::String(v.name.clone()), flatten(&v.set, "")));
        }
        names.insert(VARIANT_AXIS.to_string());
        axes.push(AxisValues { name: VARIANT_AXIS.into(), key: None, values });
    }
    for (i, a) in f.grid.iter().enumerate() {
        let name = a.name.clone().unwrap_or_else(|| a.key.rsplit('.').next().unwrap_or(&a.key).to_string());
        if !names.insert(name.clone()) {
            bail!("{p}: grid[{i}]: the axis name {name:?} is used twice; give one axis `name = \"...\"`");
        }
        if a.values.is_empty() {
            bail!("{p}: grid[{i}] ({}): `values` is empty", a.key);
        }
        if !a.labels.is_empty() && a.labels.len() != a.values.len() {
            bail!("{p}: grid[{i}] ({}): {} labels for {} values", a.key, a.labels.len(), a.values.len());
        }
        let mut values = Vec::new();
        for (j, v) in a.values.iter().enumerate() {
            let label = a.labels.get(j).cloned().unwrap_or_else(|| value_label(v));
            check_label(&label).map_err(|e| anyhow!("{p}: grid[{i}] ({}): label {label:?}: {e}", a.key))?;
            if values.iter().any(|(l, _, _): &(String, _, _)| *l == label) {
                bail!("{p}: grid[{i}] ({}): two values have the label {label:?}", a.key);
            }
            let sets = match v {
                toml::Value::Table(t) => flatten(t, &a.key),
                other => vec![(a.key.clone(), other.clone())],
            };
            values.push((label, v.clone(), sets));
        }
        axes.push(AxisValues { name, key: Some(a.key.clone()), values });
    }
    // A key set by two axes, or by an axis and the common `set`, would make the result depend on order.
    let mut owner: BTreeMap<String, String> = common.iter().map(|(k, _)| (k.clone(), "set".to_string())).collect();
    for ax in &axes {
        let keys: BTreeSet<&String> = ax.values.iter().flat_map(|(_, _, s)| s.iter().map(|(k, _)| k)).collect();
        for k in keys {
            if let Some(prev) = owner.insert(k.clone(), format!("axis `{}`", ax.name)) {
                bail!("{p}: `{k}` is set both by {prev} and by axis `{}`; set each key in one place", ax.name);
            }
        }
    }
    for (i, p) in f.prepare.iter().enumerate() {
        if p.creates.is_empty() || p.args.is_empty() {
            bail!("{}: prepare[{i}]: `creates` and `args` must not be empty", path.display());
        }
    }
    Ok(RunSource { path: path.to_path_buf(), config, output_root, common, axes, prepare: f.prepare.clone() })
}

fn expand(src: &RunSource) -> Result<Vec<Run>> {
    let mut runs = vec![Run { name: String::new(), labels: vec![], values: vec![], overrides: src.common.iter().map(|(k, v)| render(k, v)).collect(), dir: PathBuf::new() }];
    for ax in &src.axes {
        let mut next = Vec::with_capacity(runs.len() * ax.values.len());
        for r in &runs {
            for (label, value, sets) in &ax.values {
                let mut r = r.clone();
                r.labels.push((ax.name.clone(), label.clone()));
                r.values.push((ax.name.clone(), value.clone()));
                r.overrides.extend(sets.iter().map(|(k, v)| render(k, v)));
                next.push(r);
            }
        }
        runs = next;
    }
    let mut seen = BTreeSet::new();
    for r in &mut runs {
        let parts: Vec<String> = src
            .axes
            .iter()
            .zip(&r.labels)
            .map(|(ax, (_, label))| if ax.key.is_none() { label.clone() } else { format!("{}-{label}", ax.name) })
            .collect();
        r.name = if parts.is_empty() { "run".into() } else { parts.join("__") };
        r.dir = src.output_root.join(&r.name);
        if !seen.insert(r.name.clone()) {
            bail!("{}: two runs get the folder name {:?}; give the axes distinct labels", src.path.display(), r.name);
        }
    }
    Ok(runs)
}

/// `key=value` with the value written as TOML (what `--set` parses back to the same value).
pub fn render(key: &str, value: &toml::Value) -> String {
    format!("{key}={}", inline(value))
}

/// A TOML value written inline (`"bbox"`, `0.5`, `[8, 11]`).
pub fn inline(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => toml::Value::String(s.clone()).to_string(),
        toml::Value::Array(a) => format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", ")),
        toml::Value::Table(t) => format!("{{ {} }}", t.iter().map(|(k, v)| format!("{k} = {}", inline(v))).collect::<Vec<_>>().join(", ")),
        // Config floats that are f32 (e.g. the mixing fraction) print as the f32 they are: 0.1, not 0.10000000149.
        toml::Value::Float(x) if (*x as f32) as f64 == *x && x.is_finite() => {
            let s = format!("{}", *x as f32);
            if s.contains(['.', 'e', 'i', 'N']) { s } else { format!("{s}.0") }
        }
        other => other.to_string(),
    }
}

/// A compact label for a value, for folder names: `bbox`, `1`, `0.1`, `true`, `8-11`, `seg-true-emb-false`.
pub fn value_label(v: &toml::Value) -> String {
    let raw = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Array(a) => a.iter().map(value_label).collect::<Vec<_>>().join("-"),
        toml::Value::Table(t) => t.iter().map(|(k, v)| format!("{k}-{}", value_label(v))).collect::<Vec<_>>().join("-"),
        other => other.to_string(),
    };
    raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' { c } else { '-' }).collect()
}

fn check_label(label: &str) -> std::result::Result<(), String> {
    if label.is_empty() || label.starts_with('.') || !label.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)) {
        return Err("a label must be letters, digits, `.`, `-` and `_` (it becomes part of a folder name)".into());
    }
    if label.contains("__") {
        return Err("`__` separates the parts of a run's folder name".into());
    }
    Ok(())
}

/// Nested tables become dotted keys (`{ a = { b = 1 } }` → `a.b = 1`); keys already dotted are kept as written.
fn flatten(t: &toml::Table, prefix: &str) -> Vec<(String, toml::Value)> {
    let mut out = Vec::new();
    for (k, v) in t {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        match v {
            toml::Value::Table(inner) => out.extend(flatten(inner, &key)),
            other => out.push((key, other.clone())),
        }
    }
    out
}

/// The keys whose resolved values differ between two configs (dotted path, old, new); `output_dir` is left out.
pub fn differences(base: &ExperimentConfig, run: &ExperimentConfig) -> Vec<(String, String, String)> {
    value_differences(&toml::Value::try_from(base).expect("config serialises"), &toml::Value::try_from(run).expect("config serialises"))
}

/// [`differences`] on two config tables (e.g. a run folder's `config.resolved.toml` and a config now).
pub fn value_differences(base: &toml::Value, run: &toml::Value) -> Vec<(String, String, String)> {
    let a = leaves(base);
    let b = leaves(run);
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out = Vec::new();
    for k in keys {
        if k == "output_dir" {
            continue;
        }
        let (x, y) = (a.get(k), b.get(k));
        // Compared as written, so an f32 read back from text (0.1) equals the same f32 serialised (0.100000001).
        if x.map(inline) != y.map(inline) {
            let show = |v: Option<&toml::Value>| v.map(inline).unwrap_or_else(|| "(unset)".into());
            out.push((k.clone(), show(x), show(y)));
        }
    }
    out
}

fn leaves(v: &toml::Value) -> BTreeMap<String, toml::Value> {
    let mut out = BTreeMap::new();
    if let toml::Value::Table(t) = v {
        for (k, v) in flatten(t, "") {
            out.insert(k, v);
        }
    }
    out
}

/// The dataset splits a resolved config reads: `data.train`, `data.val`, and `eval.tests` entries when present.
pub fn datasets_of(c: &ExperimentConfig) -> Vec<(String, String, String, String)> {
    let mut out = vec![
        ("data.train".to_string(), c.data.train.name.clone(), c.data.train.root.clone(), c.data.train.split.clone()),
        ("data.val".to_string(), c.data.val.name.clone(), c.data.val.root.clone(), c.data.val.split.clone()),
    ];
    // `eval.tests` (extra test datasets) is read generically, so this code does not depend on the field's type.
    if let Ok(toml::Value::Table(t)) = toml::Value::try_from(&c.eval)
        && let Some(toml::Value::Array(tests)) = t.get("tests")
    {
        for (i, e) in tests.iter().enumerate() {
            let s = |k: &str| e.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            out.push((format!("eval.tests[{i}]"), s("name"), s("root"), s("split")));
        }
    }
    out
}

/// Whether a dataset's files are where its loader will look (a cheap check on paths only; the synthetic set is
/// generated on first use): `Err` is the data crate's message naming the expected path and the dataset's README.
pub fn dataset_available(name: &str, root: &str, split: &str) -> std::result::Result<(), String> {
    let root = Path::new(root);
    let needed: Vec<PathBuf> = match name {
        "synth" => return Ok(()),
        "hvis" => vec![root.join(format!("{split}.json")), root.join(split).join("JPEGImages")],
        "ytvis-person" => vec![root.join("train.json"), root.join("train").join("JPEGImages")],
        "coco-persons" => {
            let pose2seg = root.join("annotations").join(format!("person_keypoints_{split}_pose2seg.json"));
            let json = if pose2seg.exists() { pose2seg } else { root.join("annotations").join(format!("instances_{split}.json")) };
            vec![json, root.join(split)]
        }
        "ochuman" => vec![root.join("ochuman.json"), root.join("images")],
        _ => vec![root.to_path_buf()],
    };
    for p in needed {
        data::datasets::require(name, p).map_err(|e| e.to_string())?;
    }
    Ok(())
}
