#!/usr/bin/python3
"""Plots of the parity study (scripts/parity_study.sh): entropy.png (BP
entropy against alpha, both rules, with -alpha ln 2), local_entropy.png
(S - S0 against the distance d around each reference) and
local_entropy_table.md (S - S0 at a few distances).
usage: parity_plot.py OUT_DIR"""
import csv, math, os, sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def entropy_plot(out):
    r = rows(os.path.join(out, "entropy.csv"))
    fig, ax = plt.subplots(figsize=(6, 4.2))
    styles = {("majority", "zero"): ("C0", "o", "committee (majority), zero start"),
              ("parity", "zero"): ("C3", "s", "parity, zero start"),
              ("parity", "random"): ("C1", "x", "parity, random start")}
    for (rule, init), (c, m, label) in styles.items():
        sel = [x for x in r if x["rule"] == rule and x["init"] == init]
        conv = [x for x in sel if x["status"] == "converged"]
        ax.plot([float(x["alpha"]) for x in conv], [float(x["entropy"]) for x in conv], m + "-", color=c,
                label=label, ms=5, mfc="none")
        nc = [x for x in sel if x["status"] != "converged"]
        if nc:
            ax.plot([float(x["alpha"]) for x in nc], [float(x["entropy"]) for x in nc], m, color=c, alpha=0.35,
                    label=label.split(",")[0] + ", not converged (300 sweeps)")
    a = [0, 2.0]
    ax.plot(a, [-x * math.log(2) for x in a], "k:", lw=1, label=r"$-\alpha \ln 2$ (annealed)")
    ax.set_xlabel(r"$\alpha = M/N$")
    ax.set_ylabel("BP entropy per weight S")
    ax.set_title("K = 3 tree, continuous weights, N = 999 (prefixes of one instance)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "entropy.png"), dpi=120)


def local_entropy_plot(out):
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    curves = [("majority_fbp", "C0", "-", "committee: fBP solution"),
              ("majority_teacher", "C0", "--", "committee: teacher"),
              ("parity_fbp", "C3", "-", "parity: fBP solution (random start)"),
              ("parity_lal", "C3", "-.", "parity: least-action solution"),
              ("parity_teacher", "C3", "--", "parity: teacher")]
    for name, c, ls, label in curves:
        path = os.path.join(out, "volume_%s.csv" % name)
        if not os.path.exists(path):
            continue
        r = [x for x in rows(path) if x["converged"] == "1"]
        ax.plot([float(x["distance"]) for x in r], [float(x["local_entropy"]) for x in r], ls, color=c,
                marker=".", ms=4, label=label)
    ax.axhline(0, color="k", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("distance d = |w - ref|^2 / (2N)")
    ax.set_ylabel(r"local entropy $S - S_0(d)$")
    ax.set_title(r"K = 3 tree, continuous, N = 999, $\alpha$ = 1 (converged points)", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "local_entropy.png"), dpi=120)


def local_entropy_table(out):
    """local_entropy_table.md: S - S0 (and the d it was measured at) at the
    couplings whose distance is closest (relatively) to a few round d."""
    names = ["majority_fbp", "majority_teacher", "parity_fbp", "parity_lal", "parity_teacher"]
    cols = [n for n in names if os.path.exists(os.path.join(out, "volume_%s.csv" % n))]
    lines = ["| d | " + " | ".join(c.replace("_", " ") for c in cols) + " |", "|" + " --- |" * (len(cols) + 1)]
    for d in [0.2, 0.1, 0.01, 0.001]:
        cells = []
        for c in cols:
            r = rows(os.path.join(out, "volume_%s.csv" % c))
            x = min(r, key=lambda x: abs(float(x["distance"]) - d) / d)
            cells.append("%.2g (%.2g)" % (float(x["local_entropy"]), float(x["distance"])))
        lines.append("| ~%g | " % d + " | ".join(cells) + " |")
    with open(os.path.join(out, "local_entropy_table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    entropy_plot(sys.argv[1])
    local_entropy_plot(sys.argv[1])
    local_entropy_table(sys.argv[1])
