#!/usr/bin/python3
"""Aggregate the runs of scripts/fashion.sh: one table row per run (training,
test error, largest Hessian eigenvalue, robustness, local-entropy points),
means and standard errors per trainer and data set, and the figures of the
paper's Fashion-MNIST study (Figure 7 top and bottom, A1, A2, A3).

Reads RUNS/<algo>_<kind>_<i>.json (tcmbp train/solve --json), ..._eval.json
(tcmbp eval --json with --test and --noise), ..._hess.json (tcmbp hessian
--json) and ..._vol.csv (tcmbp volume --csv); kind is real or random. Only
converged points of solutions enter the local-entropy averages; the table
says how many points of each curve converged. Shares its readers, averages
and the entropy plot with scripts/flatness_aggregate.py."""

import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flatness_aggregate as fa  # noqa: E402

plt = fa.plt
KINDS = ["real", "random"]
COLUMNS = ["dataset", "algorithm", "run", "status", "errors", "epochs", "seconds", "test_error", "max_eigenvalue",
           "hessian_status", "smooth_errors", "accuracy_noise_0.3", "volume_points", "volume_converged"]
ROBUST_ETA = 0.3  # the noise fraction of the summary's robustness column


def run_row(runs, algo, kind, i, points, curves, unsolved_curves=False):
    """The table row of one run; appends its converged curve points and its robustness curve."""
    name = os.path.join(runs, "%s_%s_%d" % (algo, kind, i))
    tr, ev, he = fa.read_json(name + ".json"), fa.read_json(name + "_eval.json"), fa.read_json(name + "_hess.json")
    curve = fa.read_curve(name + "_vol.csv")
    row = {c: "" for c in COLUMNS}
    row.update({"dataset": kind, "algorithm": algo, "run": i, "status": "missing"})
    if tr:
        for key in ("status", "errors", "epochs", "seconds"):
            if tr.get(key) is not None:
                row[key] = tr[key]
        if algo == "fbp" and tr.get("steps") is not None:
            row["epochs"] = tr["steps"]
    if ev and ev.get("test_error_rate") is not None:
        row["test_error"] = float(ev["test_error_rate"])
    if ev and ev.get("noise_eta"):
        curves.append((algo, kind, ev["noise_eta"], ev["noise_accuracy"]))
        near = [j for j, e in enumerate(ev["noise_eta"]) if abs(e - ROBUST_ETA) < 1e-9]
        if near:
            row["accuracy_noise_0.3"] = float(ev["noise_accuracy"][near[0]])
    if he:
        row["max_eigenvalue"] = float(he["max_eigenvalue"]) if he.get("max_eigenvalue") is not None else math.nan
        row["hessian_status"] = he.get("status", "")
        row["smooth_errors"] = he.get("smooth_errors", "")
    if curve is not None:
        ok = (curve["converged"] > 0) & np.isfinite(curve["local_entropy"]) & np.isfinite(curve["distance"])
        row["volume_points"], row["volume_converged"] = int(ok.size), int(ok.sum())
        if row["status"] == "solved" or unsolved_curves:
            for lam, d, s in zip(curve["lambda"][ok], curve["distance"][ok], curve["local_entropy"][ok]):
                points.append((float(lam), float(d), float(s), i))
    return row


def summarize(rows, algos):
    """Per (data set, algorithm): runs, solved, mean +- s.e. of epochs (all runs), test error and max
    eigenvalue (solutions only)."""
    out = []
    for kind in KINDS:
        for a in algos:
            mine = [r for r in rows if r["dataset"] == kind and r["algorithm"] == a]
            if not mine:
                continue
            mine = [r for r in mine if r["status"] != "missing"]  # runs not made are not counted
            if not mine:
                continue
            s = {"dataset": kind, "algorithm": a, "runs": len(mine),
                 "solved": sum(1 for r in mine if r["status"] == "solved")}
            for key in ("epochs", "test_error", "max_eigenvalue", "accuracy_noise_0.3"):
                # epochs over every run; the measurements over solutions only, and (_all) over every run
                for suffix, use in (("", mine if key == "epochs" else [r for r in mine if r["status"] == "solved"]),
                                    ("_all", mine)):
                    if suffix and key == "epochs":
                        continue
                    vals = [float(r[key]) for r in use if r[key] != "" and np.isfinite(float(r[key]))]
                    s[key + suffix + "_mean"], s[key + suffix + "_se"] = fa.mean_se(vals)
                    s[key + suffix + "_sd"] = float(np.std(vals, ddof=1)) if len(vals) > 1 else math.nan
            out.append(s)
    return out


