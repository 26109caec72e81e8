//! Constant-velocity Kalman filter on the box state (cx, cy, a = w/h, h) and its velocities, with noise
//! scaled by the box height (the DeepSORT / FairMOT filter, model-spec §6).

use nalgebra::{Matrix4, SMatrix, SVector, Vector4};

/// 8-dimensional state vector: cx, cy, a, h, vcx, vcy, va, vh.
pub type StateVector = SVector<f64, 8>;
/// 8 × 8 state covariance.
pub type StateCovariance = SMatrix<f64, 8, 8>;
/// A measurement: box centre x, centre y, aspect ratio w/h, height h.
pub type Xyah = [f64; 4];

/// 0.95 quantile of the χ² distribution for 1..=9 degrees of freedom (the gating thresholds).
pub const CHI2_95: [f64; 9] = [3.8415, 5.9915, 7.8147, 9.4877, 11.070, 12.592, 14.067, 15.507, 16.919];

/// Mean and covariance of one track's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    /// State mean.
    pub mean: StateVector,
    /// State covariance.
    pub covariance: StateCovariance,
}

impl Gaussian {
    /// The mean as an array, in the order cx, cy, a, h, vcx, vcy, va, vh.
    pub fn mean_array(&self) -> [f64; 8] {
        std::array::from_fn(|i| self.mean[i])
    }
}

/// The filter's fixed parameters: motion noise weights relative to the box height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KalmanFilter {
    /// Position noise per unit of height (1/20 in FairMOT).
    pub std_weight_position: f64,
    /// Velocity noise per unit of height (1/160 in FairMOT).
    pub std_weight_velocity: f64,
}

impl Default for KalmanFilter {
    fn default() -> Self {
        Self { std_weight_position: 1.0 / 20.0, std_weight_velocity: 1.0 / 160.0 }
    }
}

fn diag8(std: [f64; 8]) -> StateCovariance {
    StateCovariance::from_diagonal(&StateVector::from_fn(|i, _| std[i] * std[i]))
}

impl KalmanFilter {
    /// Starts a track from its first measurement: zero velocity, uncertainty proportional to the height.
    pub fn initiate(&self, z: Xyah) -> Gaussian {
        let h = z[3];
        let (p, v) = (self.std_weight_position, self.std_weight_velocity);
        let mean = StateVector::from_column_slice(&[z[0], z[1], z[2], z[3], 0.0, 0.0, 0.0, 0.0]);
        let std = [2.0 * p * h, 2.0 * p * h, 1e-2, 2.0 * p * h, 10.0 * v * h, 10.0 * v * h, 1e-5, 10.0 * v * h];
        Gaussian { mean, covariance: diag8(std) }
    }

    /// Process noise for a state whose current height is `h`.
    fn process_noise(&self, h: f64) -> StateCovariance {
        let (p, v) = (self.std_weight_position, self.std_weight_velocity);
        diag8([p * h, p * h, 1e-2, p * h, v * h, v * h, 1e-5, v * h])
    }

    /// One time step (dt = 1): x ← F x, P ← F P Fᵀ + Q, with Q from the height before the step.
    pub fn predict(&self, g: &Gaussian) -> Gaussian {
        let q = self.process_noise(g.mean[3]);
        let mut mean = g.mean;
        for i in 0..4 {
            mean[i] += g.mean[i + 4];
        }
        // F P Fᵀ with F = [[I, I], [0, I]] written blockwise: avoids two 8x8 products.
        let p = &g.covariance;
        let mut fp = *p;
        for r in 0..4 {
            for c in 0..8 {
                fp[(r, c)] += p[(r + 4, c)];
            }
        }
        let mut fpf = fp;
        for r in 0..8 {
            for c in 0..4 {
                fpf[(r, c)] += fp[(r, c + 4)];
            }
        }
        Gaussian { mean, covariance: fpf + q }
    }

    /// Predicts many tracks at once (the batched `multi_predict` of FairMOT).
    pub fn multi_predict(&self, states: &mut [Gaussian]) {
        for g in states.iter_mut() {
            *g = self.predict(g);
        }
    }

    /// Projects a state into measurement space: the mean (cx, cy, a, h) and S = H P Hᵀ + R.
    pub fn project(&self, g: &Gaussian) -> (Vector4<f64>, Matrix4<f64>) {
        let h = g.mean[3];
        let p = self.std_weight_position;
        let r = Matrix4::from_diagonal(&Vector4::new((p * h).powi(2), (p * h).powi(2), 1e-1_f64.powi(2), (p * h).powi(2)));
        let mean = Vector4::new(g.mean[0], g.mean[1], g.mean[2], g.mean[3]);
        let cov: Matrix4<f64> = g.covariance.fixed_view::<4, 4>(0, 0).into_owned() + r;
        (mean, cov)
    }

