#!/usr/bin/env bash
# The Fashion-MNIST study of the wide-flat-minima paper (section V, Figure 7,
# Appendix F): build the Dress/Coat training and test instances (and the
# pixel-shuffled randomized data) with tcmbp import-dataset, train with the
# reference trainers at the paper's Fashion-MNIST parameters (Appendix E),
# and for every run measure the test error and the robustness to biased
# input noise (tcmbp eval), the largest eigenvalue of the Hessian of the
# smoothed loss at beta (tcmbp hessian, Lanczos) and the local-entropy curve
# (tcmbp volume); then tables and figures (scripts/fashion_aggregate.py).
# Resumable: a step whose outputs exist is skipped unless --force.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: scripts/fashion.sh [options]

  --small             a few minutes: K=3, M=100 training patterns, all 677 test
                      patterns, 2 runs per trainer and data set, --batch 10,
                      6 volume couplings; output results/fashion/small
  --out DIR           output directory [results/fashion or results/fashion/small]
  --tcmbp PATH        the tcmbp binary [$TCMBP, else build/tcmbp of this repository]
  --python PATH       python with h5py, numpy, matplotlib [/usr/bin/python3]
  --data DIR          the four idx files [/usr/share/datasets/fashion-mnist]
                      (Debian: apt-get install dataset-fashion-mnist, or
                      TCMBP_FASHION=1 bash scripts/setup.sh)
  --runs R            runs per trainer and data set, seeds 1..R [50; --small: 2]
  --random-runs R     runs per trainer on the randomized data (0: none) [--runs]
  --volume-runs V     local-entropy curves only for runs 1..V of each trainer on
                      the real data (the most expensive step) [all]
  --random-volume-runs V
                      the same on the randomized data [--volume-runs]
  --rand-sets S       randomized data sets (run i uses set (i-1) % S + 1) [5; --small: 1]
  --K K  --M M        hidden units, training patterns [9, 500; --small: 3, 100]
  --test-M M          test patterns, balanced (0: all 677 that pass the filter, 74 Dress) [0]
  --algos LIST        comma-separated subset of fbp,elal,cesgd-slow,cesgd-fast,lal [all]
  --beta B            steepness of the Hessian's tanh units [90]
  --noise LIST        noise fractions of the robustness curve [0,0.05,0.1,0.15,0.2,0.3,0.4,0.5]
  --noise-draws R     draws per noise fraction [20; --small: 5]
  --threads T         --threads of every tcmbp command [1]
  --jobs J            runs in parallel [1]
  --lambdas LIST      couplings of tcmbp volume [volume's ladder; --small: 0.5,1,2,5,10,20]
  --no-volume         skip the local-entropy curves (the most expensive step)
  --volume-unsolved   measure the curve around runs that left training errors too
                      (the table says which; volume ladders handle non-solutions)
  --train-opts "..."  extra options for every tcmbp train (last occurrence wins)
  --algo-opts A="..." extra options for trainer A only, after the paper's and
                      --train-opts (repeatable; e.g. cesgd-fast="--beta1 1e-3")
  --solve-opts "..."  options for tcmbp solve (fbp) [--weights continuous --schedule block
                      --block-size 10 --damping 0.8 --focus-damping 0.8 --init-random 10
                      --protocol ladder --steps 1 --lambda-min 10 --lambda-max 10
                      --max-sweeps 50 --restarts 30 --no-polish: docs/FASHION.md]
  --volume-opts "..." extra options for tcmbp volume, after the default
                      "--schedule block --block-size 10 --damping 0.8"
  --force             recompute everything (default: keep finished steps)
  -h, --help          this help

Writes DIR/data/ (instances), DIR/runs/ (weights, JSON summaries, volume
curves, Hessian spectra), DIR/logs/, and the aggregate: DIR/table.csv and
DIR/table.md (one row per run), DIR/summary.csv and DIR/summary.md (means
and standard errors per trainer and data set), DIR/entropy_real.csv,
DIR/entropy_random.csv, the figures DIR/fig7_top.png, DIR/fig7_bottom.png,
DIR/figA1.png, DIR/figA2.png, DIR/figA3.png, and DIR/COMMAND. Exit status
1 if any step failed (the aggregate is still written).
EOF
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
small=0 out="" tcmbp=${TCMBP:-$root/build/tcmbp} py=/usr/bin/python3 data=/usr/share/datasets/fashion-mnist
runs_n="" random_runs="" volume_runs="" random_volume_runs="" rand_sets="" K="" M="" test_M="" algos="fbp,elal,cesgd-slow,cesgd-fast,lal" beta=90
noise="0,0.05,0.1,0.15,0.2,0.3,0.4,0.5" draws="" threads=1 jobs=1 lambdas="" no_volume=0 volume_unsolved=0
train_opts="" volume_opts="" force=0
# fBP (docs/FASHION.md): undamped focusing fields oscillate on this data, and
# the paper protocol's fixed point has all K units equal (a perceptron, 4
# errors at M = 500); one step at lambda = 10 from random messages solves
# within 50 sweeps in a third of the attempts (K = 9, M = 500), hence the
# restarts; no clean-up, so that every solution is the focusing's own.
solve_opts="--weights continuous --schedule block --block-size 10 --damping 0.8 --focus-damping 0.8 --init-random 10"
solve_opts+=" --protocol ladder --steps 1 --lambda-min 10 --lambda-max 10 --max-sweeps 50 --restarts 30 --no-polish"
declare -A algo_opts=()
cmdline="scripts/fashion.sh $*"

die() {
    echo "fashion.sh: error: $*" >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --small) small=1 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    --tcmbp) tcmbp=${2:?--tcmbp needs a path}; shift ;;
    --python) py=${2:?--python needs a path}; shift ;;
    --data) data=${2:?--data needs a directory}; shift ;;
    --runs) runs_n=${2:?}; shift ;;
    --random-runs) random_runs=${2:?}; shift ;;
    --volume-runs) volume_runs=${2:?}; shift ;;
    --random-volume-runs) random_volume_runs=${2:?}; shift ;;
    --rand-sets) rand_sets=${2:?}; shift ;;
    --K) K=${2:?}; shift ;;
    --M) M=${2:?}; shift ;;
    --test-M) test_M=${2:?}; shift ;;
    --algos) algos=${2:?}; shift ;;
    --beta) beta=${2:?}; shift ;;
    --noise) noise=${2:?}; shift ;;
    --noise-draws) draws=${2:?}; shift ;;
    --threads) threads=${2:?}; shift ;;
    --jobs) jobs=${2:?}; shift ;;
    --lambdas) lambdas=${2:?}; shift ;;
    --no-volume) no_volume=1 ;;
    --volume-unsolved) volume_unsolved=1 ;;
    --train-opts) train_opts=${2?}; shift ;;
    --algo-opts)
        [[ ${2:-} == *=* ]] || die "--algo-opts needs ALGO=\"OPTIONS\" (got '${2:-}')"
        algo_opts[${2%%=*}]="${algo_opts[${2%%=*}]:-} ${2#*=}"
        shift ;;
    --solve-opts) solve_opts=${2?}; shift ;;
    --volume-opts) volume_opts=${2?}; shift ;;
    --force) force=1 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done

