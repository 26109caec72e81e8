//! `trainer report experiments/NAME.toml [--out docs/results]`: gathers the runs' `results.json` into the
//! experiment's table (Markdown and CSV, the paper's numbers in a second block) and its plot (PNG). Runs without
//! complete results show as "missing", never as numbers.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::experiment::plot::{self, Series};
use crate::experiment::table::{self, RunStatus};
use crate::experiment::Experiment;
use crate::training::progress::fmt_secs;

/// Arguments of `trainer report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The experiment file (`experiments/NAME.toml`).
    pub experiment: PathBuf,
    /// Folder receiving `<name>.md`, `<name>.csv` and the plot.
    #[arg(long, default_value = "docs/results")]
    pub out: PathBuf,
}

/// Writes the report files and prints the table.
pub fn run(args: ReportArgs) -> Result<()> {
    let exp = Experiment::load(&args.experiment)?;
    let Some(spec) = exp.file.table.clone() else {
        bail!("{}: no [table] to report", exp.path.display());
    };
    let runs = exp.runs()?;
    let statuses: Vec<RunStatus> = runs.iter().map(|r| RunStatus::of(&r.dir)).collect();
    let t = table::build(&exp, &spec, &runs, &statuses);
    let src = &exp.runs_from;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;

    let mut md = format!("# {}\n\n", exp.file.title);
    if !exp.file.description.trim().is_empty() {
        md += &format!("{}\n\n", exp.file.description.trim());
    }
    let complete = statuses.iter().filter(|s| s.results().is_some()).count();
    md += &format!(
        "Runs: `trainer sweep {}` ({} runs in `{}`, {} complete). Report: `trainer report {} --out {}`.\n",
        src.path.display(),
        runs.len(),
        src.output_root.display(),
        complete,
        exp.path.display(),
        args.out.display()
    );
    md += &format!("Generated {} on {}.\n\n", utc_now(), machine());
    if !spec.caption.is_empty() {
        md += &format!("{}\n\n", spec.caption.trim());
    }
    let body = table::markdown(&spec, &t, &statuses);
    md += &body;
    md += "\nOurs: mean ± sample standard deviation over the runs of a row (`runs` = complete / planned), in the \
           paper's units (COCO-style fractions × 100 unless the column says otherwise). `missing`: no complete \
           `results.json`, or the value is absent from it; `undefined`: the run is complete but the metric has no \
           value (pycocotools' -1 for a range without ground truth, or no matched positive for Table V).";
    if !spec.paper_source.is_empty() {
        md += &format!(" Paper: {} (`—`: not in our sources).", spec.paper_source.trim());
    }
    md += "\n";

    if let Some(pl) = &exp.file.plot {
        let col = spec.columns.iter().find(|c| c.name == pl.y).expect("checked when loading");
        let axes = &src.axes;
        let x_axis = axes.iter().find(|a| a.name == pl.x).expect("checked when loading");
        let series_values: Vec<String> = if pl.series.is_empty() {
            vec![String::new()]
        } else {
            axes.iter().find(|a| a.name == pl.series).expect("checked when loading").values.iter().map(|v| v.0.clone()).collect()
        };
        let mut series = Vec::new();
        let mut absent = 0usize;
        for sv in &series_values {
            let mut points = Vec::new();
            for (xl, xv, _) in &x_axis.values {
                let Some(x) = xv.as_float().or(xv.as_integer().map(|i| i as f64)) else {
                    bail!("{}: plot.x = {:?}: the value {xl} is not a number", exp.path.display(), pl.x);
                };
                let idx: Vec<usize> = runs
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.label(&pl.x) == Some(xl) && (pl.series.is_empty() || r.label(&pl.series) == Some(sv)))
                    .map(|(i, _)| i)
                    .collect();
                let c = table::cell(&statuses, &idx, col);
                match (c.mean(), c.std()) {
                    (Some(m), sd) => points.push((x * pl.x_scale, m, sd.unwrap_or(0.0), c.values.len())),
                    (None, _) => absent += 1,
                }
            }
            let label = pl.legend.get(sv).and_then(|v| v.as_str()).map(str::to_string).unwrap_or_else(|| sv.clone());
            series.push(Series { label, points });
        }
        let note = if absent > 0 { format!("{absent} point(s) missing (no complete runs)") } else { "points: mean, bars: +/- std over a point's runs (n in the table)".to_string() };
        let y_label = if pl.y_label.is_empty() { pl.y.clone() } else { pl.y_label.clone() };
        let img = plot::draw(&pl.title, &pl.x_label, &y_label, &series, &note);
        let file = pl.file.clone().unwrap_or_else(|| format!("{}.png", exp.stem));
        let png = args.out.join(&file);
        img.save(&png).with_context(|| format!("writing {}", png.display()))?;
        md += &format!("\n![{}]({file})\n", if pl.title.is_empty() { &exp.stem } else { &pl.title });
        if absent > 0 {
            md += &format!("\n{absent} plot point(s) are missing (no complete runs); they are left out of the plot, not drawn as zero.\n");
        }
    }

    // Wall time per run from the sweep's log (all parts of a resumed run), else the run's own `seconds`.
    let mut wall: std::collections::HashMap<String, (f64, usize)> = std::collections::HashMap::new();
    if let Ok(text) = std::fs::read_to_string(src.output_root.join("sweep.jsonl")) {
        for v in text.lines().filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()) {
            if let (Some(r), Some(secs)) = (v["run"].as_str(), v["seconds"].as_f64()) {
                let e = wall.entry(r.to_string()).or_default();
                e.0 += secs;
                e.1 += 1;
            }
        }
    }
    md += "\n## Runs\n\n`time`: wall time of the run's `trainer train` processes as the sweep logged them (`sweep.jsonl`; a \
           resumed run adds its parts), else the `seconds` of its `results.json`.\n\n| run | status | time | ";
    md += &spec.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(" | ");
    md += " |\n|---|---|---:|";
    md += &"---:|".repeat(spec.columns.len());
    md += "\n";
    let mut total = 0.0;
    for (r, s) in runs.iter().zip(&statuses) {
        let own = s.results().and_then(|v| v.get("seconds")).and_then(|v| v.as_f64());
        let (secs, parts) = match wall.get(&r.name) {
            Some(&(w, n)) => (Some(w), n),
            None => (own, 1),
        };
        if s.results().is_some() {
            total += secs.unwrap_or(0.0);
        }
        let cells: Vec<String> = spec
            .columns
            .iter()
            .map(|c| table::value(s.results(), c).show(c.digits))
            .collect();
        md += &format!("| {} | {} | {} | {} |\n", r.name, s.word(), secs.map(|t| if parts > 1 { format!("{} ({parts} parts)", fmt_secs(t)) } else { fmt_secs(t) }).unwrap_or_else(|| "–".into()), cells.join(" | "));
    }
    md += &format!("\nTotal wall time of the complete runs (training + evaluation): {}.\n", fmt_secs(total));

    let md_path = args.out.join(format!("{}.md", exp.stem));
    std::fs::write(&md_path, &md).with_context(|| format!("writing {}", md_path.display()))?;
    let csv_path = args.out.join(format!("{}.csv", exp.stem));
    std::fs::write(&csv_path, table::csv(&spec, &t, &runs, &statuses)).with_context(|| format!("writing {}", csv_path.display()))?;
    print!("{body}");
    eprintln!("{} of {} runs complete; wrote {} and {}", complete, runs.len(), md_path.display(), csv_path.display());
    Ok(())
}

/// "2026-11-21 04:12 UTC".
fn utc_now() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

/// "Intel(R) Xeon(R) ... (2 logical CPUs), Debian GNU/Linux 12 (bookworm)" from /proc/cpuinfo and /etc/os-release.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(|s| s.trim().to_string());
    let n = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| t.lines().find(|l| l.starts_with("PRETTY_NAME=")).map(|l| l["PRETTY_NAME=".len()..].trim_matches('"').to_string()));
    let mut s = format!("{} ({n} logical CPUs)", model.unwrap_or_else(|| std::env::consts::ARCH.to_string()));
    if let Some(os) = os {
        s += &format!(", {os}");
    }
    s
}