    /// Corrects a state with a measurement. Returns `None` when the innovation covariance is not positive
    /// definite (a degenerate state, e.g. a non-positive height), which the caller treats as a bad track.
    pub fn update(&self, g: &Gaussian, z: Xyah) -> Option<Gaussian> {
        let (proj_mean, proj_cov) = self.project(g);
        let chol = proj_cov.cholesky()?;
        // K = P Hᵀ S⁻¹, computed as (S⁻¹ (P Hᵀ)ᵀ)ᵀ since S is symmetric.
        let pht: SMatrix<f64, 8, 4> = g.covariance.fixed_view::<8, 4>(0, 0).into_owned();
        let gain: SMatrix<f64, 8, 4> = chol.solve(&pht.transpose()).transpose();
        let innovation = Vector4::new(z[0], z[1], z[2], z[3]) - proj_mean;
        let mean = g.mean + gain * innovation;
        let covariance = g.covariance - gain * proj_cov * gain.transpose();
        Some(Gaussian { mean, covariance })
    }

    /// Squared Mahalanobis distance between the projected state and each measurement (dᵀ S⁻¹ d). With
    /// `only_position` only (cx, cy) count (compare with [`CHI2_95`]`[1]`); otherwise all four (`CHI2_95[3]`).
    /// Returns `None` when the projected covariance is not positive definite.
    pub fn gating_distance(&self, g: &Gaussian, measurements: &[Xyah], only_position: bool) -> Option<Vec<f64>> {
        let (mean, cov) = self.project(g);
        if only_position {
            let chol = cov.fixed_view::<2, 2>(0, 0).into_owned().cholesky()?;
            Some(
                measurements
                    .iter()
                    .map(|z| {
                        let d = nalgebra::Vector2::new(z[0] - mean[0], z[1] - mean[1]);
                        let l = chol.l();
                        let y = l.solve_lower_triangular(&d).unwrap_or(d * f64::INFINITY);
                        y.norm_squared()
                    })
                    .collect(),
            )
        } else {
            let chol = cov.cholesky()?;
            let l = chol.l();
            Some(
                measurements
                    .iter()
                    .map(|z| {
                        let d = Vector4::new(z[0], z[1], z[2], z[3]) - mean;
                        let y = l.solve_lower_triangular(&d).unwrap_or(d * f64::INFINITY);
                        y.norm_squared()
                    })
                    .collect(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predict_moves_by_velocity_and_grows_uncertainty() {
        let kf = KalmanFilter::default();
        let mut g = kf.initiate([100.0, 50.0, 0.5, 80.0]);
        g.mean[4] = 3.0;
        g.mean[5] = -2.0;
        let p = kf.predict(&g);
        assert_eq!(p.mean[0], 103.0);
        assert_eq!(p.mean[1], 48.0);
        for i in 0..8 {
            assert!(p.covariance[(i, i)] > g.covariance[(i, i)]);
        }
    }

    #[test]
    fn update_pulls_towards_measurement_and_shrinks_uncertainty() {
        let kf = KalmanFilter::default();
        let g = kf.predict(&kf.initiate([100.0, 50.0, 0.5, 80.0]));
        let u = kf.update(&g, [110.0, 50.0, 0.5, 80.0]).unwrap();
        assert!(u.mean[0] > 100.0 && u.mean[0] < 110.0);
        assert!(u.covariance[(0, 0)] < g.covariance[(0, 0)]);
    }

    #[test]
    fn gating_distance_is_zero_at_the_mean_and_grows_away() {
        let kf = KalmanFilter::default();
        let g = kf.initiate([100.0, 50.0, 0.5, 80.0]);
        let d = kf.gating_distance(&g, &[[100.0, 50.0, 0.5, 80.0], [130.0, 50.0, 0.5, 80.0]], false).unwrap();
        assert!(d[0].abs() < 1e-12);
        assert!(d[1] > CHI2_95[3]);
        let dp = kf.gating_distance(&g, &[[130.0, 50.0, 0.5, 80.0]], true).unwrap();
        assert!(dp[0] > 0.0 && dp[0] <= d[1] + 1e-9);
    }

    #[test]
    fn degenerate_height_is_reported_not_panicking() {
        let kf = KalmanFilter::default();
        let mut g = kf.initiate([0.0, 0.0, 1.0, 10.0]);
        g.covariance = StateCovariance::zeros();
        g.mean[3] = 0.0;
        assert!(kf.update(&g, [0.0, 0.0, 1.0, 10.0]).is_none());
    }
}
