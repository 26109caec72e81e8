//! `trainer sweep experiments/NAME.toml`: expands an experiment file into runs and trains them one after the
//! other, each as its own `trainer train CONFIG --set ...` process with `output_dir` = `<output_root>/<run>`.
//! A run whose `results.json` is complete is skipped; one with a checkpoint continues with `--resume`. Every
//! dataset the runs read is checked before anything starts. `--dry-run` lists the runs, their resolved
//! differences from the base config and the command of each.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::experiment::table::RunStatus;
use crate::experiment::{self, Experiment, Run};
use crate::training::interrupt;
use crate::training::progress::fmt_secs;

/// `println!` that ignores a closed stdout (`trainer sweep X --dry-run | head` must not panic).
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// The running `trainer` binary, refused when it has been replaced on disk since the sweep started (a rebuild
/// during a sweep): the runs would otherwise use another build than the one that planned them.
fn trainer_exe() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the trainer binary")?;
    if exe.to_string_lossy().ends_with(" (deleted)") {
        bail!("the trainer binary was replaced on disk while the sweep ran (rebuilt?); run the sweep again, or sweep from a copy of the binary");
    }
    Ok(exe)
}

/// Arguments of `trainer sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The experiment file (`experiments/NAME.toml`).
    pub experiment: PathBuf,
    /// List the runs, their differences from the base config and their commands; train nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only runs whose folder name contains this text (repeatable: any of them).
    #[arg(long, value_name = "TEXT")]
    pub only: Vec<String>,
    /// Go on with the next run when one fails (the default stops at the first failure).
    #[arg(long)]
    pub keep_going: bool,
}

/// What the sweep will do with a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `results.json` is complete: nothing to do.
    Skip,
    /// Complete, but made with a config that differs from what the run resolves to now (a base config or an
    /// override changed): the sweep refuses to mix it with new runs until its folder is removed.
    Stale,
    /// A checkpoint exists: continue it with `--resume`.
    Resume,
    /// Train from the start.
    Start,
}

/// One run with its action and command line (program arguments after `trainer`).
#[derive(Debug, Clone)]
pub struct Planned {
    pub run: Run,
    pub status: RunStatus,
    pub action: Action,
    pub args: Vec<String>,
    /// The config the run resolves to now.
    pub config: crate::config::ExperimentConfig,
    /// For a stale run: the keys whose recorded value differs (key, recorded, now).
    pub stale: Vec<(String, String, String)>,
}

/// Keys whose value in the run folder's `config.resolved.toml` differs from `now` (empty when they agree or
/// when the folder has no resolved config).
pub fn recorded_differences(dir: &Path, now: &crate::config::ExperimentConfig) -> Vec<(String, String, String)> {
    let Ok(text) = std::fs::read_to_string(dir.join("config.resolved.toml")) else { return Vec::new() };
    match toml::from_str::<toml::Table>(&text) {
        Ok(t) => experiment::value_differences(&toml::Value::Table(t), &toml::Value::try_from(now).expect("config serialises")),
        Err(e) => vec![("config.resolved.toml".into(), format!("unreadable ({e})"), "-".into())],
    }
}

/// The runs of an experiment with what the sweep will do about each (filtered by `only`).
pub fn plan(exp: &Experiment, only: &[String]) -> Result<Vec<Planned>> {
    let runs = exp.runs()?;
    let mut out = Vec::new();
    for run in runs {
        if !only.is_empty() && !only.iter().any(|o| run.name.contains(o.as_str())) {
            continue;
        }
        let config = exp.resolve(&run)?;
        let status = RunStatus::of(&run.dir);
        let stale = if matches!(status, RunStatus::Complete(_)) { recorded_differences(&run.dir, &config) } else { Vec::new() };
        let action = match &status {
            RunStatus::Complete(_) if !stale.is_empty() => Action::Stale,
            RunStatus::Complete(_) => Action::Skip,
            RunStatus::Incomplete { checkpoint: true } => Action::Resume,
            _ => Action::Start,
        };
        let mut args = vec!["train".to_string(), exp.runs_from.config.display().to_string()];
        for o in run.overrides.iter().cloned().chain([format!("output_dir={}", toml::Value::String(run.dir.display().to_string()))]) {
            args.push("--set".into());
            args.push(o);
        }
        if action == Action::Resume {
            args.push("--resume".into());
        }
        out.push(Planned { run, status, action, args, config, stale });
    }
    if out.is_empty() && !only.is_empty() {
        bail!("{}: no run name contains any of {only:?}", exp.path.display());
    }
    Ok(out)
}