if [ "$small" = 1 ]; then
    : "${runs_n:=2}" "${rand_sets:=1}" "${K:=3}" "${M:=100}" "${test_M:=0}" "${draws:=5}"
    : "${lambdas:=0.5,1,2,5,10,20}" "${out:=$root/results/fashion/small}"
else
    : "${runs_n:=50}" "${rand_sets:=5}" "${K:=9}" "${M:=500}" "${test_M:=0}" "${draws:=20}" "${out:=$root/results/fashion}"
fi
for v in runs_n rand_sets K M threads jobs draws; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "--${v/_n/} must be a positive integer (got '${!v}')"
done
: "${random_runs:=$runs_n}" "${volume_runs:=$runs_n}"
: "${random_volume_runs:=$volume_runs}"
[[ $random_runs =~ ^[0-9]+$ ]] || die "--random-runs must be an integer >= 0 (got '$random_runs')"
for v in volume_runs random_volume_runs; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v//_/-} must be an integer >= 0 (got '${!v}')"
done
for a in "${!algo_opts[@]}"; do
    case $a in elal | cesgd-slow | cesgd-fast | lal) ;; *) die "--algo-opts: unknown trainer '$a' (elal, cesgd-slow, cesgd-fast, lal)" ;; esac
done
[[ $test_M =~ ^[0-9]+$ ]] || die "--test-M must be an integer >= 0 (got '$test_M')"
IFS=, read -r -a algo_list <<<"$algos"
for a in "${algo_list[@]}"; do
    case $a in elal | cesgd-slow | cesgd-fast | lal | fbp) ;; *) die "unknown algorithm '$a' in --algos" ;; esac
