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
# The main job: entropy of the solution space by BP, a solution by focusing
# BP on a random K = 3, N = 999, alpha = 1 instance, checked by eval, and the
# local-entropy curve around that solution.
R=instances/random_tree_K3_N999_a1.h5
run "$T" bp "$R" -o "$OUT/bp.h5" --force
run "$T" solve "$R" -o "$OUT/sol.h5" --force
run "$T" eval "$R" "$OUT/sol.h5"
run "$T" volume "$R" --reference "$OUT/sol.h5" --lambda-min 1 --lambda-max 300 --steps 8 \
    -o "$OUT/vol.h5" --csv "$OUT/vol.csv" --force
echo "demo: outputs in $OUT"
