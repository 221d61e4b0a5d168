#!/usr/bin/env bash
# Build tcmbp (through scripts/setup.sh) and run the main job on a shipped
# instance. Nothing is written inside the repository: outputs go to a
# temporary directory (or to $DEMO_OUT if set).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
T=build/tcmbp
I=instances/teacher_tree_K3_N99_a1.h5
OUT=${DEMO_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/tcmbp-demo.XXXXXX")}
mkdir -p "$OUT"

# Show each command before running it.
run() {
    echo "\$ $*"
    "$@"
    echo
}

run "$T" info "$I"
run "$T" eval "$I" "$I:/teacher"
run "$T" eval --json --outputs "$OUT/teacher_eval.h5" --force "$I" "$I:/teacher"
# ---- solvers (lead): tcmbp bp / tcmbp solve on $I go here -------------------
# run "$T" bp "$I" -o "$OUT/bp.h5"
# run "$T" solve "$I" -o "$OUT/sol.h5"
# ------------------------------------------------------------------------------
echo "demo: outputs in $OUT"
