#!/bin/sh
# The issue's large tree instance with the patterns held as bits (docs/AMP.md 4,
# docs/FORMAT.md): generate straight into bits (--storage bits), then plain
# AMP and one local-volume point around the teacher, two threads, each step
# timed by /usr/bin/time -v (seconds, peak RSS) with the load (uptime).
# Usage: large_bits.sh TCMBP OUTDIR N M BP_SWEEPS BP_SECONDS VOL_SWEEPS VOL_SECONDS LAMBDA
# (the issue's run: N = 100002, M = 250000; the estimate: N = 30000, M = 45000).
set -e
B=$1; D=$2; N=$3; M=$4; BPS=$5; BPT=$6; VS=$7; VT=$8; L=$9
mkdir -p "$D"
# the load, every 5 minutes, for the report (stopped at the end)
( while :; do echo "$(date -u +%H:%M:%S) $(uptime | sed 's/.*average: //')"; sleep 300; done ) > "$D/load.txt" &
LOADPID=$!
trap 'kill $LOADPID 2>/dev/null' EXIT
peak() { grep 'Maximum resident' "$1" | awk '{print $NF}'; }
wall() { grep 'Elapsed (wall' "$1" | awk '{print $NF}'; }
echo "start $(date -u +%H:%M:%S) load: $(uptime | sed 's/.*average: //')"
if [ ! -f "$D/inst.h5" ]; then
  /usr/bin/time -v "$B" generate --N "$N" --K 3 --M "$M" --seed 3 --teacher --storage bits -o "$D/inst.h5" \
    --threads 2 > "$D/gen.txt" 2> "$D/time_gen.txt"
  echo "generate: $(cat "$D/gen.txt") wall=$(wall "$D/time_gen.txt") peak_kB=$(peak "$D/time_gen.txt") bytes=$(stat -c %s "$D/inst.h5") load: $(uptime | sed 's/.*average: //')"
fi
OMP_NUM_THREADS=2 /usr/bin/time -v "$B" bp "$D/inst.h5" --engine amp --threads 2 --max-sweeps "$BPS" --max-seconds "$BPT" \
  -o "$D/bp.h5" --force --json > "$D/bp.json" 2> "$D/time_bp.txt" || true
echo "amp bp: $(cat "$D/bp.json") wall=$(wall "$D/time_bp.txt") peak_kB=$(peak "$D/time_bp.txt") load: $(uptime | sed 's/.*average: //')"
OMP_NUM_THREADS=2 /usr/bin/time -v "$B" volume "$D/inst.h5" --engine amp --threads 2 --reference "$D/inst.h5:/teacher" \
  --lambdas "$L" --retries 0 --max-sweeps "$VS" --max-seconds "$VT" -o "$D/vol.h5" --force --json > "$D/vol.json" 2> "$D/time_vol.txt" || true
echo "amp volume: $(cat "$D/vol.json") wall=$(wall "$D/time_vol.txt") peak_kB=$(peak "$D/time_vol.txt") load: $(uptime | sed 's/.*average: //')"
echo "end $(date -u +%H:%M:%S)"
