#!/bin/sh
# The largest tree instance run here with AMP alone (BP would need 17 bytes
# per edge): K = 3, N = 30000, alpha = 1.5 (M = 45000, 1.35 x 10^9 edges),
# a teacher instance; 20 plain sweeps and one local-volume point around the
# teacher (lambda = 10, 20 sweeps), two threads; peak memory by
# /usr/bin/time -v. Usage: large.sh TCMBP OUTDIR
set -e
B=$1; D=$2; mkdir -p "$D"
[ -f "$D/big.h5" ] || /usr/bin/time -v "$B" generate --N 30000 --K 3 --alpha 1.5 --seed 3 --teacher -o "$D/big.h5" \
  > /dev/null 2> "$D/time_gen.txt"
echo "generate peak_kB=$(grep 'Maximum resident' "$D/time_gen.txt" | awk '{print $NF}')"
OMP_NUM_THREADS=2 /usr/bin/time -v "$B" bp "$D/big.h5" --engine amp --max-sweeps 20 --tol 1e-30 -o "$D/big_bp.h5" \
  --force --json > "$D/big_bp.json" 2> "$D/time_bp.txt"
echo "amp bp: $(cat "$D/big_bp.json") peak_kB=$(grep 'Maximum resident' "$D/time_bp.txt" | awk '{print $NF}')"
OMP_NUM_THREADS=2 /usr/bin/time -v "$B" volume "$D/big.h5" --engine amp --reference "$D/big.h5:/teacher" --lambdas 10 \
  --max-sweeps 20 -o "$D/big_vol.h5" --force --json > "$D/big_vol.json" 2> "$D/time_vol.txt"
echo "amp volume: $(cat "$D/big_vol.json") peak_kB=$(grep 'Maximum resident' "$D/time_vol.txt" | awk '{print $NF}')"
