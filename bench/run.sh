#!/usr/bin/env bash
# The benchmark suite of tcmbp, one command (issue 9). Measures this
# machine's memory bandwidth (STREAM-like triad), then times BP sweeps on
# fixed instances (continuous and binary weights, tree and fully connected,
# N = 999 and N >= 10^4, M = 2N) at 1 thread and at all threads, and the time
# to solution of continuous focusing BP (K = 3, N = 999, alpha = 2.0) with the
# share of each phase. Prints plain-text tables; the raw key=value lines of
# the bench programs go to $OUT/raw.txt. See docs/PERFORMANCE.md.
#
# usage: bench/run.sh [--build DIR] [--quick] [--no-large] [--no-full-large]
#                     [--fbp-seeds N] [--huge] [--out DIR]
#   --build DIR       build directory with bench_stream, bench_sweep, bench_fbp
#                     (default: build; built there with cmake if missing)
#   --quick           small instances only, one fBP run (a minute or two)
#   --no-large        skip the N >= 10^4 instances
#   --no-full-large   skip the large fully-connected instance (6e8 edges, ~10 GB)
#   --fbp-seeds N     instances for the time to solution (default 1)
#   --huge            also one sweep of each continuous mode on 10^9 edges
#                     (N = 20001, M = 50000: 17 GB; skipped if less is available)
# Environment: THREADS (default: nproc), SECONDS_PER_POINT (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=build QUICK=0 LARGE=1 FULL_LARGE=1 FBP_SEEDS=1 HUGE=0 OUT=""
while (($#)); do
    case "$1" in
    --build) BUILD=$2; shift ;;
    --quick) QUICK=1 ;;
    --no-large) LARGE=0 ;;
    --no-full-large) FULL_LARGE=0 ;;
    --fbp-seeds) FBP_SEEDS=$2; shift ;;
    --huge) HUGE=1 ;;
    --out) OUT=$2; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
THREADS=${THREADS:-$(nproc)}
SECS=${SECONDS_PER_POINT:-2}
OUT=${OUT:-$(mktemp -d /tmp/tcmbp-bench.XXXXXX)}
mkdir -p "$OUT"
RAW=$OUT/raw.txt
: >"$RAW"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} OMP_PROC_BIND=${OMP_PROC_BIND:-false}

if [[ ! -x $BUILD/bench_sweep || ! -x $BUILD/bench_stream || ! -x $BUILD/bench_fbp ]]; then
    cmake -S . -B "$BUILD" >/dev/null && cmake --build "$BUILD" -j"$(nproc)" >/dev/null
fi

# Value of key $2 in the key=value line $1.
val() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }

echo "tcmbp benchmark suite  $(date -u '+%Y-%m-%d %H:%M UTC')  git $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores," \
    "$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo

# ---- memory bandwidth ------------------------------------------------------
echo "== Memory bandwidth (STREAM-like, 3 x 512 MB arrays, best of 10) =="
declare -A TRIAD
for t in 1 "$THREADS"; do
    [[ -n ${TRIAD[$t]:-} ]] && continue
    lines=$(OMP_NUM_THREADS=$t "$BUILD"/bench_stream 512 10)
    echo "$lines" >>"$RAW"
    TRIAD[$t]=$(val "$(grep triad <<<"$lines")" GBs)
    printf "  %d thread(s): triad %6.2f GB/s   in-place update (sweep-like) %6.2f GB/s\n" "$t" "${TRIAD[$t]}" \
        "$(val "$(grep update <<<"$lines")" GBs)"
done
echo

# ---- sweeps ----------------------------------------------------------------
# kind arch N K M
CONFIGS=("cont tree 999 3 1998" "cont full 999 3 1998")
((LARGE && !QUICK)) && CONFIGS+=("cont tree 10002 3 20004")
((LARGE && FULL_LARGE && !QUICK)) && CONFIGS+=("cont full 10000 3 20000")
CONFIGS+=("bin tree 999 3 1998" "bin full 999 3 1998" "bin full 1001 5 1502")
((LARGE && !QUICK)) && CONFIGS+=("bin tree 10002 3 20004")
((LARGE && FULL_LARGE && !QUICK)) && CONFIGS+=("bin full 10000 3 20000")

echo "== Sweeps (median sweep; ns/e/th = wall time x threads / edges; %bound = (bytes moved / triad bandwidth) / time;"
echo "   cpu = CPU time the process got / (threads x wall time): below 100% the threads waited for a core) =="
printf "  %-4s %-4s %6s %2s %6s %-5s | %10s %9s %6s %8s | %10s %9s %7s %6s %5s\n" kind arch N K M mode \
    "ns/e/th@1" "sweeps/s" "B/edge" "peak MB" "ns/e/th@$THREADS" "sweeps/s" speedup "%bound" "cpu"
