#!/usr/bin/env bash
# Time to solution of tcmbp against rFBP (issue 18) on random fully connected
# binary instances, side by side in one run, one thread each, on the same
# pattern files: tcmbp generates each instance, bench/export_rfbp.py writes
# it in rFBP's text format, then three solvers run on it:
#   rfbp      train_main -a accurate exact -p pseudo_reinforcement -d 0.5
#             -e 0.1 -s 101 -i 1000 -m 0 -t 1 (the Julia package's defaults)
#   tcmbp-pr  tcmbp solve with the same protocol (pseudo-reinforcement,
#             drho 0.01, x 0.5, damping 0.5, tol 0.1, at most 1000 sweeps)
#   tcmbp     tcmbp solve with its defaults
#   tcmbp-base (with --baseline DIR) DIR/tcmbp solve with its defaults: two
#             builds side by side in one run
# Prints a markdown table (wall and CPU seconds of the process, file reading
# included, from /usr/bin/time; sweeps; CPU ms per sweep; solved) and the
# totals per solver. On a shared machine compare the CPU seconds.
# rFBP is built from ../shared/peers (build-rfbp.sh) when present; without it
# the script says so and exits 0.
#
# usage: bench/vs_rfbp.sh [--quick] [--instances "K:N:ALPHA:SEED ..."]
#                         [--build DIR] [--rfbp DIR] [--out FILE] [--no-rfbp]
#                         [--max-seconds S] [--baseline DIR] [--no-pr]
#   --quick       small instances (K = 3, N = 201 and K = 5, N = 101; seconds)
#   --instances   the instance list (default: K = 3, N = 1001 seeds 1-3 and
#                 K = 5, N = 501 seeds 1-2, alpha = 0.3; minutes)
#   --build DIR   tcmbp build directory (default build; built if missing)
#   --rfbp DIR    where rFBP is built (default /tmp/tcmbp-rfbp-$USER; reused)
#   --out FILE    also write the table to FILE
#   --no-rfbp     tcmbp only (e.g. to compare two tcmbp builds' defaults)
#   --baseline DIR  also run DIR/tcmbp (another build) with its defaults
#   --no-pr       skip tcmbp with rFBP's protocol (tcmbp-pr)
#   --max-seconds S  a run stopped after S seconds counts as unsolved
#                 (default 600; --quick 60)
# Environment: TCMBP_EXTRA (more options for the default tcmbp run).
set -euo pipefail
cd "$(dirname "$0")/.."

INSTANCES="3:1001:0.3:1 3:1001:0.3:2 3:1001:0.3:3 5:501:0.3:1 5:501:0.3:2"
QUICK_INSTANCES="3:201:0.3:1 3:201:0.3:2 3:201:0.3:3 5:101:0.3:1 5:101:0.3:2"
MAXS="" BUILD=build RFBP_DIR=/tmp/tcmbp-rfbp-${USER:-$(id -u)} OUTFILE="" USE_RFBP=1 BASELINE="" USE_PR=1
while (($#)); do
    case "$1" in
    --quick) INSTANCES=$QUICK_INSTANCES MAXS=${MAXS:-60} ;;
    --max-seconds) MAXS=$2; shift ;;
    --instances) INSTANCES=$2; shift ;;
    --build) BUILD=$2; shift ;;
    --rfbp) RFBP_DIR=$2; shift ;;
    --out) OUTFILE=$2; shift ;;
    --no-rfbp) USE_RFBP=0 ;;
    --baseline) BASELINE=$2; shift ;;
    --no-pr) USE_PR=0 ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "vs_rfbp.sh: error: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

MAXS=${MAXS:-600}
PEERS=../shared/peers
[[ -d $PEERS ]] || PEERS=/work/shared/peers
if ((USE_RFBP)); then
    if [[ ! -f $PEERS/build-rfbp.sh ]]; then
        echo "vs_rfbp.sh: rFBP is not available here (no $PEERS/build-rfbp.sh): nothing to compare against"
        exit 0
    fi
    if [[ ! -x $RFBP_DIR/build/train_main ]]; then
        echo "building rFBP in $RFBP_DIR ..." >&2
        bash "$PEERS/build-rfbp.sh" "$RFBP_DIR" >&2
    fi
