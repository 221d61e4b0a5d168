#!/usr/bin/env bash
# Success rate of binary-weight focusing BP (tcmbp solve --weights binary)
# against alpha, for the binary perceptron (K = 1, N = 1001) and tree
# committee machines K = 3 (N = 999) and K = 5 (N = 1005): for each alpha,
# INSTANCES random instances (seeds 1..INSTANCES, random outputs), each solved
# with the same protocol; writes the table to results/binary_success.md (or
# $1) and the raw one-line JSON summaries to $WORK/runs.jsonl. Rerunning skips
# the runs already in runs.jsonl, so an interrupted sweep can be continued.
#
#   bash scripts/binary_success.sh [OUT.md]
#
# Environment:
#   TCMBP      the binary (default build/tcmbp)
#   WORK       directory for instances, solutions and runs.jsonl (default $TMPDIR/tcmbp_binary_success)
#   JOBS       runs in parallel, each single-threaded (default 1: one run, all threads)
#   INSTANCES  instances per point (default 10)
#   CONFIGS    ";"-separated "K N arch alpha,alpha,..." (default: the three machines below)
#   SOLVE_ARGS protocol options (default: standard reinforcement dx = 0.002, one
#              sweep per step, damping 0.5, initial amplitude 0.1)
#   KEEP_SOL   1: keep every solution file $WORK/TAG.sol.h5 (e.g. the /solve/attempts
#              of --restarts runs); default 0: delete it after the eval
set -euo pipefail
cd "$(dirname "$0")/.."

TCMBP=${TCMBP:-build/tcmbp}
WORK=${WORK:-${TMPDIR:-/tmp}/tcmbp_binary_success}
JOBS=${JOBS:-1}
INSTANCES=${INSTANCES:-10}
OUT=${1:-results/binary_success.md}
CONFIGS=${CONFIGS:-"1 1001 tree 0.6,0.65,0.7,0.72,0.74,0.76,0.78;3 999 tree 0.6,0.7,0.75,0.775,0.8;5 1005 tree 0.6,0.65,0.7,0.75,0.8"}
SOLVE_ARGS=${SOLVE_ARGS:-"--protocol standard-reinforcement --dx 0.002 --max-sweeps 1 --damping 0.5 --init-amplitude 0.1"}
export TCMBP WORK SOLVE_ARGS

[ -x "$TCMBP" ] || { echo "binary_success: $TCMBP not found (build first: bash scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$WORK"
touch "$WORK/runs.jsonl"

# One run: generate the instance (K N arch alpha seed) if needed, solve it,
# append {"K":..,"N":..,"arch":..,"alpha":..,"seed":..} + the solver's JSON summary.
run_one() {
    local K=$1 N=$2 arch=$3 alpha=$4 seed=$5 threads=$6
    local tag="K${K}_N${N}_${arch}_a${alpha}_s${seed}"
    local inst="$WORK/$tag.h5" sol="$WORK/$tag.sol.h5" summary evalerr
    local topt=()
    [ "$threads" -gt 0 ] && topt=(--threads "$threads")
    if [ ! -f "$inst" ] && ! "$TCMBP" generate --quiet --force --N "$N" --K "$K" --alpha "$alpha" --arch "$arch" \
        --weights binary --seed "$seed" -o "$inst" >/dev/null; then
        echo "binary_success: generate failed for $tag" >&2
        return 0
    fi
    # shellcheck disable=SC2086
    if ! summary=$("$TCMBP" solve "$inst" --weights binary $SOLVE_ARGS --no-record --seed "$seed" "${topt[@]}" \
        --quiet --json --force -o "$sol") ||
        ! evalerr=$("$TCMBP" eval --quiet --json "$inst" "$sol" |
            /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["errors"])'); then
        echo "binary_success: run $tag failed (it will be retried by the next invocation)" >&2
        return 0
    fi
    printf '{"K": %s, "N": %s, "arch": "%s", "alpha": %s, "seed": %s, "eval_errors": %s, "summary": %s}\n' \
        "$K" "$N" "$arch" "$alpha" "$seed" "$evalerr" "$summary" >>"$WORK/runs.jsonl"
    [ "${KEEP_SOL:-0}" = 1 ] || rm -f "$sol"
}
export -f run_one

# The list of runs not yet in runs.jsonl, one "K N arch alpha seed" per line.
pending() {
    local cfg K N arch alphas alpha seed
    IFS=';' read -ra cfgs <<<"$CONFIGS"
    for cfg in "${cfgs[@]}"; do
        read -r K N arch alphas <<<"$cfg"
        IFS=',' read -ra list <<<"$alphas"
        for alpha in "${list[@]}"; do
            for seed in $(seq 1 "$INSTANCES"); do
                grep -q "\"K\": $K, \"N\": $N, \"arch\": \"$arch\", \"alpha\": $alpha, \"seed\": $seed," "$WORK/runs.jsonl" ||
                    echo "$K $N $arch $alpha $seed"
            done
        done
    done
}

threads=0
[ "$JOBS" -gt 1 ] && threads=1
pending | while read -r K N arch alpha seed; do echo "$K $N $arch $alpha $seed $threads"; done |
    xargs -P "$JOBS" -L 1 bash -c 'run_one "$@"' _

/usr/bin/python3 - "$WORK/runs.jsonl" "$OUT" "$INSTANCES" "$SOLVE_ARGS" "$JOBS" <<'EOF'
import json, sys, collections
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out, ninst, args, jobs = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
pts = collections.OrderedDict()
for r in sorted(runs, key=lambda r: (r["K"], r["alpha"], r["seed"])):
    if r["seed"] <= ninst:
        pts.setdefault((r["K"], r["N"], r["arch"], r["alpha"]), []).append(r)
lines = ["# Binary focusing BP: success rate against alpha", "",
         "Produced by `bash scripts/binary_success.sh` (tcmbp solve --weights binary " + args + "),",
         "random outputs, seeds 1..%d per point; a run counts as solved when `tcmbp eval` finds zero errors." % ninst, "",
         "| K | N | arch | alpha | M | solved | rate | s / solved run | sweeps / solved run | ms / sweep |",
         "|---|---|---|---|---|---|---|---|---|---|"]
for (K, N, arch, alpha), rs in pts.items():
    ok = [r for r in rs if r["summary"]["status"] == "solved" and r["eval_errors"] == 0]
    secs = sum(r["summary"]["seconds"] for r in rs)
    sweeps = sum(r["summary"]["sweeps"] for r in rs)
    s_ok = "%.1f" % (sum(r["summary"]["seconds"] for r in ok) / len(ok)) if ok else "-"
    w_ok = "%.0f" % (sum(r["summary"]["sweeps"] for r in ok) / len(ok)) if ok else "-"
    lines.append("| %d | %d | %s | %g | %d | %d/%d | %.2f | %s | %s | %.1f |" % (
        K, N, arch, alpha, rs[0]["summary"]["M"], len(ok), len(rs), len(ok) / len(rs), s_ok, w_ok,
        1000.0 * secs / max(sweeps, 1)))
lines += ["", "Times are wall-clock seconds of the solver (`seconds` of the summary: sweeps, the error count",
          "after every step, no file output), %s; ms / sweep = all seconds / all sweeps of the point." % (
              "%d single-threaded runs at a time" % jobs if jobs > 1 else "one run at a time, all threads")]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
EOF
