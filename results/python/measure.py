#!/usr/bin/env python3
"""Measurements of results/python/README.md: the overhead of a Python call
against the command line on the same job (a small and a large instance),
and the memory of a 10^8-edge instance built from a numpy array.

    TCMBP_LIBRARY=build/libtcmbp.so PYTHONPATH=python /usr/bin/python3 results/python/measure.py build/tcmbp [overhead] [wrapper] [memory]
"""
import json
import os
import subprocess
import sys
import tempfile
import time

CHILD_MEMORY = r'''
import resource, sys, numpy as np
def rss(): return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
import tcmbp
M = N = 10000
rng = np.random.default_rng(0)
dtype = sys.argv[1]
p = np.empty((M, N), dtype=dtype)
for r in range(0, M, 500):  # in blocks: no temporary of the array's size before the measurement
    p[r:r + 500] = np.where(rng.random((min(500, M - r), N), dtype=np.float32) < 0.5, 1, -1)
o = np.where(rng.random(M) < 0.5, 1, -1).astype(np.int8)
r0, k0 = rss(), peak()
inst = tcmbp.Instance.from_arrays(p, o, K=5, arch="tree")
r1, k1 = rss(), peak()
out = dict(dtype=dtype, array_mib=p.nbytes / 2**20, rss_before=r0, rss_after=r1, peak_before=k0, peak_after=k1,
           shares=bool(np.shares_memory(inst.patterns, p)))
if len(sys.argv) > 2:
    del p
    t = __import__("time").perf_counter()
    r = tcmbp.bp(inst, weights=sys.argv[2], max_sweeps=1, threads=2)
    out.update(engine=sys.argv[2], bp_seconds=__import__("time").perf_counter() - t, peak_after_bp=peak(),
               rss_after_bp=rss())
print(__import__("json").dumps(out))
'''


def timed(f, reps):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2]


def overhead(cli, d, N, alpha, sweeps, reps):
    """Median wall seconds of the same bp job: CLI process, Python with the
    file load and save=, Python on an Instance in memory without a file."""
    import tcmbp
    inst_path = os.path.join(d, "inst_%d.h5" % N)
    subprocess.run([cli, "generate", "--N", str(N), "--alpha", str(alpha), "--seed", "3", "-o", inst_path, "--force",
                    "--quiet"], check=True, stdout=subprocess.DEVNULL)
    opts = ["--max-sweeps", str(sweeps), "--tol", "1e-300", "--threads", "2"]
    out = os.path.join(d, "bp.h5")

    def run_cli():
        subprocess.run([cli, "bp", inst_path, "-o", out, "--force", "--quiet"] + opts, check=True,
                       stdout=subprocess.DEVNULL)

    def run_py_file():
        tcmbp.bp(tcmbp.Instance.load(inst_path), save=out, force=True, max_sweeps=sweeps, tol=1e-300, threads=2)
    inst = tcmbp.Instance.load(inst_path)

    def run_py_mem():
        tcmbp.bp(inst, max_sweeps=sweeps, tol=1e-300, threads=2)
    run_cli(), run_py_file(), run_py_mem()  # warm caches
    return dict(N=N, M=inst.M, edges=inst.M * inst.N, sweeps=sweeps, cli=timed(run_cli, reps),
                py_file=timed(run_py_file, reps), py_mem=timed(run_py_mem, reps))


def main():
    cli = sys.argv[1] if len(sys.argv) > 1 else "build/tcmbp"
    parts = sys.argv[2:] or ["overhead", "wrapper", "memory"]
    print("load: %s" % open("/proc/loadavg").read().strip())
    if "overhead" in parts:
        measure_overhead(cli)
    if "wrapper" in parts:
        wrapper_overhead()
    if "memory" in parts:
        measure_memory()


def measure_overhead(cli):
    """Import time and the three ways of running the same bp job."""
    t = timed(lambda: subprocess.run([sys.executable, "-c", "import tcmbp"], check=True), 5)
    print("python3 -c 'import tcmbp': %.3f s (median of 5)" % t)
    t = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), 5)
    print("python3 -c 'pass': %.3f s" % t)
    with tempfile.TemporaryDirectory() as d:
        print("| job | edges | CLI process | Python: load + bp + save | Python: bp in memory |")
        print("|---|---|---|---|---|")
        for N, alpha, sweeps, reps in ((99, 0.5, 20, 21), (3000, 1.0, 20, 5)):
            r = overhead(cli, d, N, alpha, sweeps, reps)
            print("| bp N=%d M=%d, %d sweeps | %.2g | %.4f s | %.4f s | %.4f s |" % (
                r["N"], r["M"], r["sweeps"], r["edges"], r["cli"], r["py_file"], r["py_mem"]))


def measure_memory():
    """A 10^8-edge instance (M = N = 10^4, tree) from int8 and float32
    arrays, and one bp sweep of each engine on it, each in a fresh process."""
    print("| patterns dtype | array MiB | RSS after array | RSS after from_arrays | peak before | peak after "
          "| shares memory | engine | bp 1 sweep s | peak after bp |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for args in (["int8"], ["float32"], ["int8", "binary"], ["int8", "continuous"]):
        p = subprocess.run([sys.executable, "-c", CHILD_MEMORY] + args, check=True, capture_output=True, text=True)
        r = json.loads(p.stdout)
        print("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %s | %s | %s | %s |" % (
            r["dtype"], r["array_mib"], r["rss_before"], r["rss_after"], r["peak_before"], r["peak_after"],
            r["shares"], r.get("engine", "-"), "%.2f" % r["bp_seconds"] if "bp_seconds" in r else "-",
            "%.0f" % r["peak_after_bp"] if "peak_after_bp" in r else "-"))




def wrapper_overhead():
    """Wall time of tcmbp.bp minus the library's own seconds (the driver's
    clock): what the Python layer adds per call (engine set-up included)."""
    import tcmbp
    inst = tcmbp.Instance.generate(N=99, K=3, alpha=0.5, seed=3)
    out = []
    for _ in range(200):
        t = time.perf_counter()
        r = tcmbp.bp(inst, max_sweeps=20, tol=1e-300, threads=2)
        out.append(time.perf_counter() - t - r.seconds)
    out.sort()
    print("tcmbp.bp on N=99: wall - library seconds, median of 200: %.2f ms (10%%: %.2f, 90%%: %.2f)"
          % (1e3 * out[100], 1e3 * out[20], 1e3 * out[180]))


if __name__ == "__main__":
    main()
