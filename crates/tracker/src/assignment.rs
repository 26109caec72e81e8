//! Linear assignment (minimum-cost bipartite matching) on top of the `pathfinding` crate's Kuhn-Munkres
//! solver, with the two front ends the tracker needs: scipy's `linear_sum_assignment` semantics, and lap's
//! `lapjv(extend_cost=True, cost_limit=L)` semantics (pairs costing more than `L` stay unmatched).
//!
//! `pathfinding` wants integer weights (floating-point slack tests make the Hungarian method unreliable), so
//! costs are mapped affinely to `i64` with about 1e-12 relative resolution; totals and the reported matches are
//! computed from the original `f64` costs.

use pathfinding::kuhn_munkres::kuhn_munkres_min;
use pathfinding::matrix::Matrix;

/// A dense row-major cost matrix. `f64::INFINITY` marks a forbidden pair.
#[derive(Debug, Clone, PartialEq)]
pub struct CostMatrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

/// Why an assignment problem has no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssignmentError {
    /// The data length does not equal rows × cols.
    #[error("cost matrix data has {len} entries, expected {rows} x {cols} = {}", rows * cols)]
    Shape {
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        cols: usize,
        /// Entries given.
        len: usize,
    },
    /// An entry is NaN or −∞.
    #[error("cost matrix entry ({row}, {col}) is {value}; expected a finite number or +inf (forbidden)")]
    InvalidEntry {
        /// Row of the entry.
        row: usize,
        /// Column of the entry.
        col: usize,
        /// The offending value.
        value: f64,
    },
    /// Every complete matching uses a forbidden (+∞) pair.
    #[error("cost matrix is infeasible: no assignment of all {0} rows/columns avoids forbidden entries")]
    Infeasible(usize),
    /// The cost limit is NaN or negative infinity.
    #[error("cost limit {0} is invalid; expected a finite number")]
    InvalidLimit(f64),
}

impl CostMatrix {
    /// Builds a matrix from row-major data.
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, AssignmentError> {
        if data.len() != rows * cols {
            return Err(AssignmentError::Shape { rows, cols, len: data.len() });
        }
        Ok(Self { rows, cols, data })
    }

    /// A matrix filled by `f(row, col)`.
    pub fn from_fn(rows: usize, cols: usize, mut f: impl FnMut(usize, usize) -> f64) -> Self {
        let mut data = Vec::with_capacity(rows * cols);
        for r in 0..rows {
            for c in 0..cols {
                data.push(f(r, c));
            }
        }
        Self { rows, cols, data }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Entry at (row, col).
    pub fn get(&self, row: usize, col: usize) -> f64 {
        self.data[row * self.cols + col]
    }

    /// Sets the entry at (row, col).
    pub fn set(&mut self, row: usize, col: usize, value: f64) {
        self.data[row * self.cols + col] = value;
    }

    fn check_entries(&self) -> Result<(), AssignmentError> {
        for (i, &v) in self.data.iter().enumerate() {
            if v.is_nan() || v == f64::NEG_INFINITY {
                return Err(AssignmentError::InvalidEntry { row: i / self.cols, col: i % self.cols, value: v });
            }
        }
        Ok(())
    }
}

/// The result of a cost-limited assignment: matched (row, col) pairs sorted by row, and what was left over.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Assignment {
    /// Matched (row, col) pairs, sorted by row.
    pub matches: Vec<(usize, usize)>,
    /// Rows left unmatched, ascending.
    pub unmatched_rows: Vec<usize>,
    /// Columns left unmatched, ascending.
    pub unmatched_cols: Vec<usize>,
}

/// Largest magnitude of any scaled entry times the matrix size stays below this, far from `i64::MAX`.
const I64_BUDGET: f64 = 1e18;
/// Finest resolution wanted: about 1e-12 of the cost range.
const MAX_SCALE_UNITS: f64 = 1e12;

/// Scale factor mapping a cost range of width `span` to integers, for a square problem of size `n`.
fn scale_for(span: f64, n: usize) -> f64 {
    let n = n.max(1) as f64;
    let units = MAX_SCALE_UNITS.min(I64_BUDGET / (4.0 * (n + 1.0) * (n + 1.0)));
    units / span.max(f64::MIN_POSITIVE)
}

