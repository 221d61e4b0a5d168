#!/bin/bash
# Parity machine vs committee machine (issue 14, paper Appendix C), K = 3
# tree, continuous weights, N = 999: BP entropy against alpha (prefixes of
# one instance, both rules on the same patterns and outputs), focusing BP on
# parity instances, and local-entropy curves around solutions and teachers
# at alpha = 1. Writes CSVs, plots and COMMAND into OUT (default
# results/parity). One thread per run, nice -n 10.
# usage: bash scripts/parity_study.sh [BUILD_DIR] [OUT_DIR]
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
OUT=${2:-$SRC/results/parity}
T=$BUILD/tcmbp
PY=/usr/bin/python3
W=$(mktemp -d "${TMPDIR:-/tmp}/parity-study.XXXXXX")
trap 'rm -rf "$W"' EXIT
mkdir -p "$OUT"
export OMP_NUM_THREADS=1
RUN="nice -n 10"
echo "bash scripts/parity_study.sh $*  # $(git -C "$SRC" rev-parse --short HEAD)" >"$OUT/COMMAND"

# Focusing BP from random messages: zero messages are a fixed point of the
# parity factor, so the parity runs start from `--init-random 1 --seed 1`
# (the study's first version ran the same library protocol through a small
# program, results/parity/fbp_random.c, before solve had --init-random).

# --- instances: random outputs (seed 1, alpha 2 = 1998 patterns; the parity
# file has the same bytes, only output_rule differs) and teacher-student
# (seed 2, alpha 1; same patterns and teacher, outputs through each rule)
for rule in majority parity; do
    $RUN "$T" generate --N 999 --K 3 --alpha 2 --seed 1 --output-rule $rule -q -o "$W/$rule.h5"
    $RUN "$T" generate --N 999 --K 3 --alpha 1 --seed 2 --teacher --output-rule $rule -q -o "$W/${rule}_teacher.h5"
done

# --- BP entropy against alpha (prefixes --patterns M), zero start and a random start
echo "rule,init,alpha,M,status,sweeps,entropy,q,errors" >"$OUT/entropy.csv"
for rule in majority parity; do
    for a in 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1.0 1.1 1.2 1.3 1.4 1.5 1.6 1.7 1.8 1.9 2.0; do
        M=$($PY -c "print(round($a * 999))")
        for init in 0 1; do
            [ $rule = majority ] && [ $init = 1 ] && continue
            $RUN "$T" bp "$W/$rule.h5" --patterns $M --init-random $init --seed 1 --max-sweeps 300 --json -q |
                $PY -c "import json,sys; r=json.load(sys.stdin); print(','.join(map(str, ['$rule', 'random' if $init else 'zero', $a, $M, r['status'], r['sweeps'], r['entropy'], r['q'], r['errors']])))" \
                    >>"$OUT/entropy.csv"
        done
    done
done

# --- focusing BP: tcmbp solve (zero start), then random starts on parity
echo "rule,instance,alpha,method,status,errors,M,steps,lambda,sweeps,seconds" >"$OUT/fbp.csv"
fbp_row() { # rule instance alpha method json
    echo "$5" | $PY -c "import json,sys; r=json.load(sys.stdin); print(','.join(map(str, ['$1','$2',$3,'$4',r['status'],r['errors'],r.get('M',''),r['steps'],r.get('lambda',''),r['sweeps'],r['seconds']])))" >>"$OUT/fbp.csv"
}
$RUN "$T" generate --N 999 --K 3 --alpha 1 --seed 1 -q -o "$W/m1.h5"
fbp_row majority random 1.0 "solve" "$($RUN "$T" solve "$W/m1.h5" -o "$W/m1_sol.h5" --json -q)"
$RUN "$T" generate --N 999 --K 3 --alpha 1 --seed 1 --output-rule parity -q -o "$W/p1.h5"
if "$T" solve "$W/p1.h5" -o "$W/p1_zero.h5" --json -q 2>"$W/err"; then
    echo "parity,random,1.0,solve,unexpected,,,,,," >>"$OUT/fbp.csv"
else
    echo "parity,random,1.0,solve,error: $(tr ',' ';' <"$W/err"),,999,,,," >>"$OUT/fbp.csv"
fi
for a in 0.25 0.5 0.75 1.0 1.25 1.5 2.0 3.0; do
    $RUN "$T" generate --N 999 --K 3 --alpha $a --seed 1 --output-rule parity -q -o "$W/p_$a.h5"
    fbp_row parity random $a "fbp-random" \
        "$($RUN "$T" solve "$W/p_$a.h5" --init-random 1 --seed 1 --json -q -o "$W/p_${a}_sol.h5")"
    $PY -c "
import h5py, sys
h = h5py.File(sys.argv[1], 'r')['/solve/history']
for r in range(len(h['step'])):
    print('step %2d lambda %8.4f sweeps %3d status %d errors %d chibar %.4f' % tuple(
        h[c][r] for c in ('step', 'lambda', 'sweeps', 'status', 'errors', 'chi')))" "$W/p_${a}_sol.h5" \
        >"$OUT/fbp_history_$a.txt"
done
cp "$W/p_1.0_sol.h5" "$W/p1_sol.h5" 2>/dev/null || true

# --- parity solutions by least action (for comparison with fBP's)
lal() { "$PY" "$SRC/scripts/parity_lal.py" "$@"; }
echo "instance,alpha,errors,epochs" >"$OUT/lal.csv"
lal "$W/p1.h5" "$W/p1_lal.npy" | $PY -c "import json,sys; r=json.load(sys.stdin); print('random,1.0,%d,%d' % (r['errors'], r['epochs']))" >>"$OUT/lal.csv"

# --- the references: errors and stabilities under their instance's rule
echo "reference,output_rule,M,errors,min_stability,mean_stability" >"$OUT/refs.csv"
ref() { # name instance weights
    "$T" eval "$2" "$3" --json -q | $PY -c "import json,sys; r=json.load(sys.stdin); print('$1,%s,%d,%d,%.6g,%.6g' % (r['output_rule'], r['M'], r['errors'], r['min_stability'], r['mean_stability']))" >>"$OUT/refs.csv"
}
ref majority_fbp "$W/m1.h5" "$W/m1_sol.h5"
ref majority_teacher "$W/majority_teacher.h5" "$W/majority_teacher.h5:/teacher"
[ -f "$W/p1_sol.h5" ] && ref parity_fbp "$W/p1.h5" "$W/p1_sol.h5"
ref parity_lal "$W/p1.h5" "$W/p1_lal.npy"
ref parity_teacher "$W/parity_teacher.h5" "$W/parity_teacher.h5:/teacher"

# --- local entropy around references (alpha = 1)
vol() { # name instance reference
    $RUN "$T" volume "$2" --reference "$3" --csv "$OUT/volume_$1.csv" -f --json -q >/dev/null
}
vol majority_fbp "$W/m1.h5" "$W/m1_sol.h5"
vol majority_teacher "$W/majority_teacher.h5" "$W/majority_teacher.h5:/teacher"
[ -f "$W/p1_sol.h5" ] && vol parity_fbp "$W/p1.h5" "$W/p1_sol.h5"
vol parity_lal "$W/p1.h5" "$W/p1_lal.npy"
vol parity_teacher "$W/parity_teacher.h5" "$W/parity_teacher.h5:/teacher"

"$PY" "$SRC/scripts/parity_plot.py" "$OUT"
echo "done: $OUT"