fi
if [[ ! -x $BUILD/tcmbp ]]; then
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build "$BUILD" -j2 >/dev/null
fi
TCMBP=$BUILD/tcmbp
if [[ -n $BASELINE && ! -x $BASELINE/tcmbp ]]; then
    echo "vs_rfbp.sh: error: no $BASELINE/tcmbp for --baseline" >&2
    exit 2
fi
WORK=$(mktemp -d /tmp/tcmbp-vs-rfbp.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
SAME=(--weights binary --protocol pseudo-reinforcement --drho 0.01 --x 0.5 --damping 0.5 --max-sweeps 1000 --tol 0.1)

# timed FILE CMD...: run CMD, write "wall cpu" seconds (user + sys) to FILE.
timed() {
    local f=$1
    shift
    /usr/bin/time -f '%e %U %S' -o "$f.t" "$@" || true
    awk 'END { printf "%s %.3f\n", $1, $2 + $3 }' "$f.t" >"$f"
}
# Value of JSON key $2 in the one-line object $1.
jval() { sed -n "s/.*\"$2\": \"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$1"; }

# One tcmbp run of binary $1: prints "solved steps sweeps wall cpu".
run_tcmbp() {
    local bin=$1 inst=$2 seed=$3 js; shift 3
    timed "$WORK/time" "$bin" solve "$inst" --threads 1 --seed "$seed" --json -q -o "$WORK/sol.h5" --force \
        --max-seconds "$MAXS" "$@" >"$WORK/solve.json"
    js=$(cat "$WORK/solve.json")
    echo "$([[ $(jval "$js" status) == solved ]] && echo 1 || echo 0) $(jval "$js" steps) $(jval "$js" sweeps)" \
        "$(cat "$WORK/time")"
}

# One rFBP run: prints "solved steps sweeps wall cpu" (sweeps: its "Delta=" lines).
run_rfbp() {
    local txt=$1 K=$2 seed=$3 log=$WORK/rfbp.log
    OMP_NUM_THREADS=1 timed "$WORK/time" timeout "$MAXS" "$RFBP_DIR"/build/train_main -f "$txt" -k "$K" -m 0 -t 1 \
        -a accurate exact -p pseudo_reinforcement -d 0.5 -e 0.1 -s 101 -i 1000 -r "$seed" >"$log" 2>&1
    local sweeps steps errs
    sweeps=$(grep -o 'Delta=' "$log" | wc -l)
    steps=$(grep -c '^it=.* E=' "$log" || true)
    steps=$((steps / 2)) # with STATS each step prints two lines
    errs=$(grep -o ' E=[0-9]*' "$log" | tail -1 | cut -d= -f2)
    echo "$([[ ${errs:-1} == 0 ]] && echo 1 || echo 0) $steps $sweeps $(cat "$WORK/time")"
}

SOLVERS=(tcmbp)
((USE_PR)) && SOLVERS=(tcmbp-pr "${SOLVERS[@]}")
((USE_RFBP)) && SOLVERS=(rfbp "${SOLVERS[@]}")
[[ -n $BASELINE ]] && SOLVERS+=(tcmbp-base)
declare -A TOT_S TOT_W TOT_OK TOT_SW
for s in "${SOLVERS[@]}"; do TOT_S[$s]=0 TOT_W[$s]=0 TOT_OK[$s]=0 TOT_SW[$s]=0; done

{
    echo "# tcmbp vs rFBP, $(date -u '+%Y-%m-%d %H:%M UTC'), tcmbp git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; one thread per run;" \
        "load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
    echo
    echo "- rfbp: \`train_main -a accurate exact -p pseudo_reinforcement -d 0.5 -e 0.1 -s 101 -i 1000 -m 0 -t 1 -r SEED\`"
    echo "- tcmbp-pr: \`tcmbp solve ${SAME[*]}\`"
    echo "- tcmbp: \`tcmbp solve\` with its defaults ${TCMBP_EXTRA:-}"
    [[ -z $BASELINE ]] || echo "- tcmbp-base: \`$BASELINE/tcmbp solve\` with its defaults (git $(git -C "$BASELINE" rev-parse --short HEAD 2>/dev/null || echo '?'))"
    echo
    echo "| K | N | alpha | M | seed | solver | solved | steps | sweeps | wall s | CPU s | CPU ms/sweep |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} | tee ${OUTFILE:+"$OUTFILE"}

n_inst=0
for spec in $INSTANCES; do
    IFS=: read -r K N alpha seed <<<"$spec"
    inst=$WORK/i.h5 txt=$WORK/i.txt
    "$TCMBP" generate --N "$N" --K "$K" --alpha "$alpha" --arch full --weights binary --seed "$seed" \
        -o "$inst" --force -q >/dev/null
    M=$(/usr/bin/python3 -c "import h5py,sys; print(h5py.File(sys.argv[1])['outputs'].shape[0])" "$inst")
    ((USE_RFBP)) && /usr/bin/python3 bench/export_rfbp.py "$inst" "$txt"
    n_inst=$((n_inst + 1))
    for s in "${SOLVERS[@]}"; do
        case $s in
        rfbp) r=$(run_rfbp "$txt" "$K" "$seed") ;;
        tcmbp-pr) r=$(run_tcmbp "$TCMBP" "$inst" "$seed" "${SAME[@]}") ;;
        # shellcheck disable=SC2086
        tcmbp) r=$(run_tcmbp "$TCMBP" "$inst" "$seed" ${TCMBP_EXTRA:-}) ;;
        tcmbp-base) r=$(run_tcmbp "$BASELINE/tcmbp" "$inst" "$seed") ;;
        esac
        read -r ok steps sweeps wall secs <<<"$r"
        TOT_S[$s]=$(awk -v a="${TOT_S[$s]}" -v b="$secs" 'BEGIN { print a + b }')
        TOT_W[$s]=$(awk -v a="${TOT_W[$s]}" -v b="$wall" 'BEGIN { print a + b }')
        TOT_OK[$s]=$((TOT_OK[$s] + ok)) TOT_SW[$s]=$((TOT_SW[$s] + sweeps))
        awk -v K="$K" -v N="$N" -v al="$alpha" -v M="$M" -v sd="$seed" -v s="$s" -v ok="$ok" -v st="$steps" \
            -v sw="$sweeps" -v t="$secs" -v w="$wall" 'BEGIN {
                printf "| %d | %d | %s | %d | %d | %s | %s | %d | %d | %.2f | %.2f | %.2f |\n",
                K, N, al, M, sd, s, ok ? "yes" : "no", st, sw, w, t, (sw > 0 ? 1000 * t / sw : 0) }' |
            tee -a ${OUTFILE:+"$OUTFILE"}
    done
done

{
    echo
    echo "| solver | solved | sweeps | wall s | CPU s | CPU ms/sweep | CPU time / rfbp's |"
    echo "|---|---|---|---|---|---|---|"
    for s in "${SOLVERS[@]}"; do
        awk -v s="$s" -v ok="${TOT_OK[$s]}" -v n="$n_inst" -v sw="${TOT_SW[$s]}" -v t="${TOT_S[$s]}" \
            -v w="${TOT_W[$s]}" -v r="${TOT_S[rfbp]:-0}" 'BEGIN {
                printf "| %s | %d/%d | %d | %.2f | %.2f | %.2f | %s |\n", s, ok, n, sw, w, t,
                (sw > 0 ? 1000 * t / sw : 0), (r > 0 ? sprintf("%.3f", t / r) : "-") }'
    done
    echo
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a ${OUTFILE:+"$OUTFILE"}