/// Minimum-cost assignment with scipy's `linear_sum_assignment` semantics: `min(rows, cols)` pairs, sorted by
/// row, minimising the summed cost; `+inf` entries are forbidden and an error is returned when no complete
/// assignment avoids them.
pub fn linear_sum_assignment(cost: &CostMatrix) -> Result<Vec<(usize, usize)>, AssignmentError> {
    cost.check_entries()?;
    let (n, m) = (cost.rows, cost.cols);
    let k = n.min(m);
    if k == 0 {
        return Ok(Vec::new());
    }
    let transposed = n > m;
    let (rows, cols) = if transposed { (m, n) } else { (n, m) };
    let at = |r: usize, c: usize| if transposed { cost.get(c, r) } else { cost.get(r, c) };
    let finite = cost.data.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo > hi {
        return Err(AssignmentError::Infeasible(k));
    }
    // Finite costs map to [0, span_units]; a forbidden entry costs more than any k finite entries together,
    // so the optimum uses one only when nothing else is possible.
    let span_units = MAX_SCALE_UNITS.min(I64_BUDGET / (4.0 * (k as f64 + 2.0) * (k as f64 + 2.0)));
    let scale = span_units / (hi - lo).max(f64::MIN_POSITIVE);
    let big = (span_units as i64 + 1) * (k as i64 + 1);
    let mut values = Vec::with_capacity(rows * cols);
    let mut forbidden = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            let v = at(r, c);
            let is_forbidden = !v.is_finite();
            forbidden.push(is_forbidden);
            values.push(if is_forbidden { big } else { ((v - lo) * scale).round() as i64 });
        }
    }
    let weights = Matrix::from_vec(rows, cols, values).expect("length checked above");
    let (_, assigned) = kuhn_munkres_min(&weights);
    let mut pairs = Vec::with_capacity(k);
    for (r, &c) in assigned.iter().enumerate() {
        if forbidden[r * cols + c] {
            return Err(AssignmentError::Infeasible(k));
        }
        pairs.push(if transposed { (c, r) } else { (r, c) });
    }
    pairs.sort_unstable();
    Ok(pairs)
}

