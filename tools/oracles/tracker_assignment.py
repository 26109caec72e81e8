"""Oracle for crates/tracker's assignment: scipy.optimize.linear_sum_assignment on random cost matrices.

Usage: tracker_assignment.py CASES.json OUT.json
CASES: [{"rows", "cols", "cost": [row-major, null = forbidden], "limit": float}]
OUT:   per case {"lsa": {"feasible", "total", "pairs", "unique"},
                 "limited": {"total", "pairs", "unique"}}
"lsa" is scipy on the matrix itself. "limited" is lap's extend_cost/cost_limit rule expressed for scipy: the
matrix is extended to (rows+cols)^2 with limit/2 for a real row or column left unmatched and 0 for dummy pairs;
"total" is the extended optimum, "pairs" the real pairs. "unique" says whether the optimal matching is unique,
found by forbidding each chosen pair in turn and re-solving.
"""
import json
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment

TOL = 1e-9


def solve(c):
    try:
        r, k = linear_sum_assignment(c)
    except ValueError:
        return None
    total = float(c[r, k].sum())
    return total, list(zip(r.tolist(), k.tolist()))


def unique(c, total, pairs):
    for i, j in pairs:
        d = c.copy()
        d[i, j] = np.inf
        alt = solve(d)
        if alt is not None and abs(alt[0] - total) <= TOL * max(1.0, abs(total)):
            return False
    return True


def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for case in cases:
        n, m = case["rows"], case["cols"]
        c = np.array([np.inf if v is None else v for v in case["cost"]], dtype=float).reshape(n, m)
        res = {}
        if min(n, m) == 0:
            res["lsa"] = {"feasible": True, "total": 0.0, "pairs": [], "unique": True}
        else:
            s = solve(c)
            if s is None:
                res["lsa"] = {"feasible": False, "total": None, "pairs": [], "unique": False}
            else:
                res["lsa"] = {"feasible": True, "total": s[0], "pairs": s[1], "unique": unique(c, *s)}
        limit = case["limit"]
        e = np.full((n + m, n + m), limit / 2.0)
        e[n:, m:] = 0.0
        e[:n, :m] = c
        if n + m == 0:
            res["limited"] = {"total": 0.0, "pairs": [], "unique": True}
        else:
            total, pairs = solve(e)
            real = [(i, j) for i, j in pairs if i < n and j < m]
            # Dummy pairs are interchangeable; only the set of real pairs has to be unique.
            res["limited"] = {"total": total, "pairs": real, "unique": unique(e, total, real)}
        out.append(res)
    json.dump(out, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
