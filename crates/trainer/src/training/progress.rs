//! Progress: an indicatif bar (loss, it/s, ETA) when stderr is a terminal, plain log lines otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// Reports training progress over `total` iterations.
pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    start_iter: u64,
    started: Instant,
    last_line: Instant,
    every: Duration,
    quiet: bool,
}

impl Progress {
    /// Starts at iteration `start` of `total`; `quiet` prints nothing.
    pub fn new(total: u64, start: u64, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} it  {msg}  {per_sec}  ETA {eta}")
                    .expect("valid template"),
            );
            b.set_position(start);
            b.reset_eta();
            b
        });
        let every = if quiet { Duration::MAX } else { Duration::from_secs(10) };
        let now = Instant::now();
        Self { bar, total, start_iter: start, started: now, last_line: now, every, quiet }
    }

    /// Iterations per second since the start of this process's part of the run.
    pub fn rate(&self, iter: u64) -> f64 {
        (iter - self.start_iter) as f64 / self.started.elapsed().as_secs_f64().max(1e-9)
    }

    /// Records that iteration `iter` (1-based count of finished iterations) ended with `loss` at `lr`.
    pub fn update(&mut self, iter: u64, epoch: u32, loss: f32, lr: f64) {
        if let Some(b) = &self.bar {
            b.set_position(iter);
            b.set_message(format!("epoch {} loss {loss:.4} lr {lr:.2e}", epoch + 1));
            return;
        }
        if !self.quiet && (self.last_line.elapsed() >= self.every || iter == self.total) {
            self.last_line = Instant::now();
            let rate = self.rate(iter);
            let eta = if rate > 0.0 { (self.total - iter) as f64 / rate } else { f64::NAN };
            eprintln!(
                "iter {iter}/{} epoch {} loss {loss:.4} lr {lr:.3e} {rate:.2} it/s ETA {}",
                self.total,
                epoch + 1,
                fmt_secs(eta)
            );
        }
    }

    /// Prints a line without breaking the bar.
    pub fn println(&self, msg: &str) {
        match &self.bar {
            Some(b) => b.println(msg),
            None => eprintln!("{msg}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// `1h02m03s` / `4m05s` / `6s`.
pub fn fmt_secs(s: f64) -> String {
    if !s.is_finite() {
        return "?".into();
    }
    let s = s.round() as u64;
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec:02}s"),
        (h, m, sec) => format!("{h}h{m:02}m{sec:02}s"),
    }
}