/// Minimum-cost partial assignment where leaving a row or a column unmatched costs `limit / 2` (lap's
/// `extend_cost=True, cost_limit=limit`). A pair is matched only if its cost is at most `limit`; `+inf` (and
/// anything above `limit`) is never matched. Among optimal answers, a pair costing exactly `limit` is kept.
pub fn assign_with_limit(cost: &CostMatrix, limit: f64) -> Result<Assignment, AssignmentError> {
    cost.check_entries()?;
    if !limit.is_finite() {
        return Err(AssignmentError::InvalidLimit(limit));
    }
    let (n, m) = (cost.rows, cost.cols);
    if n == 0 || m == 0 {
        return Ok(Assignment { matches: Vec::new(), unmatched_rows: (0..n).collect(), unmatched_cols: (0..m).collect() });
    }
    // Entries above the limit can never be part of an optimum (swapping them for two dummies is cheaper),
    // so they are clamped to one value just above it; that bounds the integer range.
    let lo = cost.data.iter().copied().fold(limit, f64::min);
    let above = limit + (limit - lo).max(1.0);
    let size = n + m;
    let scale = scale_for(above - lo, size);
    let to_int = |v: f64| ((v.min(above) - lo) * scale).round() as i64;
    // Real entries are shifted by -lo, so a dummy costs (limit - lo) / 2: a real pair is then preferred to
    // two dummies exactly when its cost is at most the limit. One extra unit makes exact ties keep the pair.
    let half = ((limit - lo) * scale / 2.0).round() as i64 + 1;
    let mut values = vec![0i64; size * size];
    for r in 0..size {
        for c in 0..size {
            values[r * size + c] = match (r < n, c < m) {
                (true, true) => to_int(cost.get(r, c)),
                (true, false) | (false, true) => half,
                (false, false) => 0,
            };
        }
    }
    let weights = Matrix::from_vec(size, size, values).expect("square matrix");
    let (_, assigned) = kuhn_munkres_min(&weights);
    let mut matches = Vec::new();
    let mut row_done = vec![false; n];
    let mut col_done = vec![false; m];
    for (r, &c) in assigned.iter().enumerate().take(n) {
        if c < m && cost.get(r, c) <= limit {
            matches.push((r, c));
            row_done[r] = true;
            col_done[c] = true;
        }
    }
    Ok(Assignment {
        matches,
        unmatched_rows: (0..n).filter(|&r| !row_done[r]).collect(),
        unmatched_cols: (0..m).filter(|&c| !col_done[c]).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_optimum() {
        let c = CostMatrix::new(3, 3, vec![4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0]).unwrap();
        assert_eq!(linear_sum_assignment(&c).unwrap(), vec![(0, 1), (1, 0), (2, 2)]);
    }

    #[test]
    fn rectangular_both_ways() {
        let c = CostMatrix::new(2, 3, vec![5.0, 1.0, 9.0, 1.0, 2.0, 9.0]).unwrap();
        assert_eq!(linear_sum_assignment(&c).unwrap(), vec![(0, 1), (1, 0)]);
        let t = CostMatrix::from_fn(3, 2, |r, col| c.get(col, r));
        assert_eq!(linear_sum_assignment(&t).unwrap(), vec![(0, 1), (1, 0)]);
    }

    #[test]
    fn forbidden_entries_and_infeasibility() {
        let inf = f64::INFINITY;
        let c = CostMatrix::new(2, 2, vec![0.0, inf, 0.0, inf]).unwrap();
        assert_eq!(linear_sum_assignment(&c), Err(AssignmentError::Infeasible(2)));
        let c = CostMatrix::new(2, 2, vec![inf, 9.0, 1.0, inf]).unwrap();
        assert_eq!(linear_sum_assignment(&c).unwrap(), vec![(0, 1), (1, 0)]);
        let c = CostMatrix::new(1, 1, vec![f64::NAN]).unwrap();
        assert!(matches!(linear_sum_assignment(&c), Err(AssignmentError::InvalidEntry { .. })));
    }

    #[test]
    fn limit_leaves_expensive_pairs_unmatched() {
        let inf = f64::INFINITY;
        let c = CostMatrix::new(2, 3, vec![0.1, 0.9, inf, 0.6, 0.2, inf]).unwrap();
        let a = assign_with_limit(&c, 0.5).unwrap();
        assert_eq!(a.matches, vec![(0, 0), (1, 1)]);
        assert_eq!(a.unmatched_cols, vec![2]);
        let a = assign_with_limit(&c, 0.15).unwrap();
        assert_eq!(a.matches, vec![(0, 0)]);
        assert_eq!(a.unmatched_rows, vec![1]);
        assert_eq!(a.unmatched_cols, vec![1, 2]);
    }

    #[test]
    fn limit_keeps_exact_ties_and_handles_empty() {
        let c = CostMatrix::new(1, 1, vec![0.5]).unwrap();
        assert_eq!(assign_with_limit(&c, 0.5).unwrap().matches, vec![(0, 0)]);
        let e = CostMatrix::new(0, 3, vec![]).unwrap();
        assert_eq!(assign_with_limit(&e, 0.5).unwrap().unmatched_cols, vec![0, 1, 2]);
        assert!(assign_with_limit(&c, f64::NAN).is_err());
    }

    #[test]
    fn limit_prefers_two_cheap_pairs_over_one_cheaper() {
        // Matching (0,0) alone costs 0.1 + 2 × 0.5 (two leftovers at limit/2 each... with limit 1.0);
        // matching (0,1),(1,0) costs 0.45 + 0.45 = 0.9 < 1.1.
        let c = CostMatrix::new(2, 2, vec![0.1, 0.45, 0.45, 2.0]).unwrap();
        assert_eq!(assign_with_limit(&c, 1.0).unwrap().matches, vec![(0, 1), (1, 0)]);
    }
}
