#!/usr/bin/python3
"""Plot normalised local-entropy curves S - S0 against the distance d from
one or several `tcmbp volume` result files (HDF5, table /volume), one curve
per file, to a PNG. Points whose BP run did not converge are drawn hollow.

usage: scripts/plot_volume.py VOL.h5 [VOL2.h5 ...] -o curves.png [--labels a,b,...] [--title T]
"""
import argparse
import sys

try:
    import h5py
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
except ImportError as e:  # a clear one-line error, not a traceback
    sys.exit(f"plot_volume: {e}: install python3-h5py python3-matplotlib python3-numpy (scripts/setup.sh)")


def read_curve(path):
    """(d, S - S0, converged) of one volume file, or exit with a one-line error."""
    try:
        with h5py.File(path, "r") as f:
            v = f["/volume"]
            return v["distance"][()], v["local_entropy"][()], v["converged"][()].astype(bool)
    except (OSError, KeyError) as e:
        sys.exit(f"plot_volume: {path}: not a tcmbp volume file ({e})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="volume result files (HDF5)")
    ap.add_argument("-o", "--output", required=True, help="PNG to write")
    ap.add_argument("--labels", help="comma-separated legend labels (default: file names)")
    ap.add_argument("--title", default="normalised local entropy")
    a = ap.parse_args()
    labels = a.labels.split(",") if a.labels else a.files
    if len(labels) != len(a.files):
        sys.exit("plot_volume: --labels needs one label per file")
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for path, label in zip(a.files, labels):
        d, s, conv = read_curve(path)
        line, = ax.plot(d[conv], s[conv], "o-", ms=4, label=label)
        if (~conv).any():
            ax.plot(d[~conv], s[~conv], "o", mfc="none", color=line.get_color(), ms=4)
    ax.set_xscale("log")
    ax.set_xlabel("distance d")
    ax.set_ylabel("S - S0(d)")
    ax.set_title(a.title)
    ax.axhline(0, color="grey", lw=0.5)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)


if __name__ == "__main__":
    main()
