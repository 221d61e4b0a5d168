#!/usr/bin/python3
"""The focusing-AMP runs of focus_scaling.sh into a per-run CSV, a per-point
table (CSV and markdown) and the plot of success rate against alpha, one
line per N. Focusing BP's rates at N = 999 (results/fbp_success/table.csv:
protocol only, before polish; bp_polish.csv: the same runs' configurations
with solve's clean-up applied) go into the plot for reference.

Usage: /usr/bin/python3 results/amp/focus_summary.py
Writes results/amp/focus_runs.csv, focus_table.csv, focus_table.md,
focus_scaling.png."""
import csv
import glob
import json
import os
import re
import statistics

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))

runs = []
for js in glob.glob(os.path.join(here, "focus_runs", "N*_a*_s*.json")):
    m = re.match(r"N(\d+)_a([\d.]+)_s(\d+)\.json$", os.path.basename(js))
    n, a, s = int(m.group(1)), m.group(2), int(m.group(3))
    with open(js) as f:
        sc = json.load(f)
    with open(js[:-5] + ".time") as f:
        t = f.read().split()
    user, syst, wall, rss = float(t[0]), float(t[1]), float(t[2]), int(t[3])
    load1 = float(t[4]) if len(t) > 4 else float("nan")
    polished = "errors_before_polish" in sc
    runs.append(dict(N=n, alpha=a, seed=s, M=sc["M"], status=sc["status"], solved=int(sc["errors"] == 0),
                     errors=sc["errors"],
                     errors_protocol=sc["errors_before_polish"] if polished else sc["errors"],
                     solved_protocol=int((sc["errors_before_polish"] if polished else sc["errors"]) == 0),
                     polish_moves=sc.get("polish_moves", 0) if polished else "",
                     steps=sc["steps"], sweeps=sc["sweeps"], seconds=round(sc["seconds"], 2),
                     cpu_s=round(user + syst, 2), wall_s=wall, maxrss_kB=rss, load1=load1))