done
[ -x "$tcmbp" ] || die "tcmbp binary not found at $tcmbp (build it, or pass --tcmbp / set TCMBP)"
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
    [ -r "$data/$f" ] || die "$data/$f not found (apt-get install dataset-fashion-mnist, or TCMBP_FASHION=1 bash scripts/setup.sh)"
done
"$py" -c 'import h5py, numpy, matplotlib' 2>/dev/null ||
    die "$py cannot import h5py, numpy and matplotlib (apt-get install python3-h5py python3-numpy python3-matplotlib)"

dd=$out/data runs=$out/runs logs=$out/logs
mkdir -p "$dd" "$runs" "$logs"
rm -f "$logs/FAILED"
# BP around solutions of this fully connected, correlated data diverges with
# volume's defaults (parallel schedule, damping 0.5: every point of the
# --small runs, messages ~1e211); blocks of 10 patterns with damping 0.8
# converge (and agree with parallel damping 0.9/0.95 to 1e-7 in S).
volume_default="--schedule block --block-size 10 --damping 0.8"
vol_args=()
[ -n "$lambdas" ] && vol_args=(--lambdas "$lambdas")

study=fashion.sh
# shellcheck source=scripts/study_step.sh
. "$here/study_step.sh"

# The paper's Fashion-MNIST parameters of trainer $1 on data set kind $2
# (real | random; Appendix E, and F for eLAL on the randomized data).
paper_opts() {
    case $1 in
    cesgd-fast) echo "--eta 2e-4 --gamma0 5 --beta0 2 --gamma1 1 --beta1 1e-4" ;;
    cesgd-slow) echo "--eta 3e-5 --gamma0 0.5 --beta0 0.5 --gamma1 1e-3 --beta1 1e-3" ;;
    lal) echo "--eta 1e-4" ;;
    elal) if [ "$2" = random ]; then echo "--eta 5e-4 --lambda0 20 --lambda1 1e-2"; else echo "--eta 2e-3 --lambda0 30 --lambda1 5e-3"; fi ;;
    esac
    if [ "$small" = 1 ]; then
        # 10 mini-batches per epoch on 100 patterns, as the paper's 5 on 500;
        # ceSGD-fast's beta1 = 1e-4 left 1-2 errors after 20000 epochs at
        # K = 3, M = 100 (2 runs of 2): 1e-3 solves in about 2750 epochs
        case $1 in
        cesgd-fast) echo "--batch 10 --beta1 1e-3 --max-epochs 5000" ;;
        cesgd-slow) echo "--batch 10 --max-epochs 20000" ;;
        *) echo "--batch 10" ;;
        esac
    fi
    return 0
}

imp=(--images "$data/train-images-idx3-ubyte.gz" --labels "$data/train-labels-idx1-ubyte.gz" --K "$K" --M "$M")
tst=(--test-images "$data/t10k-images-idx3-ubyte.gz" --test-labels "$data/t10k-labels-idx1-ubyte.gz" --test-M "$test_M")

# The data: real training + test (subset seed 1), and the randomized
# training sets (the same images, each pixel shuffled; shuffle seeds 1..S).
build_data() {
    step data_real "$dd/real.h5" "$tcmbp" import-dataset --quiet --seed 1 "${imp[@]}" "${tst[@]}" \
        -o "$dd/real.h5" --test-output "$dd/test.h5" --force || exit 1
    for s in $(seq 1 "$rand_sets"); do
        step "data_random_$s" "$dd/random_$s.h5" "$tcmbp" import-dataset --quiet --seed 1 "${imp[@]}" --randomize \
            --shuffle-seed "$s" -o "$dd/random_$s.h5" --force || exit 1
    done
}

