"""Oracle for crates/tracker's Kalman filter: replays random predict/update sequences with filterpy.

Usage: tracker_kalman.py CASES.json OUT.json
CASES: [{"std_pos", "std_vel", "init": [cx, cy, a, h], "steps": [{"op": "predict"|"update", "z": [..4] or null,
         "gate": [[..4], ...]}]}]
OUT:   per case, per step: {"mean": [8], "cov": [64 row-major], "gate": [...], "gate_pos": [...]}
The filter is filterpy's KalmanFilter with F, H of the constant-velocity model and Q, R set from the current
height before each call (the DeepSORT / FairMOT noise model); gating distances are computed with numpy.
"""
import json
import sys

import numpy as np
from filterpy.kalman import KalmanFilter


def make_filter(init, sp, sv):
    kf = KalmanFilter(dim_x=8, dim_z=4)
    kf.F = np.eye(8)
    for i in range(4):
        kf.F[i, i + 4] = 1.0
    kf.H = np.eye(4, 8)
    h = init[3]
    kf.x = np.array(list(init) + [0.0] * 4, dtype=float).reshape(8, 1)
    std = [2 * sp * h, 2 * sp * h, 1e-2, 2 * sp * h, 10 * sv * h, 10 * sv * h, 1e-5, 10 * sv * h]
    kf.P = np.diag(np.square(std))
    return kf


def measurement_noise(h, sp):
    return np.diag(np.square([sp * h, sp * h, 1e-1, sp * h]))


def gate(kf, zs, sp, only_position):
    h = kf.x[3, 0]
    mean = (kf.H @ kf.x).ravel()
    cov = kf.H @ kf.P @ kf.H.T + measurement_noise(h, sp)
    if only_position:
        mean, cov = mean[:2], cov[:2, :2]
    out = []
    for z in zs:
        d = np.asarray(z, dtype=float)[: len(mean)] - mean
        out.append(float(d @ np.linalg.solve(cov, d)))
    return out


def main():
    cases = json.load(open(sys.argv[1]))
    results = []
    for case in cases:
        sp, sv = case["std_pos"], case["std_vel"]
        kf = make_filter(case["init"], sp, sv)
        steps = []
        for step in case["steps"]:
            h = kf.x[3, 0]
            if step["op"] == "predict":
                kf.Q = np.diag(np.square([sp * h, sp * h, 1e-2, sp * h, sv * h, sv * h, 1e-5, sv * h]))
                kf.predict()
            else:
                kf.R = measurement_noise(h, sp)
                kf.update(np.asarray(step["z"], dtype=float).reshape(4, 1))
            steps.append({
                "mean": kf.x.ravel().tolist(),
                "cov": kf.P.ravel().tolist(),
                "gate": gate(kf, step["gate"], sp, False),
                "gate_pos": gate(kf, step["gate"], sp, True),
            })
        results.append(steps)
    json.dump(results, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
