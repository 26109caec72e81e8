"""Oracle for the eval crate's MOTS parity tests: runs TrackEval (PyPI `trackeval`) CLEAR, Identity and HOTA.

usage: eval_mots_trackeval.py kitti GT_FOLDER TRACKERS_FOLDER TRACKER SEQMAP OUT.json [CLASS]
       eval_mots_trackeval.py mots_challenge GT_FOLDER TRACKERS_FOLDER TRACKER SEQ OUT.json
Writes {seq or "COMBINED_SEQ": {field: value}} for the pedestrian class (numbers; arrays as lists).
"""
import contextlib
import io
import json
import sys

import numpy as np
import trackeval


def main():
    layout, gt, trackers, tracker, seqs, out = sys.argv[1:7]
    cls = sys.argv[7] if len(sys.argv) > 7 else "pedestrian"
    quiet = {"PRINT_CONFIG": False}
    ev_cfg = {"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_ONLY_COMBINED": False, "PRINT_CONFIG": False,
              "TIME_PROGRESS": False, "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False,
              "DISPLAY_LESS_PROGRESS": True, "BREAK_ON_ERROR": True, "RETURN_ON_ERROR": False,
              "OUTPUT_EMPTY_CLASSES": True, "LOG_ON_ERROR": None}
    if layout == "kitti":
        ds = trackeval.datasets.KittiMOTS({"GT_FOLDER": gt, "TRACKERS_FOLDER": trackers, "TRACKERS_TO_EVAL": [tracker],
                                           "SEQMAP_FILE": seqs, "CLASSES_TO_EVAL": [cls], **quiet})
    else:
        ds = trackeval.datasets.MOTSChallenge({"GT_FOLDER": gt, "TRACKERS_FOLDER": trackers,
                                               "TRACKERS_TO_EVAL": [tracker], "SEQ_INFO": {seqs: None},
                                               "SKIP_SPLIT_FOL": True, **quiet})
    metrics = [trackeval.metrics.CLEAR({"THRESHOLD": 0.5, **quiet}),
               trackeval.metrics.Identity({"THRESHOLD": 0.5, **quiet}),
               trackeval.metrics.HOTA(quiet)]
    with contextlib.redirect_stdout(io.StringIO()):
        res, msg = trackeval.Evaluator(ev_cfg).evaluate([ds], metrics)
    name = list(res.keys())[0]
    per_seq = res[name][tracker]
    out_d = {}
    for seq, by_cls in per_seq.items():
        r = by_cls[cls]
        d = {}
        for metric in ("CLEAR", "Identity", "HOTA"):
            for k, v in r[metric].items():
                d[k] = np.asarray(v).tolist() if isinstance(v, np.ndarray) else float(v)
        out_d[seq] = d
    with open(out, "w") as f:
        json.dump(out_d, f)


if __name__ == "__main__":
    main()