# Train algorithm $1 on data set $2 (real | random) for run $3, then measure.
run_one() {
    local algo=$1 kind=$2 i=$3 inst w name
    if [ "$kind" = real ]; then inst=$dd/real.h5; else inst=$dd/random_$(((i - 1) % rand_sets + 1)).h5; fi
    name=${algo}_${kind}_$i
    w=$runs/$name.h5
    # shellcheck disable=SC2086,SC2046 # the *_opts strings are word lists on purpose
    if [ "$algo" = fbp ]; then
        step "$name" "$w" "$tcmbp" solve --quiet --threads "$threads" --seed "$i" $solve_opts "$inst" -o "$w" || return 0
    else
        step "$name" "$w" "$tcmbp" train --quiet --threads "$threads" --seed "$i" $(paper_opts "$algo" "$kind") \
            $train_opts ${algo_opts[$algo]:-} "$inst" --algo "$algo" -o "$w" || return 0
    fi
    local test_args=()
    [ "$kind" = real ] && test_args=(--test "$dd/test.h5")
    step "${name}_eval" "$runs/${name}_eval.h5" "$tcmbp" eval --quiet --threads "$threads" --seed "$i" \
        ${test_args[@]+"${test_args[@]}"} --noise "$noise" --noise-draws "$draws" --outputs "$runs/${name}_eval.h5" \
        "$inst" "$w" || true
    step "${name}_hess" "$runs/${name}_hess.h5" "$tcmbp" hessian --quiet --threads "$threads" --beta "$beta" \
        --method lanczos --top 5 -o "$runs/${name}_hess.h5" "$inst" "$w" || true
    local vruns=$volume_runs
    [ "$kind" = random ] && vruns=$random_volume_runs
    [ "$no_volume" = 1 ] || [ "$i" -gt "$vruns" ] && return 0
    if ! grep -q '"status": "solved"' "$runs/$name.json" && [ "$volume_unsolved" = 0 ]; then
        echo "fashion.sh: $name did not solve its training set; no volume measured" >&2
        return 0
    fi
    # shellcheck disable=SC2086
    step "${name}_vol" "$runs/${name}_vol.csv" "$tcmbp" volume --quiet --threads "$threads" \
        ${vol_args[@]+"${vol_args[@]}"} $volume_default $volume_opts "$inst" --reference "$w" \
        -o "$runs/${name}_vol.h5" --csv "$runs/${name}_vol.csv" --force || true
}

t0=$(date +%s)
build_data
for kind in real random; do
    count=$runs_n
    [ "$kind" = random ] && count=$random_runs
    for i in $(seq 1 "$count"); do
        for a in "${algo_list[@]}"; do
            run_one "$a" "$kind" "$i" &
            while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
                wait -n || true
            done
        done
    done
done
wait

{
    echo "$cmdline"
    echo "# tcmbp: $("$tcmbp" --version 2>/dev/null || echo unknown) ($tcmbp)"
    echo "# git: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ), wall $(($(date +%s) - t0)) s, threads $threads, jobs $jobs"
    echo "# runs $runs_n per trainer (randomized data: $random_runs; volume curves for runs 1..$volume_runs, randomized 1..$random_volume_runs), randomized sets $rand_sets, K=$K M=$M test_M=$test_M, algos $algos"
    echo "# hessian beta $beta (Lanczos, top 5); noise $noise x $draws draws"
    for a in "${algo_list[@]}"; do
        [ "$a" = fbp ] && continue # solve options below
        echo "# $a options: real: $(paper_opts "$a" real | tr '\n' ' '); random: $(paper_opts "$a" random | tr '\n' ' ')${algo_opts[$a]:+; then${algo_opts[$a]}}"
    done
    echo "# train options: $train_opts; solve options: $solve_opts; volume options: $volume_default $volume_opts ${lambdas:+--lambdas $lambdas}"
} >"$out/COMMAND"

agg_extra=()
[ "$volume_unsolved" = 1 ] && agg_extra=(--unsolved-curves)
"$py" "$here/fashion_aggregate.py" --runs "$runs" --out "$out" --algos "$algos" --runs-per "$runs_n" \
    --random-runs "$random_runs" ${agg_extra[@]+"${agg_extra[@]}"}
if [ -s "$logs/FAILED" ]; then
    echo "fashion.sh: some steps failed:" >&2
    cat "$logs/FAILED" >&2
    exit 1
fi
echo "fashion.sh: done: $out/table.md $out/summary.md $out/fig7_top.png"
