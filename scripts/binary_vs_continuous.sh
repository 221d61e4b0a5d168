#!/usr/bin/env bash
# Binary against continuous focusing BP on the same instances (issue 6): the
# binary perceptron (K = 1, N = 1001, alpha = 0.6, tree, random outputs),
# seeds 1..INSTANCES, each solved once with binary weights (the protocol of
# scripts/binary_success.sh) and once with continuous weights (the paper's
# protocol, exact cavity), one thread each. Records wall and CPU seconds,
# sweeps and status of every run, and writes the table to OUT (default
# results/binary_vs_continuous.md); raw JSON lines go to $WORK/runs.jsonl.
#
#   bash scripts/binary_vs_continuous.sh [OUT.md]
#
# Environment: TCMBP (default build/tcmbp), WORK (default $TMPDIR/tcmbp_bin_vs_cont),
# INSTANCES (default 10), K, N, ALPHA (default 1, 1001, 0.6),
# BIN_ARGS (binary protocol), CONT_ARGS (continuous options, default --cavity exact).
set -euo pipefail
cd "$(dirname "$0")/.."

TCMBP=${TCMBP:-build/tcmbp}
WORK=${WORK:-${TMPDIR:-/tmp}/tcmbp_bin_vs_cont}
INSTANCES=${INSTANCES:-10} K=${K:-1} N=${N:-1001} ALPHA=${ALPHA:-0.6}
OUT=${1:-results/binary_vs_continuous.md}
BIN_ARGS=${BIN_ARGS:-"--protocol standard-reinforcement --dx 0.002 --max-sweeps 1 --damping 0.5 --init-amplitude 0.1"}
CONT_ARGS=${CONT_ARGS:-"--cavity exact"}
[ -x "$TCMBP" ] || { echo "binary_vs_continuous: $TCMBP not found (build first: bash scripts/setup.sh)" >&2; exit 1; }
mkdir -p "$WORK"
: >"$WORK/runs.jsonl"

# run KIND SEED: solve the instance of SEED with KIND weights, append a JSON line.
run() {
    local kind=$1 seed=$2 inst="$WORK/s$2.h5" sol="$WORK/s$2_$1.h5" args cpu summary
    [ "$kind" = binary ] && args="$BIN_ARGS --no-record --seed $seed" || args=$CONT_ARGS
    # shellcheck disable=SC2086
    summary=$(/usr/bin/time -f '%U %S' -o "$WORK/time.txt" "$TCMBP" solve "$inst" --weights "$kind" $args \
        --threads 1 --quiet --json --force -o "$sol")
    cpu=$(awk '{print $1 + $2}' "$WORK/time.txt")
    errors=$("$TCMBP" eval --weights "$kind" --quiet --json "$inst" "$sol" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["errors"])')
    printf '{"kind": "%s", "seed": %s, "cpu_seconds": %s, "eval_errors": %s, "summary": %s}\n' \
        "$kind" "$seed" "$cpu" "$errors" "$summary" >>"$WORK/runs.jsonl"
    echo "binary_vs_continuous: seed $seed $kind: cpu ${cpu} s, $summary" >&2
}

for seed in $(seq 1 "$INSTANCES"); do
    "$TCMBP" generate --quiet --force --N "$N" --K "$K" --alpha "$ALPHA" --weights binary --seed "$seed" \
        -o "$WORK/s$seed.h5" >/dev/null
    run binary "$seed"
    run continuous "$seed"
done

/usr/bin/python3 - "$WORK/runs.jsonl" "$OUT" "$K" "$N" "$ALPHA" "$BIN_ARGS" "$CONT_ARGS" <<'PY'
import json, statistics, sys
runs, out, K, N, alpha, bin_args, cont_args = sys.argv[1:]
rows = [json.loads(l) for l in open(runs)]
edges = int(N) * round(float(alpha) * int(N))  # tree: M = alpha N patterns of N inputs
with open(out, "w") as f:
    f.write(f"# Binary against continuous focusing BP, K = {K}, N = {N}, alpha = {alpha}\n\n")
    f.write("Produced by `bash scripts/binary_vs_continuous.sh`: the same instances (seeds 1..%d, random outputs), "
            "one thread per run, solved with\n\n- binary: `tcmbp solve --weights binary %s`\n"
            "- continuous: `tcmbp solve --weights continuous %s` (paper protocol)\n\n"
            "A run counts as solved when `tcmbp eval` finds zero errors. Seconds: the solver's own wall time "
            "(`seconds` of its summary) and the CPU time of the whole process (`/usr/bin/time`).\n\n"
            % (len(rows) // 2, bin_args, cont_args))
    f.write("| weights | solved | median s (solved) | median CPU s (solved) | median sweeps (solved) | ms / sweep | CPU ms / sweep | CPU ns / edge |\n")
    f.write("|---|---|---|---|---|---|---|---|\n")
    for kind in ("binary", "continuous"):
        r = [x for x in rows if x["kind"] == kind]
        ok = [x for x in r if x["eval_errors"] == 0]
        secs = sum(x["summary"]["seconds"] for x in r)
        sweeps = sum(x["summary"]["sweeps"] for x in r)
        med = lambda key: statistics.median(key(x) for x in ok) if ok else float("nan")
        ms = 1e3 * secs / sweeps if sweeps else float("nan")
        cms = 1e3 * sum(x["cpu_seconds"] for x in r) / sweeps if sweeps else float("nan")
        f.write(f"| {kind} | {len(ok)}/{len(r)} | {med(lambda x: x['summary']['seconds']):.2f} | "
                f"{med(lambda x: x['cpu_seconds']):.2f} | {med(lambda x: x['summary']['sweeps']):.0f} | "
                f"{ms:.2f} | {cms:.2f} | {1e6 * cms / edges:.1f} |\n")
    f.write("\nms / sweep = all solver seconds / all sweeps of the kind (the focusing and error checks included); "
            "CPU ms / sweep = all CPU seconds of the processes (start-up and file I/O included) / all sweeps; "
            f"CPU ns / edge = CPU ms / sweep over the {edges} edges.\n\nPer run:\n\n| seed | weights | status | eval errors | sweeps | s | CPU s |\n|---|---|---|---|---|---|---|\n")
    for x in sorted(rows, key=lambda x: (x["seed"], x["kind"])):
        s = x["summary"]
        f.write(f"| {x['seed']} | {x['kind']} | {s['status']} | {x['eval_errors']} | {s['sweeps']} | {s['seconds']:.2f} | {x['cpu_seconds']:.2f} |\n")
print(open(out).read())
PY
