#!/bin/bash
# The measurements of results/fbp_threshold (README.md), one thread each, at nice 10.
# Usage: bash jobs.sh continuous|binary|binary076 TCMBP
# (On the shared machine of 2026-12-01 only part of this could be run: README.md says which.)
set -e
cd "$(dirname "$0")"
T=$2
case $1 in
continuous) # N = 333, K = 3, solve defaults (+ --polish, the new default); seed-major
    ./run.py --tcmbp "$T" --N 333 --K 3 --weights continuous --alphas 2.6,2.8,2.4 --seeds 1-10 --order seed \
        --label polish --out runs_continuous.jsonl -- --polish ;;
binary) # the binary perceptron, solve --weights binary defaults (+ --polish; --no-record: no effect on the result)
    ./run.py --tcmbp "$T" --N 501 --K 1 --weights binary --alphas 0.70,0.72,0.74,0.76,0.78 --seeds 1-10 \
        --label polish --out runs_binary.jsonl -- --polish --no-record
    ./run.py --tcmbp "$T" --N 1001 --K 1 --weights binary --alphas 0.70,0.74,0.78,0.72 --seeds 1-10 --order seed \
        --label polish --out runs_binary.jsonl -- --polish --no-record ;;
binary076) # N = 1001, alpha = 0.76 with slower reinforcement
    ./run.py --tcmbp "$T" --N 1001 --K 1 --weights binary --alphas 0.76 --seeds 1-10 \
        --label dx0.001 --out runs_binary076.jsonl -- --polish --no-record --dx 0.001 ;;
esac
