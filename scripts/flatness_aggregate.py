#!/usr/bin/python3
"""Aggregate the runs of scripts/flatness.sh: mean and standard error of the
normalised local entropy S - S0 (and of the distance d) per algorithm, at
each coupling lambda and in distance bins; training statistics per run and
per algorithm; and the plot of S - S0 against d (the paper's Figure 5).

Reads RUNS/<algo>_<i>.json (summary line of tcmbp train/solve --json) and
RUNS/<algo>_<i>_vol.csv (tcmbp volume --csv: columns lambda, distance,
entropy, s0, local_entropy, converged, ...). Only converged points of
solutions enter the averages. Uses the Debian python3 with numpy and
matplotlib (Agg backend)."""

import argparse
import csv
import json
import math
import os
import sys

import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ORDER = ["fbp", "elal", "cesgd-slow", "cesgd-fast", "lal"]
LABELS = {"fbp": "fBP", "elal": "eLAL", "cesgd-slow": "ceSGD slow", "cesgd-fast": "ceSGD fast", "lal": "LAL"}


def mean_se(values):
    """Mean and standard error (sample sd / sqrt(n); NaN for n < 2)."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return math.nan, math.nan
    if v.size == 1:
        return float(v[0]), math.nan
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size))


def read_json(path):
    """The summary dict of one command, or None if missing or unreadable."""
    try:
        with open(path) as f:
            return json.loads(f.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None


def read_curve(path):
    """The volume CSV as a dict of numpy columns, or None if missing."""
    if not os.path.exists(path):
        return None
    data = np.genfromtxt(path, delimiter=",", names=True, dtype=float, ndmin=1)
    need = {"lambda", "distance", "local_entropy", "converged"}
    missing = need - set(data.dtype.names or ())
    if missing:
        sys.exit("flatness_aggregate.py: %s lacks columns %s" % (path, ", ".join(sorted(missing))))
    return {name: np.atleast_1d(data[name]) for name in data.dtype.names}


def collect(runs, algos, instances):
    """Per algorithm: training rows and the converged (lambda, d, S - S0) points."""
    training, points = [], {a: [] for a in algos}
    for a in algos:
        for i in range(1, instances + 1):
            summary = read_json(os.path.join(runs, "%s_%d.json" % (a, i)))
            curve = read_curve(os.path.join(runs, "%s_%d_vol.csv" % (a, i)))
            row = {"algorithm": a, "instance": i, "status": "missing", "errors": "", "epochs": "", "steps": "",
                   "sweeps": "", "seconds": "", "measured": int(curve is not None), "converged_points": 0}
            if summary:
                for key in ("status", "errors", "epochs", "steps", "sweeps", "seconds"):
                    if key in summary and summary[key] is not None:
                        row[key] = summary[key]
            if curve is not None and row["status"] == "solved":
                ok = (curve["converged"] > 0) & np.isfinite(curve["local_entropy"]) & np.isfinite(curve["distance"])
                row["converged_points"] = int(ok.sum())
                for lam, d, s in zip(curve["lambda"][ok], curve["distance"][ok], curve["local_entropy"][ok]):
                    points[a].append((float(lam), float(d), float(s), i))
            training.append(row)
    return training, points


def per_lambda(points, algos):
    """Rows (algorithm, lambda, n, d mean/se, S - S0 mean/se) at each coupling."""
    rows = []
    for a in algos:
        lambdas = sorted({p[0] for p in points[a]})
        for lam in lambdas:
            sel = [p for p in points[a] if p[0] == lam]
            dm, dse = mean_se([p[1] for p in sel])
            sm, sse = mean_se([p[2] for p in sel])
            rows.append({"algorithm": a, "lambda": lam, "n": len(sel), "distance_mean": dm, "distance_se": dse,
                         "local_entropy_mean": sm, "local_entropy_se": sse})
    return rows


def binned(points, algos, nbins=16):
    """Rows in log-spaced distance bins shared by all algorithms."""
    ds = [p[1] for a in algos for p in points[a] if p[1] > 0]
    if not ds:
        return []
    lo, hi = min(ds), max(ds)
    edges = np.geomspace(lo, hi * (1 + 1e-12), nbins + 1) if hi > lo else np.array([lo, lo * (1 + 1e-12)])
    rows = []
    for a in algos:
        for b in range(len(edges) - 1):
            sel = [p for p in points[a] if edges[b] <= p[1] < edges[b + 1]]
            if not sel:
                continue
            dm, dse = mean_se([p[1] for p in sel])
            sm, sse = mean_se([p[2] for p in sel])
            rows.append({"algorithm": a, "d_lo": float(edges[b]), "d_hi": float(edges[b + 1]), "n": len(sel),
                         "instances": len({p[3] for p in sel}), "distance_mean": dm, "distance_se": dse,
                         "local_entropy_mean": sm, "local_entropy_se": sse})
    return rows


def training_summary(training, algos):
    """Per algorithm: runs, solved, measured, mean/sd of epochs (or fBP steps) and seconds."""
    rows = []
    for a in algos:
        mine = [r for r in training if r["algorithm"] == a]
        solved = [r for r in mine if r["status"] == "solved"]
        out = {"algorithm": a, "runs": len(mine), "solved": len(solved),
               "measured": sum(1 for r in solved if r["converged_points"] > 0)}
        for key in ("epochs", "steps", "seconds"):
            vals = [float(r[key]) for r in mine if r[key] != ""]
            out[key + "_mean"] = float(np.mean(vals)) if vals else math.nan
            out[key + "_sd"] = float(np.std(vals, ddof=1)) if len(vals) > 1 else math.nan
        rows.append(out)
    return rows


def write_csv(path, rows, columns):
    """rows (dicts) as CSV with a header line; floats with 17 significant digits."""
    with open(path + ".tmp", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow([("%.17g" % r[c]) if isinstance(r[c], float) else r[c] for c in columns])
    os.replace(path + ".tmp", path)


def plot(path, rows, algos, title):
    """S - S0 against d per algorithm with error bars (linear and log d)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3))
    for ax, logx in zip(axes, (False, True)):
        for a in algos:
            sel = sorted((r for r in rows if r["algorithm"] == a), key=lambda r: r["distance_mean"])
            if not sel:
                continue
            x = [r["distance_mean"] for r in sel]
            y = [r["local_entropy_mean"] for r in sel]
            xe = [0.0 if math.isnan(r["distance_se"]) else r["distance_se"] for r in sel]
            ye = [0.0 if math.isnan(r["local_entropy_se"]) else r["local_entropy_se"] for r in sel]
            ax.errorbar(x, y, xerr=xe, yerr=ye, marker="o", ms=3, capsize=2, lw=1, label=LABELS.get(a, a))
        ax.axhline(0.0, color="gray", lw=0.6)
        ax.set_xlabel("distance d")
        ax.set_ylabel("S - S0 (normalised local entropy)")
        if logx:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=120)
    plt.close(fig)
    os.replace(path + ".tmp.png", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", required=True, help="directory with the per-run files")
    ap.add_argument("--out", required=True, help="directory for the tables and the plot")
    ap.add_argument("--algos", default=",".join(ORDER), help="comma-separated algorithms, in plot order")
    ap.add_argument("--instances", type=int, required=True, help="instances 1..N")
    args = ap.parse_args()
    algos = [a for a in args.algos.split(",") if a]
    training, points = collect(args.runs, algos, args.instances)
    lam_rows = per_lambda(points, algos)
    write_csv(os.path.join(args.out, "flatness.csv"), lam_rows,
              ["algorithm", "lambda", "n", "distance_mean", "distance_se", "local_entropy_mean", "local_entropy_se"])
    write_csv(os.path.join(args.out, "flatness_binned.csv"), binned(points, algos),
              ["algorithm", "d_lo", "d_hi", "n", "instances", "distance_mean", "distance_se", "local_entropy_mean",
               "local_entropy_se"])
    write_csv(os.path.join(args.out, "training.csv"), training,
              ["algorithm", "instance", "status", "errors", "epochs", "steps", "sweeps", "seconds", "measured",
               "converged_points"])
    summary = training_summary(training, algos)
    write_csv(os.path.join(args.out, "training_summary.csv"), summary,
              ["algorithm", "runs", "solved", "measured", "epochs_mean", "epochs_sd", "steps_mean", "steps_sd",
               "seconds_mean", "seconds_sd"])
    solved = ", ".join("%s %d/%d" % (LABELS.get(r["algorithm"], r["algorithm"]), r["measured"], r["runs"])
                       for r in summary)
    plot(os.path.join(args.out, "flatness.png"), lam_rows, algos,
         "local entropy around solutions (mean +- s.e. over instances; measured: %s)" % solved)
    for r in summary:
        print("%-11s runs %d solved %d measured %d  epochs %s  steps %s  seconds %.3g" % (
            r["algorithm"], r["runs"], r["solved"], r["measured"],
            "%.4g" % r["epochs_mean"] if not math.isnan(r["epochs_mean"]) else "-",
            "%.4g" % r["steps_mean"] if not math.isnan(r["steps_mean"]) else "-", r["seconds_mean"]))


if __name__ == "__main__":
    main()
