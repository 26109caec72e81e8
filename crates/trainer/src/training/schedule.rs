//! The learning-rate schedule: linear warmup, then ×gamma after each listed epoch (detectron2's
//! `WarmupMultiStepLR`, with steps given in epochs as the paper states them).

/// LR as a function of the iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct LrSchedule {
    base_lr: f64,
    warmup_iters: u64,
    warmup_factor: f64,
    /// Iterations at which the LR drops (epoch × iterations per epoch), increasing.
    step_iters: Vec<u64>,
    gamma: f64,
}

impl LrSchedule {
    /// A schedule whose drops fall after the epochs in `lr_steps`, given the iterations in one epoch.
    pub fn new(base_lr: f64, warmup_iters: u64, warmup_factor: f64, lr_steps: &[u32], gamma: f64, iters_per_epoch: u64) -> Self {
        let step_iters = lr_steps.iter().map(|&e| e as u64 * iters_per_epoch).collect();
        Self { base_lr, warmup_iters, warmup_factor, step_iters, gamma }
    }

    /// The LR used by iteration `iter` (0-based).
    pub fn lr(&self, iter: u64) -> f64 {
        let drops = self.step_iters.iter().filter(|&&s| iter >= s).count();
        self.base_lr * self.warmup(iter) * self.gamma.powi(drops as i32)
    }

    fn warmup(&self, iter: u64) -> f64 {
        if iter >= self.warmup_iters {
            return 1.0;
        }
        let alpha = iter as f64 / self.warmup_iters as f64;
        self.warmup_factor * (1.0 - alpha) + alpha
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        // 100 iterations per epoch, drops after epochs 8 and 11, warmup over 50 iterations.
        let s = LrSchedule::new(0.01, 50, 0.001, &[8, 11], 0.1, 100);
        assert_eq!(s.lr(0), 0.01 * 0.001);
        assert!((s.lr(25) - 0.01 * (0.001 * 0.5 + 0.5)).abs() < 1e-15);
        assert_eq!(s.lr(50), 0.01);
        assert_eq!(s.lr(799), 0.01);
        assert!((s.lr(800) - 0.001).abs() < 1e-15);
        assert!((s.lr(1099) - 0.001).abs() < 1e-15);
        assert!((s.lr(1100) - 0.0001).abs() < 1e-16);
        assert!((s.lr(1199) - 0.0001).abs() < 1e-16);
    }

    #[test]
    fn no_warmup_and_no_steps() {
        let s = LrSchedule::new(0.02, 0, 0.001, &[], 0.1, 10);
        assert_eq!((s.lr(0), s.lr(10_000)), (0.02, 0.02));
    }
}
