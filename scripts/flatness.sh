#!/usr/bin/env bash
# The flatness comparison of the paper's Figure 5 (wide-flat-minima paper,
# sections IV-V): for a set of random instances, find solutions with focusing
# BP (tcmbp solve) and the reference trainers eLAL, ceSGD-slow, ceSGD-fast and
# LAL (tcmbp train), measure the local-entropy curve S - S0 against the
# distance d around each solution (tcmbp volume), and aggregate the mean and
# standard error per algorithm (scripts/flatness_aggregate.py) into CSV
# tables and a PNG plot. Resumable: a step whose outputs exist is skipped
# unless --force.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/flatness.sh [options]

  --small             CI size: K=3, N=201, M=80, 3 instances; trainers with
                      --batch 10 (8 mini-batches per epoch, about the paper's
                      10) and ceSGD-slow with --beta1 1e-3 --gamma1 1e-3
                      (2.5x faster schedule); output results/flatness_small
                      (a minute or two)
  --out DIR           output directory [results/flatness or results/flatness_small]
  --tcmbp PATH        the tcmbp binary [$TCMBP, else build/tcmbp of this repository]
  --python PATH       python with h5py, numpy, matplotlib [/usr/bin/python3]
  --instances N       instances, generated with seeds 1..N [10; --small: 3]
  --N N  --K K  --M M instance size [999, 9, 1000; --small: 201, 3, 80]
  --algos LIST        comma-separated subset of fbp,elal,cesgd-slow,cesgd-fast,lal [all]
  --threads T         --threads of every tcmbp command [1]
  --jobs J            instances processed in parallel [1]
  --lambdas LIST      couplings for tcmbp volume, e.g. 0.5,1,2,5 [volume's default ladder]
  --train-opts "..."  extra options for every tcmbp train, after the --small ones
                      (the last occurrence of an option wins), e.g. "--max-epochs 50000"
  --solve-opts "..."  extra options for tcmbp solve
  --volume-opts "..." extra options for tcmbp volume (e.g. "--cavity fast")
  --force             recompute everything (default: keep finished steps)
  -h, --help          this help

Writes DIR/runs/ (instances, solutions, volume curves, JSON summaries),
DIR/logs/, and the aggregate DIR/flatness.csv (mean and standard error of
S - S0 and of d at each coupling lambda, per algorithm), DIR/flatness_binned.csv
(the same in distance bins), DIR/training.csv and DIR/training_summary.csv
(status, errors, epochs or steps, seconds per run), DIR/flatness.png, and
DIR/COMMAND (how the directory was made). Exit status 1 if any step failed
(the aggregate is still written from the runs that finished).
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
small=0 out="" tcmbp=${TCMBP:-$root/build/tcmbp} py=/usr/bin/python3
instances="" N="" K="" M="" algos="fbp,elal,cesgd-slow,cesgd-fast,lal"
threads=1 jobs=1 lambdas="" train_opts="" solve_opts="" volume_opts="" force=0
cmdline="scripts/flatness.sh $*"

die() {
    echo "flatness.sh: error: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --small) small=1 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --tcmbp) tcmbp=${2:?--tcmbp needs a path}; shift ;;
    --python) py=${2:?--python needs a path}; shift ;;
    --instances) instances=${2:?}; shift ;;
    --N) N=${2:?}; shift ;;
    --K) K=${2:?}; shift ;;
    --M) M=${2:?}; shift ;;
    --algos) algos=${2:?}; shift ;;
    --threads) threads=${2:?}; shift ;;
    --jobs) jobs=${2:?}; shift ;;
    --lambdas) lambdas=${2:?}; shift ;;
    --train-opts) train_opts=${2?}; shift ;;
    --solve-opts) solve_opts=${2?}; shift ;;
    --volume-opts) volume_opts=${2?}; shift ;;
    --force) force=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

if [ "$small" = 1 ]; then
    : "${instances:=3}" "${N:=201}" "${K:=3}" "${M:=80}" "${out:=$root/results/flatness_small}"
else
    : "${instances:=10}" "${N:=999}" "${K:=9}" "${M:=1000}" "${out:=$root/results/flatness}"
