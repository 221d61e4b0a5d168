#!/usr/bin/python3
"""Tables (table.md, table.csv) and the plot (threshold.png) of
results/fbp_threshold from the runs of run.py (runs_*.jsonl), plus the
earlier runs of results/fbp_success_past with the same seeds and solver
options (N = 333 alpha = 2.9 and the binary perceptron N = 1001 alpha =
0.76: their first attempt, after the clean-up, is the default run).

    /usr/bin/python3 aggregate.py
"""
import csv, glob, json, os
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
PAST = os.path.join(HERE, "..", "fbp_success_past")


def rows_new():
    for path in sorted(glob.glob(os.path.join(HERE, "runs_*.jsonl"))):
        for line in open(path):
            r = json.loads(line)
            s = r["summary"]
            yield dict(machine="%s K=%d" % (r["weights"], r["K"]), N=r["N"], alpha=r["alpha"], label=r["label"],
                       solved=s["status"] == "solved", solved_before=s["status"] == "solved" and "errors_before_polish" not in s,
                       errors=s["errors"], errors_before=s.get("errors_before_polish", s["errors"]),
                       cpu=r["cpu_seconds"], wall=r["wall_seconds"], source=os.path.basename(path))


def rows_past():
    """First attempts of the --polish --restarts 1 runs (wall seconds only)."""
    for path in sorted(glob.glob(os.path.join(PAST, "runs_n333", "*.json"))):
        s = json.load(open(path))
        e = int(s["attempt_errors"].split(",")[0])
        sec = float(s["attempt_seconds"].split(",")[0])
        yield dict(machine="continuous K=3", N=333, alpha=2.9, label="polish", solved=e == 0, solved_before=False,
                   errors=e, errors_before=s["errors_before_polish"] if s.get("attempts", 1) == 1 else None,
                   cpu=None, wall=sec, source="fbp_success_past/runs_n333")
    for line in open(os.path.join(PAST, "binary_runs.jsonl")):
        r = json.loads(line)
        s = r["summary"]
        e = int(s["attempt_errors"].split(",")[0]) if "attempt_errors" in s else s["errors"]
        sec = float(s["attempt_seconds"].split(",")[0]) if "attempt_seconds" in s else s["seconds"]
        yield dict(machine="binary K=1", N=r["N"], alpha=r["alpha"], label="polish", solved=e == 0,
                   solved_before=s["status"] == "solved" and "errors_before_polish" not in s and e == 0,
                   errors=e, errors_before=None, cpu=None, wall=sec, source="fbp_success_past/binary_runs.jsonl")


def main():
    groups = defaultdict(list)
    for r in list(rows_new()) + list(rows_past()):
        groups[(r["machine"], r["N"], r["label"], r["alpha"])].append(r)
    out = []
    for (machine, N, label, alpha), rs in sorted(groups.items()):
        solved = sum(r["solved"] for r in rs)
        before = sum(r["solved_before"] for r in rs)
        cpu = [r["cpu"] for r in rs if r["cpu"] is not None]
        cpu_solved = [r["cpu"] for r in rs if r["solved"] and r["cpu"] is not None]
        wall = [r["wall"] for r in rs]
        per_solved = (sum(cpu) / solved if solved and len(cpu) == len(rs) else float("nan"))
        out.append(dict(machine=machine, N=N, options=label, alpha=alpha, instances=len(rs), solved=solved,
                        solved_no_polish=before, rate=round(solved / len(rs), 2),
                        cpu_s_per_solved=round(per_solved, 1),
                        cpu_s_mean_solved_run=round(sum(cpu_solved) / len(cpu_solved), 1) if cpu_solved else float("nan"),
                        wall_s_per_solved=round(sum(wall) / solved, 1) if solved else float("nan"),
                        errors_unsolved=" ".join(str(r["errors"]) for r in rs if not r["solved"]),
                        source=rs[0]["source"]))
    keys = list(out[0].keys())
    with open(os.path.join(HERE, "table.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(out)
    with open(os.path.join(HERE, "table.md"), "w") as f:
        f.write("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys) + "\n")
        for r in out:
            f.write("| " + " | ".join(str(r[k]) for k in keys) + " |\n")
    plot(out)


def plot(out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, machine in zip(axes, ("continuous K=3", "binary K=1")):
        for N in sorted({r["N"] for r in out if r["machine"] == machine}):
            rs = sorted((r for r in out if r["machine"] == machine and r["N"] == N and r["options"] == "polish"),
                        key=lambda r: r["alpha"])
            ax.errorbar([r["alpha"] for r in rs], [r["rate"] for r in rs], marker="o", capsize=3,
                        label="N = %d" % N)
            for r in rs:
                ax.annotate("%d/%d" % (r["solved"], r["instances"]), (r["alpha"], r["rate"]),
                            textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_xlabel("alpha")
        ax.set_ylabel("fraction solved (solve defaults, clean-up on)")
        ax.set_title(machine)
        ax.set_ylim(-0.05, 1.1)
        ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(HERE, "threshold.png"), dpi=120)


if __name__ == "__main__":
    main()
