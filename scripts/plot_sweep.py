#!/usr/bin/python3
"""Plot a sweep summary written by scripts/aggregate: success probability
against alpha (Wilson 95% intervals), one line per (task, N, K, arch,
weights); and the mean local-entropy curves (local entropy against distance,
standard errors as bars) when the sweep has volume results, otherwise the
mean entropy against alpha.

    /usr/bin/python3 scripts/plot_sweep.py SUMMARY.h5 -o sweep.png [--title T]
"""
import argparse
import os
import sys

os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
os.environ.setdefault("MPLBACKEND", "Agg")
import h5py  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read_table(g):
    cols = [c.decode() if isinstance(c, bytes) else str(c) for c in g.attrs["columns"]]
    out = {}
    for c in cols:
        v = g[c][()]
        if v.dtype.kind in "OS":
            v = np.array([x.decode() if isinstance(x, bytes) else str(x) for x in v])
        out[c] = v
    return out


def series_label(t, i, keys):
    parts = [str(t["task"][i])]
    for k in keys:
        parts.append(f"{k}={t[k][i]}")
    return " ".join(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("summary", help="SUMMARY.h5 from scripts/aggregate")
    ap.add_argument("-o", "--output", required=True, help="PNG file to write")
    ap.add_argument("--title", help="figure title (default: the sweep names)")
    args = ap.parse_args(argv)
    try:
        f = h5py.File(args.summary, "r")
    except OSError as e:
        print(f"plot_sweep: error: cannot open {args.summary}: {e}", file=sys.stderr)
        return 1
    with f:
        if f.attrs.get("file_kind") not in ("sweep_summary", b"sweep_summary"):
            print(f"plot_sweep: error: {args.summary} is not a sweep summary (file_kind)", file=sys.stderr)
            return 1
        s = read_table(f["summary"])
        curves = []
        for name in sorted(f["curves"]):
            g = f["curves"][name]
            curves.append(({k: (v.decode() if isinstance(v, bytes) else v) for k, v in g.attrs.items()},
                           {k: g[k][()] for k in g}))
        title = args.title or f"sweep {f.attrs.get('sweeps', '')}"
    n = len(s["task"])
    # Which key columns vary (those go in the legend).
    vary = [k for k in ("N", "K", "arch", "weights", "teacher") if len(set(s[k].tolist())) > 1]
    series = {}
    has_curves = "n_curves" in s and any(s["n_curves"])
    for i in range(n):
        if has_curves and s["n_curves"][i] > 0:
            continue   # volume tasks: shown as curves, their "success" is only "ran to the end"
        key = (s["task"][i],) + tuple(s[k][i] for k in ("N", "K", "arch", "weights", "teacher"))
        series.setdefault(key, []).append(i)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    ax = axes[0]
    # Shift the series a little along alpha so that their intervals do not hide each other.
    alphas = sorted({float(x) for x in s["alpha"]})
    step = min(np.diff(alphas)) if len(alphas) > 1 else 1.0
    dodge = {key: (j - (len(series) - 1) / 2) * 0.06 * step for j, key in enumerate(sorted(series))}
    for key, idx in sorted(series.items()):
        idx = sorted(idx, key=lambda i: float(s["alpha"][i]))
        a = np.array([float(s["alpha"][i]) for i in idx])
        p = np.array([s["p_success"][i] for i in idx], dtype=float)
        lo = np.array([s["ci_low"][i] for i in idx], dtype=float)
        hi = np.array([s["ci_high"][i] for i in idx], dtype=float)
        ok = np.isfinite(p)
        if not ok.any():
            continue   # a task with no results (all failed or pending)
        a, p, lo, hi = a[ok] + dodge[key], p[ok], lo[ok], hi[ok]
        ninst = int(np.median([s["n_instances"][i] for i in idx]))
        ax.errorbar(a, p, yerr=[p - lo, hi - p], marker="o", capsize=3,
                    label=series_label(s, idx[0], vary) + f" (n={ninst})")
    ax.set_xlabel("alpha")
    ax.set_ylabel("success probability")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("success probability (Wilson 95% interval)")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    else:
        ax.text(0.5, 0.5, "no task with a success rate", ha="center", va="center", transform=ax.transAxes)
    ax = axes[1]
    if curves:
        for key, tab in curves:
            lab = f"{key.get('task')} N={key.get('N')} alpha={key.get('alpha')}"
            ok = np.isfinite(tab["mean_local_entropy"]) & np.isfinite(tab["mean_distance"])
            ax.errorbar(tab["mean_distance"][ok], tab["mean_local_entropy"][ok],
                        yerr=np.nan_to_num(tab["se_local_entropy"][ok]),
                        xerr=np.nan_to_num(tab["se_distance"][ok]), marker=".", capsize=2, label=lab)
        ax.set_xlabel("distance d")
        ax.set_ylabel("local entropy")
        ax.set_title("local-entropy curves (mean +- s.e. over instances)")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    else:
        for key, idx in sorted(series.items()):
            idx = sorted(idx, key=lambda i: float(s["alpha"][i]))
            a = np.array([float(s["alpha"][i]) for i in idx])
            m = np.array([s["mean_entropy"][i] for i in idx], dtype=float)
            e = np.nan_to_num(np.array([s["se_entropy"][i] for i in idx], dtype=float))
            ok = np.isfinite(m)
            if ok.any():
                ax.errorbar(a[ok], m[ok], yerr=e[ok], marker="o", capsize=3, label=series_label(s, idx[0], vary))
        ax.set_xlabel("alpha")
        ax.set_ylabel("entropy")
        ax.set_title("mean entropy (+- s.e.); no volume curves in this sweep")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    tmp = args.output + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    os.replace(tmp, args.output)
    print(f"plot_sweep: wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
