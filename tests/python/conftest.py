"""Fixtures of the Python package tests: the CLI to compare with (TCMBP_CLI,
set by ctest), a runner returning its --json summary, and h5py readers."""
import json
import os
import subprocess

import h5py
import numpy as np
import pytest

CLI = os.environ.get("TCMBP_CLI", os.path.join(os.path.dirname(__file__), "..", "..", "build", "tcmbp"))
os.environ.setdefault("OMP_NUM_THREADS", "2")


@pytest.fixture
def cli():
    """cli(*args) runs the tcmbp command line with --json --quiet; the summary dict."""
    if not os.access(CLI, os.X_OK):
        pytest.fail("the tcmbp CLI is not at %s (set TCMBP_CLI)" % CLI)

    def run(*args):
        p = subprocess.run([CLI] + [str(a) for a in args] + ["--json", "--quiet"], capture_output=True, text=True)
        assert p.returncode == 0, "tcmbp %s: %s" % (" ".join(map(str, args)), p.stderr)
        return json.loads(p.stdout)
    return run


def h5_numbers(path, skip=("seconds", "wall_seconds")):
    """Every numeric dataset of a file, tables as columns: {name: array}."""
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind in "iuf" and name.split("/")[-1] not in skip:
            out[name] = obj[()]
    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return out


def assert_same_numbers(a, b, skip=("seconds", "wall_seconds")):
    """The numeric datasets of two files are equal bit for bit (NaN = NaN)."""
    x, y = h5_numbers(a, skip), h5_numbers(b, skip)
    assert sorted(x) == sorted(y)
    for k in x:
        assert x[k].shape == y[k].shape, k
        assert x[k].tobytes() == y[k].tobytes(), "dataset %s differs" % k


PROVENANCE = {"command_line", "created", "wall_seconds", "host", "instance", "seconds", "threads"}


def h5_attrs(path, skip):
    """Every attribute of every object: {(object, name): value}."""
    out = {}

    def add(name, obj):
        for k, v in obj.attrs.items():
            if k not in skip:
                out[(name, k)] = (v.tolist() if v.dtype == object else v.tobytes()) if isinstance(v, np.ndarray) else v
    with h5py.File(path, "r") as f:
        add("/", f)
        f.visititems(add)
    return out


def assert_same_attrs(a, b, skip=()):
    """The attributes of two files are the same, but for provenance and skip."""
    x, y = h5_attrs(a, PROVENANCE | set(skip)), h5_attrs(b, PROVENANCE | set(skip))
    assert sorted(x) == sorted(y)
    for k in x:
        same = x[k] == y[k] or (isinstance(x[k], float) and np.isnan(x[k]) and np.isnan(y[k]))
        assert same, "attribute %s: %r != %r" % (k, x[k], y[k])
