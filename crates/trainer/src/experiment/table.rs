//! From runs to the paper's table: each run's `results.json` is read, the columns' JSON paths looked up, rows
//! pooled over the aggregated axes (mean ± sample std, n shown). A run without a complete `results.json`, or a
//! path absent from it, is *missing*: it is never shown as a number.

use std::path::Path;

use super::{Experiment, Run, TableSpec, jsonpath};

/// Where a run stands, from its folder.
#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    /// `results.json` with `"complete": true`.
    Complete(serde_json::Value),
    /// The folder exists (a checkpoint, or a run still going, interrupted, failed, or without results).
    Incomplete { checkpoint: bool },
    /// No folder.
    NotRun,
}

impl RunStatus {
    /// Reads `<dir>/results.json` and `<dir>/checkpoints/last`.
    pub fn of(dir: &Path) -> Self {
        if let Ok(text) = std::fs::read_to_string(dir.join("results.json"))
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
            && v.get("complete").and_then(|c| c.as_bool()) == Some(true)
        {
            return RunStatus::Complete(v);
        }
        if dir.exists() {
            RunStatus::Incomplete { checkpoint: dir.join("checkpoints/last").exists() }
        } else {
            RunStatus::NotRun
        }
    }

    /// One word for listings.
    pub fn word(&self) -> &'static str {
        match self {
            RunStatus::Complete(_) => "complete",
            RunStatus::Incomplete { checkpoint: true } => "incomplete (has a checkpoint)",
            RunStatus::Incomplete { checkpoint: false } => "incomplete",
            RunStatus::NotRun => "not run",
        }
    }

    /// The results, when complete.
    pub fn results(&self) -> Option<&serde_json::Value> {
        match self {
            RunStatus::Complete(v) => Some(v),
            _ => None,
        }
    }
}

/// Statistics of one cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The values found (displayed unit), one per run that has it.
    pub values: Vec<f64>,
    /// Complete runs whose value is undefined (JSON `null`, or the column's `undefined` sentinel).
    pub undefined: usize,
    /// Runs in the row.
    pub expected: usize,
}

/// A column's value in one run's results: a number (displayed unit), undefined, or absent.
pub fn value(results: Option<&serde_json::Value>, c: &super::Column) -> Value {
    let Some(v) = results else { return Value::Absent };
    let path = jsonpath::parse(&c.path).expect("checked when loading");
    match jsonpath::get(v, &path) {
        None => Value::Absent,
        Some(serde_json::Value::Null) => Value::Undefined,
        Some(x) => match x.as_f64() {
            Some(f) if c.undefined == Some(f) => Value::Undefined,
            Some(f) => Value::Number(f * c.scale),
            None => Value::Absent,
        },
    }
}

/// One run's value of a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Number(f64),
    Undefined,
    Absent,
}

impl Value {
    /// "41.2", "undefined" or "missing".
    pub fn show(&self, digits: usize) -> String {
        match self {
            Value::Number(x) => format!("{x:.digits$}"),
            Value::Undefined => "undefined".into(),
            Value::Absent => "missing".into(),
        }
    }
}

impl Cell {
    /// Mean of the values.
    pub fn mean(&self) -> Option<f64> {
        (!self.values.is_empty()).then(|| self.values.iter().sum::<f64>() / self.values.len() as f64)
    }

