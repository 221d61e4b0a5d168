#!/usr/bin/python3
"""Write a tcmbp instance (HDF5) as an rFBP pattern file, for bench/vs_rfbp.sh.

rFBP's text format (see ../shared/peers/build-rfbp.sh): line 1 holds the M
desired outputs, then one line of N entries +-1 per pattern, tab-separated.
usage: export_rfbp.py INST.h5 OUT.txt
"""
import sys

import h5py
import numpy as np


def main(argv):
    """Read /patterns and /outputs and write them in rFBP's layout."""
    if len(argv) != 3:
        sys.exit("usage: export_rfbp.py INST.h5 OUT.txt")
    with h5py.File(argv[1], "r") as f:
        if f.attrs.get("arch") not in ("full", b"full"):
            sys.exit("export_rfbp.py: error: rFBP solves fully connected machines only")
        xi = np.asarray(f["patterns"], dtype=np.int64)
        out = np.asarray(f["outputs"], dtype=np.int64)
    with open(argv[2], "w") as g:
        g.write("\t".join(map(str, out)) + "\n")
        np.savetxt(g, xi, fmt="%d", delimiter="\t")


if __name__ == "__main__":
    main(sys.argv)
