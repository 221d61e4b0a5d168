#!/usr/bin/env bash
# Record a golden set of tcmbp outputs (bp, volume, solve for both weight
# kinds, tree and fully connected, every hidden/cavity/output mode, and the
# trainers) with a given binary, as a manifest of digests
# (scripts/golden_manifest.py). Two manifests made before and after a
# refactor must be identical line for line, or each difference explained.
# Every run spells out all its options, so that a default changed on
# purpose does not hide a changed computation.
#
#   bash scripts/golden.sh PATH/TO/tcmbp OUTDIR      (writes OUTDIR/MANIFEST; about a minute)
set -euo pipefail
T=$(realpath "$1")
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
cd "$OUT"
rm -f ./*.h5 ./*.json ./*.csv MANIFEST
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

# run NAME CMD...: run a tcmbp command with --json, keep its summary as NAME.json.
run() {
    local name=$1
    shift
    "$T" "$@" --json --quiet >"$name.json"
}

# Instances: continuous tree (random, teacher), continuous full, binary tree and full.
"$T" generate -q --N 201 --K 3 --alpha 1.0 --seed 11 -o ct.h5 >/dev/null
"$T" generate -q --N 201 --K 3 --alpha 1.2 --seed 12 --teacher -o ctt.h5 >/dev/null
"$T" generate -q --N 45 --K 3 --arch full --alpha 0.5 --seed 13 -o cf.h5 >/dev/null
"$T" generate -q --N 105 --K 5 --alpha 1.0 --seed 14 -o ct5.h5 >/dev/null
"$T" generate -q --N 201 --K 3 --alpha 0.4 --seed 15 --weights binary -o bt.h5 >/dev/null
"$T" generate -q --N 201 --K 3 --alpha 0.3 --seed 16 --weights binary --teacher -o btt.h5 >/dev/null
"$T" generate -q --N 61 --K 3 --arch full --alpha 0.3 --seed 17 --weights binary -o bf.h5 >/dev/null
"$T" generate -q --N 301 --K 1 --alpha 0.5 --seed 18 --weights binary -o b1.h5 >/dev/null

CB=(--weights continuous --damping 0.5 --tol 1e-6 --max-sweeps 300 --block-size 64)
for cav in exact fast; do
    for of in exact clt; do
        run bp_ct_${cav}_$of bp ct.h5 "${CB[@]}" --cavity $cav --output-factor $of --schedule parallel -o bp_ct_${cav}_$of.h5 --checkpoint
    done
done
run bp_ct5_block bp ct5.h5 "${CB[@]}" --cavity exact --output-factor exact --schedule block -o bp_ct5_block.h5
run bp_cf bp cf.h5 "${CB[@]}" --cavity exact --output-factor exact --schedule parallel -o bp_cf.h5
run bp_ct_prefix bp ct.h5 "${CB[@]}" --cavity exact --output-factor exact --schedule parallel --patterns 50 -o bp_ct_prefix.h5
run bp_ct_rand bp ct.h5 "${CB[@]}" --cavity fast --output-factor exact --schedule parallel --init-random 0.5 --seed 3 -o bp_ct_rand.h5
run bp_ct_init bp ct.h5 "${CB[@]}" --cavity exact --output-factor exact --schedule parallel --init bp_ct_fast_exact.h5 -o bp_ct_init.h5

BB=(--weights binary --damping 0.5 --tol 1e-6 --max-sweeps 300 --block-size 64)
for hid in clt exact; do
    run bp_bt_$hid bp bt.h5 "${BB[@]}" --hidden $hid --output-factor exact --schedule parallel -o bp_bt_$hid.h5 --checkpoint
done
run bp_bf bp bf.h5 "${BB[@]}" --hidden clt --output-factor exact --schedule parallel -o bp_bf.h5
run bp_bt_block bp bt.h5 "${BB[@]}" --hidden clt --output-factor clt --schedule block -o bp_bt_block.h5
run bp_bt_rand bp bt.h5 "${BB[@]}" --hidden clt --output-factor exact --schedule parallel --init-random 0.3 --seed 5 -o bp_bt_rand.h5

# Local volume: around the teacher (continuous, both cavity modes) and a binary teacher.
for cav in exact fast; do
    run vol_ctt_$cav volume ctt.h5 --stability 10 --drift-max 1e-4 --weights continuous --reference ctt.h5:/teacher --cavity $cav --output-factor exact \
        --damping 0.5 --tol 1e-6 --max-sweeps 300 --lambda-min 0.5 --lambda-max 200 --steps 6 -o vol_ctt_$cav.h5 --csv vol_ctt_$cav.csv
done
run vol_ctt_list volume ctt.h5 --stability 10 --drift-max 1e-4 --weights continuous --reference ctt.h5:/teacher --cavity exact --output-factor exact \
    --damping 0.5 --tol 1e-6 --max-sweeps 300 --lambdas 3,1,10 -o vol_ctt_list.h5
run vol_btt volume btt.h5 --stability 10 --drift-max 1e-4 --weights binary --reference btt.h5:/teacher --hidden clt --output-factor exact --schedule parallel \
    --block-size 64 --damping 0.5 --tol 1e-6 --max-sweeps 300 --lambda-min 0.5 --lambda-max 20 --steps 5 -o vol_btt.h5 --csv vol_btt.csv

# Focusing BP, continuous: the paper's protocol (both cavity modes) and a ladder; fully connected.
for cav in exact fast; do
    run solve_ct_$cav solve ct.h5 --polish --weights continuous --protocol paper --cavity $cav --output-factor exact --damping 0.5 \
        --tol 1e-6 --max-sweeps 200 -o solve_ct_$cav.h5
done
run solve_ct5_ladder solve ct5.h5 --polish --weights continuous --protocol ladder --lambda-min 1 --lambda-max 50 --steps 8 --y 5 \
    --cavity exact --output-factor clt --damping 0.5 --tol 1e-6 --max-sweeps 100 --no-stop-at-solution -o solve_ct5_ladder.h5
run solve_cf solve cf.h5 --polish --weights continuous --protocol paper --cavity exact --output-factor exact --damping 0.5 \
    --tol 1e-6 --max-sweeps 200 -o solve_cf.h5

# Focusing BP, binary: every protocol, tree and fully connected.
SB=(--weights binary --hidden clt --output-factor exact --schedule parallel --block-size 64 --damping 0.5 --tol 1e-3 --init-amplitude 0.1 --seed 1)
run solve_bt_sr solve bt.h5 --polish "${SB[@]}" --protocol standard-reinforcement --dx 0.01 --max-sweeps 1 -o solve_bt_sr.h5
run solve_b1_sr solve b1.h5 --polish "${SB[@]}" --protocol standard-reinforcement --dx 0.005 --max-sweeps 1 -o solve_b1_sr.h5
run solve_bt_scoping solve bt.h5 --polish "${SB[@]}" --protocol scoping --gamma-min 0.1 --gamma-max 10 --steps 10 --y 10 --max-sweeps 20 -o solve_bt_scoping.h5
run solve_bt_pseudo solve bt.h5 --polish "${SB[@]}" --protocol pseudo-reinforcement --drho 0.02 --x 0.5 --max-sweeps 5 -o solve_bt_pseudo.h5
run solve_bf_sr solve bf.h5 --polish "${SB[@]}" --protocol standard-reinforcement --dx 0.01 --max-sweeps 100 -o solve_bf_sr.h5
run solve_bt_list solve bt.h5 --polish "${SB[@]}" --protocol list --steps-list "0.5:2,1:5,inf:10" --max-sweeps 30 --no-stop-at-solution -o solve_bt_list.h5

# Trainers (continuous).
for algo in lal elal cesgd-fast cesgd-slow; do
    run train_$algo train ct.h5 --algo $algo --seed 2 --max-epochs 300 -o train_$algo.h5
done

/usr/bin/python3 "$HERE/golden_manifest.py" ./*.h5 ./*.json >MANIFEST
# CSV files are data too: their digests, with the seconds column removed.
for c in ./*.csv; do
    echo "$c $(/usr/bin/python3 -c '
import csv, hashlib, sys
rows = list(csv.reader(open(sys.argv[1])))
keep = [i for i, h in enumerate(rows[0]) if h != "seconds"]
print(hashlib.sha256(repr([[r[i] for i in keep] for r in rows]).encode()).hexdigest()[:16])' "$c")" >>MANIFEST
done
echo "golden: $(wc -l <MANIFEST) lines in $OUT/MANIFEST" >&2
