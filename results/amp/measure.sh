#!/bin/sh
# Seconds per sweep and peak memory of BP and AMP on the same instances,
# side by side in one run (K = 3 tree, alpha = 1.5, 20 sweeps with the
# tolerance out of reach, one thread). Usage: measure.sh TCMBP OUTDIR
set -e
B=$1; D=$2; mkdir -p "$D"
for N in 999 9999; do
  "$B" generate --N $N --K 3 --alpha 1.5 --seed 5 -o "$D/i$N.h5" --force >/dev/null
  for e in bp amp; do
    OMP_NUM_THREADS=1 /usr/bin/time -v "$B" bp "$D/i$N.h5" --engine $e --max-sweeps 20 --tol 1e-30 \
      -o "$D/bp_${e}_$N.h5" --force --json > "$D/run_${e}_$N.json" 2> "$D/time_${e}_$N.txt"
    printf '%s N=%s %s peak_kB=%s\n' "$e" "$N" "$(grep -o '"seconds": [0-9.]*' "$D/run_${e}_$N.json")" \
      "$(grep 'Maximum resident' "$D/time_${e}_$N.txt" | awk '{print $NF}')"
  done
done
