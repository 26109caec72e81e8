//! Linear sum assignment (minimum-cost matching on a dense rectangular matrix).
//!
//! Shortest augmenting path with dual variables (Crouse 2016), the algorithm scipy's
//! `linear_sum_assignment` uses. The scan order and tie rule follow it too, so that when several
//! optimal matchings exist (common with tiny masks) we pick the same one as TrackEval does.

/// Solves min Σ cost[r][c] over a maximal matching of a `rows × cols` matrix given row-major in `cost`.
/// Returns `(row, col)` pairs sorted by row, `min(rows, cols)` of them. Costs must be finite.
pub fn linear_sum_assignment(cost: &[f64], rows: usize, cols: usize) -> Vec<(usize, usize)> {
    assert_eq!(cost.len(), rows * cols, "cost matrix size");
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    let transpose = cols < rows;
    let (nr, nc) = if transpose { (cols, rows) } else { (rows, cols) };
    let c: Vec<f64> = if transpose {
        let mut t = vec![0.0; nr * nc];
        for r in 0..rows {
            for k in 0..cols {
                t[k * nc + r] = cost[r * cols + k];
            }
        }
        t
    } else {
        cost.to_vec()
    };
    let col4row = solve(&c, nr, nc);
    if transpose {
        // col4row maps the transposed rows (original columns) to original rows; report by original row.
        let mut pairs: Vec<(usize, usize)> = col4row.iter().enumerate().map(|(k, &r)| (r, k)).collect();
        pairs.sort_unstable();
        pairs
    } else {
        col4row.into_iter().enumerate().collect()
    }
}

/// Core solver for `nr <= nc`; returns the column of every row.
fn solve(cost: &[f64], nr: usize, nc: usize) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let mut u = vec![0.0f64; nr];
    let mut v = vec![0.0f64; nc];
    let mut spc = vec![f64::INFINITY; nc];
    let mut path = vec![NONE; nc];
    let mut col4row = vec![NONE; nr];
    let mut row4col = vec![NONE; nc];
    let mut sr = vec![false; nr];
    let mut sc = vec![false; nc];
    let mut remaining = vec![0usize; nc];
    for cur_row in 0..nr {
        // Dijkstra-like search for the shortest augmenting path from cur_row.
        let mut min_val = 0.0f64;
        let mut num_remaining = nc;
        for (it, r) in remaining.iter_mut().enumerate() {
            *r = nc - it - 1;
        }
        sr.iter_mut().for_each(|x| *x = false);
        sc.iter_mut().for_each(|x| *x = false);
        spc.iter_mut().for_each(|x| *x = f64::INFINITY);
        let mut i = cur_row;
        let sink;
        loop {
            let mut index = NONE;
            let mut lowest = f64::INFINITY;
            sr[i] = true;
            for (it, &j) in remaining[..num_remaining].iter().enumerate() {
                let r = min_val + cost[i * nc + j] - u[i] - v[j];
                if r < spc[j] {
                    path[j] = i;
                    spc[j] = r;
                }
                if spc[j] < lowest || (spc[j] == lowest && row4col[j] == NONE) {
                    lowest = spc[j];
                    index = it;
                }
            }
            min_val = lowest;
            assert!(index != NONE && min_val.is_finite(), "linear_sum_assignment: infeasible or non-finite cost");
            let j = remaining[index];
            sc[j] = true;
            num_remaining -= 1;
            remaining[index] = remaining[num_remaining];
            if row4col[j] == NONE {
                sink = j;
                break;
            }
            i = row4col[j];
        }
        u[cur_row] += min_val;
        for r in 0..nr {
            if sr[r] && r != cur_row {
                u[r] += min_val - spc[col4row[r]];
            }
        }
        for j in 0..nc {
            if sc[j] {
                v[j] -= min_val - spc[j];
            }
        }
        let mut j = sink;
        loop {
            let r = path[j];
            row4col[j] = r;
            std::mem::swap(&mut col4row[r], &mut j);
            if r == cur_row {
                break;
            }
        }
    }
    col4row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(cost: &[f64], cols: usize, pairs: &[(usize, usize)]) -> f64 {
        pairs.iter().map(|&(r, c)| cost[r * cols + c]).sum()
    }

    #[test]
    fn square_optimum() {
        let cost = [4.0, 1.0, 3.0, 2.0, 0.0, 5.0, 3.0, 2.0, 2.0];
        let p = linear_sum_assignment(&cost, 3, 3);
        assert_eq!(p, vec![(0, 1), (1, 0), (2, 2)]);
        assert_eq!(total(&cost, 3, &p), 5.0);
    }

    #[test]
    fn rectangular_both_ways() {
        let cost = [1.0, 9.0, 9.0, 9.0, 9.0, 1.0];
        assert_eq!(linear_sum_assignment(&cost, 2, 3), vec![(0, 0), (1, 2)]);
        let tall = [1.0, 9.0, 9.0, 9.0, 9.0, 1.0];
        assert_eq!(linear_sum_assignment(&tall, 3, 2), vec![(0, 0), (2, 1)]);
        assert!(linear_sum_assignment(&[], 0, 4).is_empty());
    }
}
