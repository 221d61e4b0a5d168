"""The example examples/python/sgd_local_entropy.py in its --quick form:
both curves computed, written (CSV) and plotted (PNG)."""
import csv
import os
import subprocess
import sys

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python", "sgd_local_entropy.py")


def test_example_quick(tmp_path):
    p = subprocess.run([sys.executable, EXAMPLE, "--quick", "--out", str(tmp_path)], capture_output=True, text=True,
                       env=dict(os.environ, MPLBACKEND="Agg"))
    assert p.returncode == 0, p.stderr
    assert "focusing BP: solved" in p.stdout
    assert (tmp_path / "local_entropy.png").stat().st_size > 1000
    rows = list(csv.DictReader(open(tmp_path / "local_entropy.csv")))
    solvers = sorted({r["solver"] for r in rows})
    assert len(solvers) == 2 and "focusing BP" in solvers and len(rows) == 8
    for r in rows:
        assert float(r["local_entropy"]) <= 1e-9 and 0 <= float(r["distance"]) <= 1
