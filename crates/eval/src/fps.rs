//! Frame-rate measurement: median per-frame time after a warm-up, for the model alone and end to end
//! (decode + model + post-processing + tracking; I/O and drawing are the caller's to leave out).

use std::time::{Duration, Instant};

/// Collects per-frame timings; the first `warmup` frames are discarded.
#[derive(Debug, Clone, Default)]
pub struct FpsTimer {
    warmup: usize,
    seen: usize,
    model: Vec<Duration>,
    end_to_end: Vec<Duration>,
}

/// Median timings and the frame rates they imply.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FpsReport {
    /// Frames measured (after warm-up).
    pub frames: usize,
    /// Median model-only time per frame, milliseconds.
    pub model_ms: f64,
    /// 1000 / `model_ms`.
    pub model_fps: f64,
    /// Median end-to-end time per frame, milliseconds.
    pub end_to_end_ms: f64,
    /// 1000 / `end_to_end_ms`.
    pub end_to_end_fps: f64,
}

fn median_ms(v: &[Duration]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s: Vec<f64> = v.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 { s[n / 2] } else { 0.5 * (s[n / 2 - 1] + s[n / 2]) }
}

impl FpsTimer {
    /// A timer that ignores the first `warmup` frames (allocator, kernel caches, lazy init).
    pub fn new(warmup: usize) -> FpsTimer {
        FpsTimer { warmup, ..Default::default() }
    }

    /// Records one frame's model-only and end-to-end times.
    pub fn record(&mut self, model: Duration, end_to_end: Duration) {
        self.seen += 1;
        if self.seen > self.warmup {
            self.model.push(model);
            self.end_to_end.push(end_to_end);
        }
    }

    /// Times one frame: `pre` (decode), `model`, `post` (post-processing and tracking) run in order; returns the
    /// model's output after `post` has seen it.
    pub fn frame<A, B, C>(&mut self, pre: impl FnOnce() -> A, model: impl FnOnce(A) -> B, post: impl FnOnce(&B) -> C) -> (B, C) {
        let t0 = Instant::now();
        let a = pre();
        let t1 = Instant::now();
        let b = model(a);
        let t2 = Instant::now();
        let c = post(&b);
        let t3 = Instant::now();
        self.record(t2 - t1, t3 - t0);
        (b, c)
    }

    /// Frames recorded after warm-up.
    pub fn frames(&self) -> usize {
        self.model.len()
    }

    /// Medians and rates (NaN when nothing was measured yet).
    pub fn report(&self) -> FpsReport {
        let (m, e) = (median_ms(&self.model), median_ms(&self.end_to_end));
        FpsReport { frames: self.model.len(), model_ms: m, model_fps: 1e3 / m, end_to_end_ms: e, end_to_end_fps: 1e3 / e }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_after_warmup() {
        let mut t = FpsTimer::new(2);
        for ms in [500, 400, 10, 30, 20, 40] {
            t.record(Duration::from_millis(ms), Duration::from_millis(2 * ms));
        }
        let r = t.report();
        assert_eq!(r.frames, 4);
        assert!((r.model_ms - 25.0).abs() < 1e-9 && (r.model_fps - 40.0).abs() < 1e-9);
        assert!((r.end_to_end_ms - 50.0).abs() < 1e-9);
    }

    #[test]
    fn frame_times_stages() {
        let mut t = FpsTimer::new(0);
        let (b, c) = t.frame(|| 2, |a| a * 3, |b| b + 1);
        assert_eq!((b, c), (6, 7));
        let r = t.report();
        assert!(r.end_to_end_ms >= r.model_ms);
    }
}
