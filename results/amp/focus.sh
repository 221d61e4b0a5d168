#!/bin/sh
# Focusing success rate, BP against AMP: K = 3, N = 999, the paper's
# protocol (solve's defaults), instances of seeds 1..S at each alpha, one
# thread. Usage: focus.sh TCMBP OUTDIR ENGINE S ALPHA...
B=$1; D=$2; E=$3; S=$4; shift 4; mkdir -p "$D"
for a in "$@"; do
  for s in $(seq 1 $S); do
    f="$D/i_${a}_$s.h5"
    [ -f "$f" ] || "$B" generate --N 999 --K 3 --alpha $a --seed $s -o "$f" >/dev/null
    OMP_NUM_THREADS=1 "$B" solve "$f" --engine $E -o "$D/sol_${E}_${a}_$s.h5" --force --json > "$D/solve_${E}_${a}_$s.json" 2>/dev/null
    printf '%s alpha=%s seed=%s %s\n' "$E" "$a" "$s" "$(cut -c1-160 "$D/solve_${E}_${a}_$s.json")"
  done
done