def write_md(path, rows, columns, title):
    """rows as a markdown table (floats with 4 significant digits)."""
    def cell(v):
        return ("%.4g" % v) if isinstance(v, float) else str(v)
    with open(path + ".tmp", "w") as f:
        f.write("# %s\n\n| %s |\n|%s\n" % (title, " | ".join(columns), " --- |" * len(columns)))
        for r in rows:
            f.write("| %s |\n" % " | ".join(cell(r[c]) for c in columns))
    os.replace(path + ".tmp", path)


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path + ".tmp.png", dpi=120)
    plt.close(fig)
    os.replace(path + ".tmp.png", path)


def plot_eig_vs_test(path, rows, algos):
    """Figure 7 bottom: test error against the largest eigenvalue, one point per run (real data):
    filled for solutions, hollow for runs that left training errors."""
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    for j, a in enumerate(algos):
        sel = [r for r in rows if r["dataset"] == "real" and r["algorithm"] == a and r["test_error"] != ""
               and r["max_eigenvalue"] != ""]
        color = "C%d" % j
        for solved, style in ((True, dict(c=color)), (False, dict(facecolors="none", edgecolors=color))):
            pts = [r for r in sel if (r["status"] == "solved") == solved]
            if pts:
                ax.scatter([r["max_eigenvalue"] for r in pts], [r["test_error"] for r in pts], s=14,
                           label=fa.LABELS.get(a, a) + ("" if solved else " (training errors left)"), **style)
    ax.set_xlabel("largest Hessian eigenvalue")
    ax.set_ylabel("test error")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, path)