for cfg in "${CONFIGS[@]}"; do
    read -r kind arch N K M <<<"$cfg"
    modes="exact fast"
    [[ $kind == bin ]] && modes="clt" # the exact binary hidden unit is O(n^2) per factor
    for mode in $modes; do
        # small instances: a warm-up sweep, then sweeps for SECS seconds (at least 3);
        # large ones: 2 sweeps, no warm-up (1 sweep for binary: 1-4 minutes each)
        reps=(--seconds "$SECS" --min-sweeps 3)
        ((N > 5000)) && reps=(--seconds 0 --min-sweeps 2 --warmup 0)
        ((N > 5000)) && [[ $kind == bin ]] && reps=(--seconds 0 --min-sweeps 1 --warmup 0)
        common=(--kind "$kind" --arch "$arch" --N "$N" --K "$K" --M "$M" --mode "$mode" "${reps[@]}")
        line1=$("$BUILD"/bench_sweep "${common[@]}" --threads 1)
        lineT=$("$BUILD"/bench_sweep "${common[@]}" --threads "$THREADS")
        printf '%s\n%s\n' "$line1" "$lineT" >>"$RAW"
        n1=$(val "$line1" ns_edge) nT=$(val "$lineT" ns_edge) mv=$(val "$lineT" moved_Bpe)
        awk -v k="$kind" -v a="$arch" -v N="$N" -v K="$K" -v M="$M" -v m="$mode" -v n1="$n1" -v nT="$nT" \
            -v s1="$(val "$line1" sweeps_s)" -v sT="$(val "$lineT" sweeps_s)" -v b="$(val "$lineT" state_Bpe)" \
            -v pk="$(val "$lineT" peak_MB)" -v T="$THREADS" -v mv="$mv" -v bw="${TRIAD[$THREADS]}" \
            -v cs="$(val "$lineT" cpu_share)" 'BEGIN {
                printf "  %-4s %-4s %6d %2d %6d %-5s | %10.2f %9.2f %6.2f %8.0f | %10.2f %9.2f %6.2fx %5.0f%% %4.0f%%\n",
                    k, a, N, K, M, m, n1, s1, b, pk, nT * T, sT, n1 / nT, 100 * (mv / bw) / nT, 100 * cs }'
    done
done
echo

# ---- 10^9 edges ----------------------------------------------------------------
if ((HUGE)); then
    echo "== 10^9 edges: continuous, tree, N = 20001, K = 3, M = 50000 ($THREADS threads, 2 sweeps) =="
    avail=$(awk '/MemAvailable/ {print int($2 / 1048576)}' /proc/meminfo)
    if ((avail < 18)); then
        echo "  skipped: ${avail} GB available, 18 GB needed"
    else
        for mode in fast exact; do
            l=$("$BUILD"/bench_sweep --arch tree --N 20001 --K 3 --M 50000 --mode "$mode" --threads "$THREADS" \
                --seconds 0 --min-sweeps 2 --warmup 0)
            echo "$l" >>"$RAW"
            printf "  %-5s edges %.3g  %.2f s/sweep  %.2f ns/edge (%.2f per thread)  peak %.1f GB\n" "$mode" \
                "$(val "$l" edges)" "$(awk -v s="$(val "$l" sweeps_s)" 'BEGIN{print 1/s}')" "$(val "$l" ns_edge)" \
                "$(val "$l" ns_edge_thread)" "$(awk -v m="$(val "$l" peak_MB)" 'BEGIN{print m/1024}')"
        done
    fi
    echo
fi

# ---- time to solution --------------------------------------------------------
echo "== Time to solution: continuous fBP, K = 3, N = 999, alpha = 2.0 (paper protocol, exact cavity) =="
printf "  %7s %4s %6s %6s %8s %8s | %7s %9s %9s %7s %5s %6s\n" threads seed solved sweeps seconds ms/sweep \
    update marginals norm+foc errors I/O other
tlist="$THREADS"
((QUICK)) || [[ $THREADS == 1 ]] || tlist="1 $THREADS"
for t in $tlist; do
    "$BUILD"/bench_fbp --threads "$t" --seeds "$FBP_SEEDS" --dir "$OUT" | tee -a "$RAW" | while read -r l; do
        printf "  %7s %4s %6s %6s %8.1f %8.2f | %6.1f%% %8.1f%% %8.1f%% %6.1f%% %4.1f%% %5.1f%%\n" \
            "$(val "$l" threads)" "$(val "$l" seed)" "$(val "$l" solved)" "$(val "$l" sweeps)" \
            "$(val "$l" seconds)" "$(val "$l" ms_per_sweep)" \
            "$(awk -v x="$(val "$l" update)" 'BEGIN{print 100*x}')" \
            "$(awk -v x="$(val "$l" marginals)" 'BEGIN{print 100*x}')" \
            "$(awk -v x="$(val "$l" normalize_focus)" 'BEGIN{print 100*x}')" \
            "$(awk -v x="$(val "$l" errors_check)" 'BEGIN{print 100*x}')" \
            "$(awk -v x="$(val "$l" io)" 'BEGIN{print 100*x}')" \
            "$(awk -v x="$(val "$l" other)" 'BEGIN{print 100*x}')"
    done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)   raw lines: $RAW"