/// A command line for people: arguments with spaces or quotes are single-quoted.
pub fn shell_line(program: &str, args: &[String]) -> String {
    let q = |a: &str| {
        if a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c)) { a.to_string() } else { format!("'{}'", a.replace('\'', "'\\''")) }
    };
    std::iter::once(program.to_string()).chain(args.iter().map(|a| q(a))).collect::<Vec<_>>().join(" ")
}

/// Runs the sweep (or lists it with `--dry-run`).
pub fn run(args: SweepArgs) -> Result<()> {
    let exp = Experiment::load(&args.experiment)?;
    let planned = plan(&exp, &args.only)?;
    let base = exp.base_config()?;
    let resolved: Vec<_> = planned.iter().map(|p| p.config.clone()).collect();
    let src = &exp.runs_from;
    say!("{}: {}", exp.path.display(), exp.file.title);
    if src.path != exp.path {
        say!("  runs of {} (this file declares another table over them)", src.path.display());
    }
    let common: Vec<String> = src.common.iter().map(|(k, v)| experiment::render(k, v)).collect();
    say!("  base config: {}{}", src.config.display(), if common.is_empty() { String::new() } else { format!(" --set {}", common.join(" --set ")) });
    let count = |a: Action| planned.iter().filter(|p| p.action == a).count();
    say!(
        "  {} runs in {}: {} complete, {} to resume, {} to start{}",
        planned.len(),
        src.output_root.display(),
        count(Action::Skip),
        count(Action::Resume),
        count(Action::Start),
        if count(Action::Stale) > 0 { format!(", {} STALE (complete with another config)", count(Action::Stale)) } else { String::new() }
    );
    for p in &src.prepare {
        let done = Path::new(&p.creates).exists();
        say!("  prepare: {} ({})", shell_line("trainer", &p.args), if done { format!("done: {} exists", p.creates) } else { format!("to run: creates {}", p.creates) });
    }
    // Every dataset any run reads, once.
    let mut datasets: Vec<(String, String, String, String)> = Vec::new();
    for c in &resolved {
        for d in experiment::datasets_of(c) {
            if !datasets.iter().any(|e| e.1 == d.1 && e.2 == d.2 && e.3 == d.3) {
                datasets.push(d);
            }
        }
    }
    let mut missing = Vec::new();
    for (key, name, root, split) in &datasets {
        let state = match experiment::dataset_available(name, root, split) {
            Ok(()) if name == "synth" && !Path::new(root).exists() => "generated on first use".to_string(),
            Ok(()) => "found".to_string(),
            Err(e) => {
                missing.push(format!("{key}: {e}"));
                "MISSING".to_string()
            }
        };
        say!("  data: {name} split {split} at {root} ({key}): {state}");
    }
    let exe = trainer_exe()?;
    if args.dry_run {
        for (i, (p, c)) in planned.iter().zip(&resolved).enumerate() {
            let what = match p.action {
                Action::Skip => "complete, skipped",
                Action::Resume => "interrupted, resumes from its checkpoint",
                Action::Start => "to start",
                Action::Stale => "STALE: complete, but made with another config",
            };
            say!("[{}/{}] {}  ({what})", i + 1, planned.len(), p.run.name);
            let diff = experiment::differences(&base.config, c);
            if diff.is_empty() {
                say!("      (same resolved config as the base)");
            }
            for (k, a, b) in diff {
                say!("      {k}: {a} -> {b}");
            }
            for (k, was, now) in &p.stale {
                say!("      stale: {k} was {was}, now {now}");
            }
            say!("      {}", shell_line("trainer", &p.args));
        }
        if !missing.is_empty() {
            say!("  note: {} dataset(s) missing; a real sweep stops before training:", missing.len());
            for m in &missing {
                say!("    {m}");
            }
        }
        return Ok(());
    }
    if !missing.is_empty() {
        bail!("{}: cannot start, {} dataset(s) missing:\n  {}", exp.path.display(), missing.len(), missing.join("\n  "));
    }
    let stale: Vec<String> = planned
        .iter()
        .filter(|p| p.action == Action::Stale)
        .map(|p| {
            let (k, was, now) = &p.stale[0];
            format!("{} ({k} was {was}, now {now}{})", p.run.dir.display(), if p.stale.len() > 1 { format!(", and {} more keys", p.stale.len() - 1) } else { String::new() })
        })
        .collect();
    if !stale.is_empty() {
        bail!(
            "{}: {} complete run(s) were made with another config than they resolve to now; remove their folders to retrain them (or give the experiment another output_root to keep them):\n  {}",
            exp.path.display(),
            stale.len(),
            stale.join("\n  ")
        );
    }
    for p in src.prepare.iter().filter(|p| !Path::new(&p.creates).exists()) {
        say!("prepare: {}", shell_line("trainer", &p.args));
        let st = Command::new(&exe).args(&p.args).stdin(Stdio::null()).status().with_context(|| format!("starting {}", exe.display()))?;
        if !st.success() || !Path::new(&p.creates).exists() {
            bail!("{}: prepare step `{}` failed ({st}) or did not create {}", exp.path.display(), shell_line("trainer", &p.args), p.creates);
        }
    }
    interrupt::install();
    let logs = src.output_root.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    let started = Instant::now();
    let (mut trained, mut failed, mut without_results) = (0usize, Vec::new(), Vec::new());
    for (i, p) in planned.iter().enumerate() {
        let tag = format!("[{}/{}] {}", i + 1, planned.len(), p.run.name);
        if p.action == Action::Skip {
            say!("{tag}: complete, skipped");
            continue;
        }
        let log_path = logs.join(format!("{}.log", p.run.name));
        say!("{tag}: {} (log {})", if p.action == Action::Resume { "resuming" } else { "training" }, log_path.display());
        let _ = std::io::stdout().flush();
        let mut log = std::fs::OpenOptions::new().create(true).append(true).open(&log_path).with_context(|| format!("opening {}", log_path.display()))?;
        writeln!(log, "$ {}", shell_line(&exe.display().to_string(), &p.args))?;
        let exe = trainer_exe()?;
        let t = Instant::now();
        let status = Command::new(&exe)
            .args(&p.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log.try_clone()?)
            .status()
            .with_context(|| format!("starting {}", exe.display()))?;
        let secs = t.elapsed().as_secs_f64();
        let after = RunStatus::of(&p.run.dir);
        record(&src.output_root, &p.run.name, p.action, status.code(), secs, after.word())?;
        if interrupt::requested() {
            bail!("interrupted during {} after {}; run the same command again to resume it", p.run.name, fmt_secs(secs));
        }
        if !status.success() {
            eprintln!("{tag}: FAILED after {} ({status}); last lines of {}:", fmt_secs(secs), log_path.display());
            eprintln!("{}", tail(&log_path, 15));
            failed.push(p.run.name.clone());
            if !args.keep_going {
                bail!("run {} failed; fix it and run the same command again (finished runs are skipped), or pass --keep-going", p.run.name);
            }
            continue;
        }
        trained += 1;
        if after.results().is_none() {
            say!("{tag}: finished in {} but wrote no complete results.json; the report will show it as missing", fmt_secs(secs));
            without_results.push(p.run.name.clone());
        } else {
            say!("{tag}: done in {}", fmt_secs(secs));
        }
    }
    say!(
        "sweep {}: {} runs, {} skipped, {} trained in {}, {} failed{}",
        exp.stem,
        planned.len(),
        count(Action::Skip),
        trained,
        fmt_secs(started.elapsed().as_secs_f64()),
        failed.len(),
        if without_results.is_empty() { String::new() } else { format!(", {} without results", without_results.len()) }
    );
    say!("report: trainer report {}", exp.path.display());
    if !failed.is_empty() {
        bail!("failed runs: {}", failed.join(", "));
    }
    Ok(())
}

/// Appends one line to `<output_root>/sweep.jsonl`: run, action, exit code, wall seconds, resulting status.
fn record(root: &Path, run: &str, action: Action, code: Option<i32>, secs: f64, status: &str) -> Result<()> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let line = serde_json::json!({"run": run, "action": format!("{action:?}").to_lowercase(), "exit": code, "seconds": secs, "status": status, "finished_unix": now});
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(root.join("sweep.jsonl"))?;
    writeln!(f, "{line}")?;
    Ok(())
}

fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}
