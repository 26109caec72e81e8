//! The experiment-file schema (`experiments/*.toml`): which config to start from, which overrides make the runs,
//! and how the runs' `results.json` files become the paper's table. Every table rejects unknown keys.

use serde::Deserialize;

/// One experiment file: a base config, a list and/or grid of overrides (the runs), and the table they fill.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    /// What the experiment reproduces, e.g. "Table IV: positive-sample strategy (BlendMask, COCOPersons)".
    pub title: String,
    /// Free text shown under the title of the report (the data, the budget, what differs from the paper).
    #[serde(default)]
    pub description: String,
    /// The experiment config every run starts from, relative to this file.
    #[serde(default)]
    pub config: Option<String>,
    /// Take the runs of another experiment file (relative to this one) instead of defining runs: this file only
    /// declares another table over the same runs, and `trainer sweep` on it runs (or skips) those runs.
    #[serde(default)]
    pub reuse: Option<String>,
    /// Folder holding one subfolder per run; default `output/<file stem>` (relative to the working directory).
    #[serde(default)]
    pub output_root: Option<String>,
    /// Overrides applied to every run, as dotted keys: `set = { "solver.epochs" = 1 }` or `[set] solver.epochs = 1`.
    #[serde(default)]
    pub set: toml::Table,
    /// Commands run (as `trainer ARGS...`) before the first run when the file they create is absent, e.g. generating
    /// a synthetic test set: `[[prepare]] creates = "datasets/x/val.json"  args = ["data", "synth", "--out", ...]`.
    #[serde(default)]
    pub prepare: Vec<Prepare>,
    /// A list of named runs (`[[variants]] name = "bbox"  set = { "model.sampling.center" = "bbox" }`).
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Grid axes (`[[grid]] key = "seed"  values = [1, 2, 3]`), crossed with each other and with the variants.
    #[serde(default)]
    pub grid: Vec<Axis>,
    /// The table the report builds.
    #[serde(default)]
    pub table: Option<TableSpec>,
    /// A line plot the report draws (PNG).
    #[serde(default)]
    pub plot: Option<PlotSpec>,
}

/// A preparation step of a sweep.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prepare {
    /// A path (relative to the working directory) whose existence means the step is done.
    pub creates: String,
    /// Arguments of the `trainer` command that creates it.
    pub args: Vec<String>,
}

/// A named set of overrides: one value of the `variant` axis.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Label of the variant; it starts the run's folder name.
    pub name: String,
    /// Overrides of this variant (dotted keys).
    #[serde(default)]
    pub set: toml::Table,
}

/// One grid axis: a config key and the values it takes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Axis {
    /// Dotted config key, e.g. `seed` or `model.sampling.mix.fraction`.
    pub key: String,
    /// The values, typed as TOML (a table value sets several keys at once).
    pub values: Vec<toml::Value>,
    /// Short name of the axis in folder names and row matching; default the key's last segment.
    #[serde(default)]
    pub name: Option<String>,
    /// One label per value for folder names; default the value written compactly.
    #[serde(default)]
    pub labels: Vec<String>,
}

/// The table of a report: columns are JSON paths into each run's `results.json`, rows are runs or groups of runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Caption printed above the table.
    #[serde(default)]
    pub caption: String,
    /// Header of the first column.
    #[serde(default = "default_row_header")]
    pub row_header: String,
    /// The columns, left to right.
    pub columns: Vec<Column>,
    /// Explicit rows; when empty, one row per combination of the axes not aggregated, in run order.
    #[serde(default)]
    pub rows: Vec<RowSpec>,
    /// Axes whose runs are pooled into one row (mean ± sample std over them, with n shown).
    #[serde(default = "default_aggregate")]
    pub aggregate: Vec<String>,
    /// Where the paper's numbers come from (shown under the table).
    #[serde(default)]
    pub paper_source: String,
}

fn default_row_header() -> String {
    "Method".into()
}

fn default_aggregate() -> Vec<String> {
    vec!["seed".into()]
}

/// One column: a number read from every run's `results.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Header, e.g. "OCHuman AP_H".
    pub name: String,
    /// JSON path, dotted, with quotes around a segment holding dots or slashes: `tests."ochuman/val".occlusion.AP_H`.
    pub path: String,
    /// Factor applied before display (100 turns pycocotools' fractions into the paper's percent).
    #[serde(default = "default_scale")]
    pub scale: f64,
    /// Decimals shown.
    #[serde(default = "default_digits")]
    pub digits: usize,
    /// A raw value meaning "undefined" rather than a number: pycocotools writes -1 when an area or occlusion
    /// range has no ground truth, so AP columns set `undefined = -1.0`. Such values (and JSON `null`) are shown
    /// as "undefined" and left out of the mean.
    #[serde(default)]
    pub undefined: Option<f64>,
}

fn default_scale() -> f64 {
    100.0
}

fn default_digits() -> usize {
    1
}

/// One explicit row.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowSpec {
    /// Row label.
    pub name: String,
    /// Which runs form the row: axis name → value or label (`{ variant = "bbox" }`, `{ seed = 1 }`); empty = all.
    #[serde(default, rename = "match")]
    pub matches: toml::Table,
    /// The paper's numbers for this row, by column name, in the displayed unit; absent columns show "—".
    #[serde(default)]
    pub paper: toml::Table,
}

/// A line plot: one line per value of the `series` axis, x from the `x` axis, y from a column (mean ± std).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotSpec {
    /// File name of the PNG next to the Markdown report; default `<file stem>.png`.
    #[serde(default)]
    pub file: Option<String>,
    /// Title drawn at the top.
    #[serde(default)]
    pub title: String,
    /// Axis (name) giving the x coordinate; its values must be numbers.
    pub x: String,
    /// Factor on the x values (100 for a percentage).
    #[serde(default = "default_x_scale")]
    pub x_scale: f64,
    /// Label of the x axis.
    pub x_label: String,
    /// Column (name) plotted on the y axis, in the column's displayed unit.
    pub y: String,
    /// Label of the y axis; default the column name.
    #[serde(default)]
    pub y_label: String,
    /// Axis (name) giving one line per value; empty = a single line.
    #[serde(default)]
    pub series: String,
    /// Legend text per series label (`{ "inner-mix-bbox" = "inner centre + a% box-centre positives" }`).
    #[serde(default)]
    pub legend: toml::Table,
}

fn default_x_scale() -> f64 {
    1.0
}