def plot_eig_real_random(path, summary, algos):
    """Figure A1: mean +- sd of the largest eigenvalue per algorithm over every run, real against randomized."""
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    for j, kind in enumerate(KINDS):
        sel = [s for a in algos for s in summary if s["dataset"] == kind and s["algorithm"] == a]
        x = [algos.index(s["algorithm"]) + (j - 0.5) * 0.25 for s in sel]
        ax.errorbar(x, [s["max_eigenvalue_all_mean"] for s in sel],
                    yerr=[0 if math.isnan(s["max_eigenvalue_all_sd"]) else s["max_eigenvalue_all_sd"] for s in sel],
                    fmt="o", capsize=3, label="randomized" if kind == "random" else "original")
    ax.set_xticks(range(len(algos)))
    ax.set_xticklabels([fa.LABELS.get(a, a) for a in algos])
    ax.set_ylabel("largest Hessian eigenvalue (mean +- sd, every run)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, path)


def robustness_rows(curves, algos):
    """Per (data set, algorithm, eta): runs, mean and s.e. of the accuracy."""
    out = []
    for kind in KINDS:
        for a in algos:
            mine = [c for c in curves if c[0] == a and c[1] == kind]
            if not mine:
                continue
            for j, eta in enumerate(mine[0][2]):
                m, se = fa.mean_se([c[3][j] for c in mine if len(c[3]) > j])
                out.append({"dataset": kind, "algorithm": a, "eta": float(eta), "n": len(mine),
                            "accuracy_mean": m, "accuracy_se": se})
    return out


def plot_robustness(path, rob, algos):
    """Figure A3: training accuracy against the noise fraction, original (top) and randomized (bottom)."""
    fig, axes = plt.subplots(2, 1, figsize=(5.5, 7), sharex=True)
    for ax, kind in zip(axes, KINDS):
        for a in algos:
            sel = [r for r in rob if r["dataset"] == kind and r["algorithm"] == a]
            if sel:
                ax.errorbar([r["eta"] for r in sel], [r["accuracy_mean"] for r in sel],
                            yerr=[0 if math.isnan(r["accuracy_se"]) else r["accuracy_se"] for r in sel],
                            marker="o", ms=3, capsize=2, lw=1, label=fa.LABELS.get(a, a))
        ax.set_ylabel("training accuracy (%s data)" % ("randomized" if kind == "random" else "original"))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[1].set_xlabel("noise fraction eta")
    save(fig, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--algos", required=True, help="comma-separated, in plot order")
    ap.add_argument("--runs-per", type=int, required=True, help="runs 1..R per trainer and data set")
    ap.add_argument("--random-runs", type=int, default=None, help="runs 1..R on the randomized data [--runs-per]")
    ap.add_argument("--unsolved-curves", action="store_true",
                    help="average the curves around runs with training errors too (fashion.sh --volume-unsolved)")
    args = ap.parse_args()
    algos = [a for a in args.algos.split(",") if a]
    rows, curves, points = [], [], {k: {a: [] for a in algos} for k in KINDS}
    per = {"real": args.runs_per, "random": args.runs_per if args.random_runs is None else args.random_runs}
    for kind in KINDS:
        for a in algos:
            for i in range(1, per[kind] + 1):
                rows.append(run_row(args.runs, a, kind, i, points[kind][a], curves, args.unsolved_curves))
    fa.write_csv(os.path.join(args.out, "table.csv"), rows, COLUMNS)
    write_md(os.path.join(args.out, "table.md"), rows, COLUMNS, "Fashion-MNIST runs (scripts/fashion.sh)")
    summary = summarize(rows, algos)
    scol = ["dataset", "algorithm", "runs", "solved", "epochs_mean", "epochs_se", "test_error_mean", "test_error_se",
            "max_eigenvalue_mean", "max_eigenvalue_se", "max_eigenvalue_sd", "accuracy_noise_0.3_mean",
            "accuracy_noise_0.3_se", "test_error_all_mean", "test_error_all_se", "max_eigenvalue_all_mean",
            "max_eigenvalue_all_se", "accuracy_noise_0.3_all_mean", "accuracy_noise_0.3_all_se"]
    fa.write_csv(os.path.join(args.out, "summary.csv"), summary, scol)
    write_md(os.path.join(args.out, "summary.md"), summary, scol, "Means and standard errors per trainer")
    rob = robustness_rows(curves, algos)
    fa.write_csv(os.path.join(args.out, "robustness.csv"), rob,
                 ["dataset", "algorithm", "eta", "n", "accuracy_mean", "accuracy_se"])
    lcol = ["algorithm", "lambda", "n", "distance_mean", "distance_se", "local_entropy_mean", "local_entropy_se"]
    for kind, fig in (("real", "fig7_top.png"), ("random", "figA2.png")):
        lam_rows = fa.per_lambda(points[kind], algos)
        fa.write_csv(os.path.join(args.out, "entropy_%s.csv" % kind), lam_rows, lcol)
        fa.plot(os.path.join(args.out, fig), lam_rows, algos,
                "local entropy around solutions, %s Fashion-MNIST (mean +- s.e., converged points only)"
                % ("randomized" if kind == "random" else "original"))
    plot_eig_vs_test(os.path.join(args.out, "fig7_bottom.png"), rows, algos)
    plot_eig_real_random(os.path.join(args.out, "figA1.png"), summary, algos)
    plot_robustness(os.path.join(args.out, "figA3.png"), rob, algos)
    for s in summary:
        print("%-6s %-11s runs %d solved %d epochs %.4g test error %.4g +- %.2g max eig %.4g +- %.2g"
              " (every run: %.4g +- %.2g, %.4g +- %.2g)" % (
                  s["dataset"], s["algorithm"], s["runs"], s["solved"], s["epochs_mean"], s["test_error_mean"],
                  s["test_error_se"], s["max_eigenvalue_mean"], s["max_eigenvalue_se"], s["test_error_all_mean"],
                  s["test_error_all_se"], s["max_eigenvalue_all_mean"], s["max_eigenvalue_all_se"]))


if __name__ == "__main__":
    main()
