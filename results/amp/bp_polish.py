#!/usr/bin/python3
"""solve's greedy clean-up (polish, the default since after the focusing-BP
study of results/fbp_success) applied to the configurations that study's
unsolved runs ended with, so focusing BP's rates can be set beside focusing
AMP's with polish on both sides. The clean-up is cmd_solve.c's polish():
tcm_polish_weights with at most 1000 moves, on the run's /weights (the
normalised means the protocol ended with: what solve polishes), when the run
ended with 1 to 50 errors. The instances are regenerated with `tcmbp
generate` (bit for bit the study's).

Usage: /usr/bin/python3 results/amp/bp_polish.py TCMBP_BUILD_DIR WORKDIR
Writes results/amp/bp_polish.csv (one row per unsolved BP run)."""
import ctypes
import glob
import json
import os
import subprocess
import sys

build, work = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
os.environ.setdefault("TCMBP_LIBRARY", os.path.join(build, "libtcmbp.so"))
sys.path.insert(0, os.path.join(root, "python"))
import tcmbp  # noqa: E402
from tcmbp import _lib  # noqa: E402
from tcmbp._lib import lib, check  # noqa: E402
from tcmbp.run import _weights  # noqa: E402

os.makedirs(work, exist_ok=True)
rows = []
for js in sorted(glob.glob(os.path.join(root, "results/fbp_success/runs/a*_s*_*.json"))):
    name = os.path.basename(js)[:-5]            # a2.7_s3_exact
    a, s, mode = name[1:].split("_")
    s = int(s[1:])
    with open(js) as f:
        sc = json.load(f)
    if sc["status"] == "solved" or not 1 <= sc["errors"] <= 50:
        continue
    inst_path = os.path.join(work, "i_N999_a%s_s%d.h5" % (a, s))
    if not os.path.exists(inst_path):
        subprocess.run([os.path.join(build, "tcmbp"), "generate", "--N", "999", "--K", "3", "--alpha", a,
                        "--seed", str(s), "-o", inst_path], check=True, stdout=subprocess.DEVNULL)
    inst = tcmbp.Instance.load(inst_path)
    w, _ = _weights(js[:-5] + ".h5", inst.K, inst.n, 0, "weights")
    pr = _lib.CPolishResult()
    check(lib.tcm_polish_weights(w, inst._ptr, 1000, ctypes.byref(pr)), "polish")
    lib.tcm_weights_free(w)
    rows.append((a, s, mode, sc["errors"], pr.errors_before, pr.errors, pr.moves))
    print(a, s, mode, sc["errors"], pr.errors_before, pr.errors, pr.moves, flush=True)

with open(os.path.join(here, "bp_polish.csv"), "w") as f:
    f.write("alpha,seed,cavity,errors_protocol,errors_before_polish,errors_after_polish,polish_moves\n")
    for r in rows:
        f.write("%s,%d,%s,%d,%d,%d,%d\n" % r)
