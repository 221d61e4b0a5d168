#!/usr/bin/python3
"""Print a manifest of tcmbp result files for bitwise comparisons across
refactors: for every HDF5 file given, the sha256 of the raw bytes of every
numeric dataset and every attribute value, one line each, except what
depends on the run and not on the computation (wall times, host, dates,
command lines, versions). Tables (groups of column datasets) are hashed per
column, so a changed column is named. Also, for every NAME.json given, the
JSON summary with its timing keys removed, one key per line.

    scripts/golden_manifest.py FILE.h5|FILE.json ...   > MANIFEST
"""
import hashlib
import json
import sys

import h5py
import numpy as np

# Keys and names whose value is a property of the run, not of the computation.
VOLATILE = {"seconds", "wall_seconds", "created", "host", "command_line", "tcmbp_version",
            "creator", "threads", "instance", "output", "checkpoint", "csv", "source", "reference"}


def digest(value):
    a = np.asarray(value)
    if a.dtype.kind in "OSU":
        return "str:" + repr(a.tolist())
    return a.dtype.str + str(a.shape) + ":" + hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


def h5_lines(path):
    out = []
    with h5py.File(path, "r") as f:
        def attrs(name, obj):
            for k in sorted(obj.attrs):
                if k not in VOLATILE:
                    out.append(f"{path}:{name}@{k} {digest(obj.attrs[k])}")
        attrs("/", f)

        def visit(name, obj):
            attrs("/" + name, obj)
            if isinstance(obj, h5py.Dataset) and name.split("/")[-1] not in VOLATILE:
                out.append(f"{path}:/{name} {digest(obj[()])}")
        f.visititems(visit)
    return sorted(out)


def json_lines(path):
    with open(path) as fh:
        d = json.load(fh)
    return [f"{path}:{k} {json.dumps(v)}" for k, v in sorted(d.items()) if k not in VOLATILE]


def main(paths):
    for p in paths:
        lines = json_lines(p) if p.endswith(".json") else h5_lines(p)
        print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
