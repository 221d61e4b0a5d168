#!/usr/bin/env bash
# Success rate of continuous focusing BP against alpha (issue 5): for each
# alpha and instance seed, `tcmbp solve` with the exact-cavity and the fast
# mode (paper protocol), then a table (CSV + Markdown) and a plot.
# Resumable: finished runs (their JSON summary exists) are skipped.
# --solve-opts passes extra options to every solve (e.g. "--polish
# --restarts 2") and --label names that variant: its runs are tagged
# a{alpha}_s{seed}_{mode}_{label} and it gets its own rows in the table, so
# several variants can share one --out (and its instances).
#
#   scripts/fbp_success.sh [--N 999] [--K 3] [--alphas "1.0 1.5 2.0"] [--instances 10]
#                          [--modes "exact fast"] [--jobs 2] [--out results/fbp_success]
#                          [--solve-opts "OPTS" --label NAME] [--first-seed 1] [--nice 10]
set -euo pipefail
cd "$(dirname "$0")/.."
N=999 K=3 INSTANCES=10 JOBS=$(nproc) OUT=results/fbp_success MODES="exact fast"
ALPHAS="1.0 1.5 2.0 2.2 2.4 2.5 2.6 2.7" SOLVE_OPTS="" LABEL="" FIRST_SEED=1 NICE=0
while [[ $# -gt 0 ]]; do
    case $1 in
    --N) N=$2; shift 2 ;;
    --K) K=$2; shift 2 ;;
    --alphas) ALPHAS=$2; shift 2 ;;
    --instances) INSTANCES=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --jobs) JOBS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --solve-opts) SOLVE_OPTS=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    --first-seed) FIRST_SEED=$2; shift 2 ;;
    --nice) NICE=$2; shift 2 ;;
    *) echo "fbp_success: unknown option $1" >&2; exit 2 ;;
    esac
done
[[ -z $SOLVE_OPTS || -n $LABEL ]] || { echo "fbp_success: --solve-opts needs a --label" >&2; exit 2; }
[[ $LABEL =~ ^[A-Za-z0-9.+-]*$ ]] || { echo "fbp_success: --label may hold letters, digits, '.', '+' and '-' only" >&2; exit 2; }
SEEDS=$(seq "$FIRST_SEED" $((FIRST_SEED + INSTANCES - 1)))
TCMBP=${TCMBP:-build/tcmbp}
[[ -x $TCMBP ]] || { echo "fbp_success: $TCMBP not found; run scripts/setup.sh first" >&2; exit 1; }
mkdir -p "$OUT/instances" "$OUT/runs"

# One task per line: alpha seed mode.
tasks=$(for a in $ALPHAS; do for s in $SEEDS; do for m in $MODES; do echo "$a $s $m"; done; done; done)

run_one() {
    local a=$1 s=$2 m=$3
    local inst="$OUT/instances/K${K}_N${N}_a${a}_s${s}.h5" tag="a${a}_s${s}_${m}${LABEL:+_$LABEL}" # after a, s, m are set
    [[ -s $OUT/runs/$tag.json ]] && return 0
    [[ -f $inst ]] || "$TCMBP" generate --N "$N" --K "$K" --alpha "$a" --seed "$s" --quiet -o "$inst" >/dev/null 2>&1 || true
    # shellcheck disable=SC2086 # SOLVE_OPTS is a list of options
    nice -n "$NICE" "$TCMBP" solve "$inst" --cavity "$m" --threads 1 --quiet --json --force $SOLVE_OPTS \
        -o "$OUT/runs/$tag.h5" >"$OUT/runs/$tag.json.tmp"
    mv "$OUT/runs/$tag.json.tmp" "$OUT/runs/$tag.json"
    echo "fbp_success: alpha=$a seed=$s $m${LABEL:+ $LABEL}: $(cat "$OUT/runs/$tag.json")" >&2
}
export -f run_one
export OUT N K TCMBP SOLVE_OPTS LABEL NICE
# instances first (sequentially: two jobs must not write the same file)
for a in $ALPHAS; do for s in $SEEDS; do
    inst="$OUT/instances/K${K}_N${N}_a${a}_s${s}.h5"
    [[ -f $inst ]] || "$TCMBP" generate --N "$N" --K "$K" --alpha "$a" --seed "$s" --quiet -o "$inst" >/dev/null
done; done
echo "$tasks" | xargs -P "$JOBS" -L 1 bash -c 'run_one "$@"' _

/usr/bin/python3 - "$OUT" "$N" "$K" <<'PY'
import glob, json, os, statistics, sys
out, N, K = sys.argv[1], sys.argv[2], sys.argv[3]
rows = {}
for path in glob.glob(os.path.join(out, "runs", "*.json")):
    tag = os.path.basename(path)[:-5]          # a{alpha}_s{seed}_{mode}[_{label}]
    a, s, mode, *label = tag.split("_")
    d = json.load(open(path))
    rows.setdefault((float(a[1:]), mode + (f" {label[0]}" if label else "")), []).append(d)
with open(os.path.join(out, "table.csv"), "w") as f, open(os.path.join(out, "table.md"), "w") as md:
    f.write("alpha,mode,instances,solved,rate,median_seconds_solved,median_steps_solved,seconds_per_solved\n")
    md.write(f"Focusing BP success rate, K = {K}, N = {N}, paper protocol (y = 10, lambda 0.5..30, 30 steps, <= 200 sweeps per step), one thread per run.\n\n")
    md.write("Mode: the cavity mode, then the variant's label (extra solve options: README.md). "
             "s per solved: the seconds of all runs of the row (solved or not) over the solved ones.\n\n")
    md.write("| alpha | mode | instances | solved | rate | median s (solved) | median steps (solved) | s per solved |\n|---|---|---|---|---|---|---|---|\n")
    for (a, mode) in sorted(rows):
        r = rows[(a, mode)]
        ok = [d for d in r if d["status"] == "solved"]
        med_t = statistics.median(d["seconds"] for d in ok) if ok else float("nan")
        med_s = statistics.median(d["steps"] for d in ok) if ok else float("nan")
        per = sum(d["seconds"] for d in r) / len(ok) if ok else float("nan")
        f.write(f"{a},{mode},{len(r)},{len(ok)},{len(ok)/len(r):.3f},{med_t:.2f},{med_s},{per:.2f}\n")
        md.write(f"| {a} | {mode} | {len(r)} | {len(ok)} | {len(ok)/len(r):.2f} | {med_t:.1f} | {med_s} | {per:.1f} |\n")
try:
    import matplotlib; matplotlib.use("Agg"); import matplotlib.pyplot as plt
    plt.figure(figsize=(5, 3.5))
    for mode in sorted({m for _, m in rows}):
        pts = sorted((a, sum(d["status"] == "solved" for d in r) / len(r)) for (a, m), r in rows.items() if m == mode)
        plt.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=mode)
    plt.xlabel("alpha"); plt.ylabel("success rate"); plt.title(f"fBP, K={K}, N={N}"); plt.legend(); plt.grid(alpha=.3)
    plt.tight_layout(); plt.savefig(os.path.join(out, "success.png"), dpi=120)
except ImportError:
    print("fbp_success: matplotlib missing, no plot", file=sys.stderr)
print(open(os.path.join(out, "table.md")).read())
PY