fi
for v in instances N K M threads jobs; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--$v must be a positive integer (got '${!v}')"
done
IFS=, read -r -a algo_list <<<"$algos"
for a in "${algo_list[@]}"; do
    case $a in fbp | elal | cesgd-slow | cesgd-fast | lal) ;; *) die "unknown algorithm '$a' in --algos" ;; esac
done
[ -x "$tcmbp" ] || die "tcmbp binary not found at $tcmbp (build it, or pass --tcmbp / set TCMBP)"
"$py" -c 'import h5py, numpy, matplotlib' 2>/dev/null ||
    die "$py cannot import h5py, numpy and matplotlib (apt-get install python3-h5py python3-numpy python3-matplotlib)"

runs=$out/runs logs=$out/logs
mkdir -p "$runs" "$logs"
rm -f "$logs/FAILED"
vol_args=()
[ -n "$lambdas" ] && vol_args=(--lambdas "$lambdas")

study=flatness.sh
# shellcheck source=scripts/study_step.sh
. "$here/study_step.sh"

# Extra tcmbp train options of algorithm $1 in --small mode.
small_opts() {
    [ "$small" = 1 ] || return 0
    case $1 in
    cesgd-slow) echo "--batch 10 --beta1 1e-3 --gamma1 1e-3" ;;
    *) echo "--batch 10" ;;
    esac
}

# The solution of algorithm $1 on instance $2 (file $3), then its volume curve.
solve_and_measure() {
    local algo=$1 i=$2 inst=$3 w=$runs/$1_$2.h5
    # shellcheck disable=SC2086,SC2046 # the *_opts strings are word lists on purpose
    if [ "$algo" = fbp ]; then
        step "fbp_$i" "$w" "$tcmbp" solve --quiet --threads "$threads" $solve_opts "$inst" -o "$w" || return 0
    else
        step "${algo}_$i" "$w" "$tcmbp" train --quiet --threads "$threads" --seed "$i" $(small_opts "$algo") $train_opts \
            "$inst" --algo "$algo" -o "$w" || return 0
    fi
    if ! grep -q '"status": "solved"' "$runs/${algo}_$i.json"; then
        echo "flatness.sh: ${algo}_$i did not solve instance $i; no volume measured" >&2
        return 0
    fi
    # shellcheck disable=SC2086
    step "${algo}_${i}_vol" "$runs/${algo}_${i}_vol.csv" "$tcmbp" volume --quiet --threads "$threads" \
        ${vol_args[@]+"${vol_args[@]}"} $volume_opts "$inst" --reference "$w" \
        -o "$runs/${algo}_${i}_vol.h5" --csv "$runs/${algo}_${i}_vol.csv" --force || true
}

# Everything for instance $1: generate, then each algorithm.
run_instance() {
    local i=$1 inst=$runs/inst_$1.h5
    step "inst_$i" "$inst" "$tcmbp" generate --quiet --N "$N" --K "$K" --M "$M" --seed "$i" -o "$inst" || return 0
    for a in "${algo_list[@]}"; do
        solve_and_measure "$a" "$i" "$inst"
    done
    echo "flatness.sh: instance $i done" >&2
}

t0=$(date +%s)
for i in $(seq 1 "$instances"); do
    run_instance "$i" &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
        wait -n || true
    done
done
wait

{
    echo "$cmdline"
    echo "# tcmbp: $("$tcmbp" --version 2>/dev/null || echo unknown) ($tcmbp)"
    echo "# git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), wall $(($(date +%s) - t0)) s, threads $threads, jobs $jobs"
    echo "# instances $instances, N=$N K=$K M=$M, algos $algos"
    [ "$small" = 1 ] && echo "# --small train options: $(for a in "${algo_list[@]}"; do printf '%s: %s; ' "$a" "$(small_opts "$a")"; done)"
    echo "# train options: $train_opts; solve options: $solve_opts; volume options: $volume_opts ${lambdas:+--lambdas $lambdas}"
} >"$out/COMMAND"

"$py" "$here/flatness_aggregate.py" --runs "$runs" --out "$out" --algos "$algos" --instances "$instances"
if [ -s "$logs/FAILED" ]; then
    echo "flatness.sh: some steps failed:" >&2
    cat "$logs/FAILED" >&2
    exit 1
fi
echo "flatness.sh: done: $out/flatness.csv $out/flatness.png"