    /// Sample standard deviation (n − 1); None below two values.
    pub fn std(&self) -> Option<f64> {
        let n = self.values.len();
        let m = self.mean()?;
        (n >= 2).then(|| (self.values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt())
    }

    /// "41.2 ± 0.3", "41.2" (one run), "missing" (none); "(n=2 of 3)" when some runs lack it.
    pub fn show(&self, digits: usize) -> String {
        let Some(m) = self.mean() else { return if self.undefined > 0 { "undefined".into() } else { "missing".into() } };
        let mut s = match self.std() {
            Some(sd) => format!("{m:.digits$} ± {sd:.digits$}"),
            None => format!("{m:.digits$}"),
        };
        if self.values.len() < self.expected {
            s += &format!(" (n={} of {})", self.values.len(), self.expected);
        }
        s
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// Row label.
    pub name: String,
    /// Indices of its runs in the run list.
    pub runs: Vec<usize>,
    /// One cell per column.
    pub cells: Vec<Cell>,
    /// The paper's number per column (displayed unit), when known.
    pub paper: Vec<Option<f64>>,
}

/// The whole table, computed.
#[derive(Debug, Clone)]
pub struct Table {
    /// The rows, in order.
    pub rows: Vec<Row>,
}

/// Whether `run` has `value` (a label or a raw value) on `axis`.
fn run_matches(run: &Run, axis: &str, value: &toml::Value) -> bool {
    let label = run.label(axis);
    let raw = run.values.iter().find(|(a, _)| a == axis).map(|(_, v)| v);
    label == Some(&super::value_label(value)) || value.as_str().is_some_and(|s| label == Some(s)) || raw == Some(value)
        || matches!((raw, value), (Some(toml::Value::Integer(a)), toml::Value::Float(b)) if (*a as f64) == *b)
        || matches!((raw, value), (Some(toml::Value::Float(a)), toml::Value::Integer(b)) if *a == (*b as f64))
}

/// The cell of `runs` (indices) for a column.
pub fn cell(statuses: &[RunStatus], runs: &[usize], c: &super::Column) -> Cell {
    let vals: Vec<Value> = runs.iter().map(|&i| value(statuses[i].results(), c)).collect();
    let values = vals.iter().filter_map(|v| if let Value::Number(x) = v { Some(*x) } else { None }).collect();
    let undefined = vals.iter().filter(|v| **v == Value::Undefined).count();
    Cell { values, undefined, expected: runs.len() }
}

/// Builds the table of `spec` over `runs` with their statuses.
pub fn build(exp: &Experiment, spec: &TableSpec, runs: &[Run], statuses: &[RunStatus]) -> Table {
    let groups: Vec<(String, Vec<usize>, Vec<Option<f64>>)> = if spec.rows.is_empty() {
        let keep: Vec<&str> =
            exp.runs_from.axes.iter().map(|a| a.name.as_str()).filter(|a| !spec.aggregate.iter().any(|x| x == a)).collect();
        let mut groups: Vec<(String, Vec<usize>, Vec<Option<f64>>)> = Vec::new();
        for (i, r) in runs.iter().enumerate() {
            let key: Vec<String> = keep.iter().map(|a| format!("{a} = {}", r.label(a).unwrap_or("?"))).collect();
            let name = if key.is_empty() { "all runs".to_string() } else { key.join(", ") };
            match groups.iter_mut().find(|g| g.0 == name) {
                Some(g) => g.1.push(i),
                None => groups.push((name, vec![i], vec![None; spec.columns.len()])),
            }
        }
        groups
    } else {
        spec.rows
            .iter()
            .map(|row| {
                let idx = runs.iter().enumerate().filter(|(_, r)| row.matches.iter().all(|(a, v)| run_matches(r, a, v))).map(|(i, _)| i).collect();
                let paper = spec.columns.iter().map(|c| row.paper.get(&c.name).and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)))).collect();
                (row.name.clone(), idx, paper)
            })
            .collect()
    };
    let rows = groups
        .into_iter()
        .map(|(name, idx, paper)| {
            let cells = spec
                .columns
                .iter()
                .map(|c| cell(statuses, &idx, c))
                .collect();
            Row { name, runs: idx, cells, paper }
        })
        .collect();
    Table { rows }
}

/// The table as Markdown: our numbers, then (when any row has one) the paper's numbers in a second block.
pub fn markdown(spec: &TableSpec, table: &Table, statuses: &[RunStatus]) -> String {
    let with_paper: Vec<usize> = (0..spec.columns.len()).filter(|&j| table.rows.iter().any(|r| r.paper[j].is_some())).collect();
    let mut head = format!("| {} | runs |", spec.row_header);
    let mut rule = String::from("|---|---:|");
    for c in &spec.columns {
        head += &format!(" {} |", c.name);
        rule += "---:|";
    }
    for &j in &with_paper {
        head += &format!(" paper: {} |", spec.columns[j].name);
        rule += "---:|";
    }
    let mut s = format!("{head}\n{rule}\n");
    for r in &table.rows {
        let complete = r.runs.iter().filter(|&&i| statuses[i].results().is_some()).count();
        s += &format!("| {} | {complete}/{} |", r.name, r.runs.len());
        for (c, cell) in spec.columns.iter().zip(&r.cells) {
            s += &format!(" {} |", cell.show(c.digits));
        }
        for &j in &with_paper {
            let d = spec.columns[j].digits;
            s += &match r.paper[j] {
                Some(p) => format!(" {p:.d$} |"),
                None => " — |".to_string(),
            };
        }
        s += "\n";
    }
    s
}

/// The table as CSV, one line per (row, column): mean, std, n, runs, the paper's number, and every run's value.
pub fn csv(spec: &TableSpec, table: &Table, runs: &[Run], statuses: &[RunStatus]) -> String {
    let mut s = String::from("row,column,path,mean,std,n,runs,paper,values\n");
    for r in &table.rows {
        for (j, (c, cell)) in spec.columns.iter().zip(&r.cells).enumerate() {
            let per_run: Vec<String> = r
                .runs
                .iter()
                .map(|&i| {
                    let v = match value(statuses[i].results(), c) {
                        Value::Number(x) => format!("{x}"),
                        other => other.show(0),
                    };
                    format!("{}={v}", runs[i].name)
                })
                .collect();
            let opt = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
            s += &format!(
                "{},{},{},{},{},{},{},{},{}\n",
                quote(&r.name),
                quote(&c.name),
                quote(&c.path),
                cell.mean().map(|m| format!("{m}")).unwrap_or_else(|| cell.show(0)),
                opt(cell.std()),
                cell.values.len(),
                r.runs.len(),
                opt(r.paper[j]),
                quote(&per_run.join(";"))
            );
        }
    }
    s
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}