runs.sort(key=lambda r: (r["N"], float(r["alpha"]), r["seed"]))
cols = list(runs[0].keys())
with open(os.path.join(here, "focus_runs.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, cols)
    w.writeheader()
    w.writerows(runs)

points = {}
for r in runs:
    points.setdefault((r["N"], r["alpha"]), []).append(r)
table = []
for (n, a), rs in sorted(points.items(), key=lambda kv: (kv[0][0], float(kv[0][1]))):
    solved = [r for r in rs if r["solved"]]
    cpu = sum(r["cpu_s"] for r in rs)
    unsolved_err = sorted(r["errors"] for r in rs if not r["solved"])
    prot_err = sorted(r["errors_protocol"] for r in rs if not r["solved_protocol"])
    table.append(dict(N=n, alpha=a, instances=len(rs), seeds="%d-%d" % (min(r["seed"] for r in rs),
                                                                         max(r["seed"] for r in rs)),
                      solved=len(solved), rate=round(len(solved) / len(rs), 3),
                      solved_protocol=sum(r["solved_protocol"] for r in rs),
                      rescued_by_polish=sum(r["solved"] - r["solved_protocol"] for r in rs),
                      errors_left=" ".join(map(str, unsolved_err)),
                      errors_protocol_unsolved=" ".join(map(str, prot_err)),
                      median_sweeps=statistics.median(r["sweeps"] for r in rs),
                      median_cpu_s=round(statistics.median(r["cpu_s"] for r in rs), 1),
                      cpu_s_per_solved=round(cpu / len(solved), 1) if solved else ""))
tcols = list(table[0].keys())
with open(os.path.join(here, "focus_table.csv"), "w", newline="") as f:
    w = csv.DictWriter(f, tcols)
    w.writeheader()
    w.writerows(table)
with open(os.path.join(here, "focus_table.md"), "w") as f:
    f.write("| N | alpha | solved | protocol alone | rescued by polish | errors left (unsolved) | "
            "errors after the protocol (its unsolved) | median sweeps | median CPU s | CPU s per solved |\n")
    f.write("|---|---|---|---|---|---|---|---|---|---|\n")
    for t in table:
        f.write("| %d | %s | %d / %d | %d / %d | %d | %s | %s | %g | %.1f | %s |\n" % (
            t["N"], t["alpha"], t["solved"], t["instances"], t["solved_protocol"], t["instances"],
            t["rescued_by_polish"], t["errors_left"] or "-", t["errors_protocol_unsolved"] or "-",
            t["median_sweeps"], t["median_cpu_s"], t["cpu_s_per_solved"] or "-"))

# The plot.
import matplotlib  # noqa: E402
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
for ax, key, title in ((axes[0], "solved", "solve defaults (protocol + polish)"),
                       (axes[1], "solved_protocol", "protocol alone (before polish)")):
    for n in sorted({t["N"] for t in table}):
        pts = [t for t in table if t["N"] == n]
        xs = [float(t["alpha"]) for t in pts]
        ys = [t[key if key == "solved" else "solved_protocol"] / t["instances"] for t in pts]
        lab = "AMP N = %d (%s instances)" % (n, "/".join(str(t["instances"]) for t in pts))
        ax.plot(xs, ys, "o-", label=lab)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("alpha = M / N")
    ax.grid(alpha=0.3)
bp = {}
with open(os.path.join(root, "results/fbp_success/table.csv")) as f:
    for r in csv.DictReader(f):
        bp.setdefault(r["mode"], []).append((float(r["alpha"]), float(r["rate"]), int(r["instances"])))
rescued = {}
pol = os.path.join(here, "bp_polish.csv")
if os.path.exists(pol):
    with open(pol) as f:
        for r in csv.DictReader(f):
            if r["errors_after_polish"] == "0":
                key = (r["cavity"], float(r["alpha"]))
                rescued[key] = rescued.get(key, 0) + 1
for mode, mk in (("exact", "s"), ("fast", "^")):
    pts = sorted(p for p in bp[mode] if p[0] >= 2.0)
    axes[1].plot([p[0] for p in pts], [p[1] for p in pts], mk + ":", color="gray" if mode == "exact" else "black",
                 label="focusing BP %s cavity, N = 999 (10)" % mode)
    axes[0].plot([p[0] for p in pts], [min(1.0, p[1] + rescued.get((mode, p[0]), 0) / p[2]) for p in pts],
                 mk + ":", color="gray" if mode == "exact" else "black",
                 label="focusing BP %s, N = 999 (10), polish applied" % mode)
axes[0].set_ylabel("fraction of instances solved")
for ax in axes:
    ax.legend(fontsize=7, loc="lower left")
fig.suptitle("Focusing AMP, K = 3 tree, continuous weights: success rate against alpha", fontsize=11)
fig.tight_layout()
fig.savefig(os.path.join(here, "focus_scaling.png"), dpi=120)
print(open(os.path.join(here, "focus_table.md")).read())

# Per instance at N = 999: focusing AMP beside focusing BP (results/fbp_success/runs; polish from bp_polish.csv).
after = {}
if os.path.exists(pol):
    with open(pol) as f:
        for r in csv.DictReader(f):
            after[(r["alpha"], int(r["seed"]), r["cavity"])] = int(r["errors_after_polish"])
cmp_rows = []
for r in runs:
    if r["N"] != 999:
        continue
    row = dict(alpha=r["alpha"], seed=r["seed"], amp_errors_protocol=r["errors_protocol"], amp_errors=r["errors"],
               amp_sweeps=r["sweeps"], amp_cpu_s=r["cpu_s"])
    for mode in ("exact", "fast"):
        js = os.path.join(root, "results/fbp_success/runs/a%s_s%d_%s.json" % (r["alpha"], r["seed"], mode))
        if not os.path.exists(js):
            row.update({"bp_%s_errors_protocol" % mode: "", "bp_%s_errors_polished" % mode: "",
                        "bp_%s_sweeps" % mode: "", "bp_%s_seconds" % mode: ""})
            continue
        with open(js) as f:
            b = json.load(f)
        row["bp_%s_errors_protocol" % mode] = b["errors"]
        row["bp_%s_errors_polished" % mode] = after.get((r["alpha"], r["seed"], mode), b["errors"])
        row["bp_%s_sweeps" % mode] = b["sweeps"]
        row["bp_%s_seconds" % mode] = round(b["seconds"], 1)
    cmp_rows.append(row)
if cmp_rows:
    with open(os.path.join(here, "focus_vs_bp.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, list(cmp_rows[0].keys()))
        w.writeheader()
        w.writerows(cmp_rows)
