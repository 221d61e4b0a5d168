#!/bin/sh
# Focusing-AMP success rate against alpha and N (issue 20, "Measure and
# report"): K = 3 tree, instances `generate --N N --K 3 --alpha A --seed S`,
# `solve --engine amp` with its defaults (paper protocol, polish), one
# thread, nice -n 10, one run at a time. Resumable: a run whose JSON exists
# in results/amp/focus_runs/ is skipped.
#
# Usage: focus_scaling.sh TCMBP WORKDIR SPEC...
#   SPEC is N:ALPHA:FIRST_SEED:LAST_SEED, e.g. 999:2.7:1:10
#   WORKDIR holds the instances and solutions (.h5, not committed);
#   per run, results/amp/focus_runs/ gets N<N>_a<A>_s<S>.json (the solver's
#   summary) and .time (/usr/bin/time: user sys wall maxrss_kB, then the
#   load average before the run).
# FOCUS_STOP_AT=$(date -d 02:35 +%s) stops launching runs at that time.
# Then: /usr/bin/python3 results/amp/focus_summary.py (CSV, table, plot).
set -u
# FOCUS_STOP_AT (optional, seconds since the epoch): start no run after it.
STOP=${FOCUS_STOP_AT:-0}
B=$1; W=$2; shift 2
R=$(dirname "$0")/focus_runs
mkdir -p "$W" "$R"
for spec in "$@"; do
  IFS=: read -r n a s0 s1 <<SPEC
$spec
SPEC
  for s in $(seq "$s0" "$s1"); do
    base="N${n}_a${a}_s${s}"
    [ -s "$R/$base.json" ] && continue
    if [ "$STOP" -gt 0 ] && [ "$(date +%s)" -ge "$STOP" ]; then echo "stop: FOCUS_STOP_AT reached before $base"; exit 0; fi
    f="$W/i_$base.h5"
    [ -f "$f" ] || nice -n 10 "$B" generate --N "$n" --K 3 --alpha "$a" --seed "$s" -o "$f" >/dev/null || exit 1
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    OMP_NUM_THREADS=1 nice -n 10 /usr/bin/time -f '%U %S %e %M' -o "$R/$base.time.tmp" \
      "$B" solve "$f" --engine amp --threads 1 -q -o "$W/sol_$base.h5" --force --json > "$R/$base.json.tmp" || exit 1
    echo "$load" >> "$R/$base.time.tmp"
    mv "$R/$base.time.tmp" "$R/$base.time"
    mv "$R/$base.json.tmp" "$R/$base.json"
    printf '%s %s %s\n' "$(date -u +%H:%M:%S)" "$base" "$(cat "$R/$base.json")"
    [ "$n" -ge 3003 ] && rm -f "$f"
  done
done
