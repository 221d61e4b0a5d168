# Shared helpers for the CLI shell tests (sourced by tests/cli/test_*.sh,
# which ctest runs as: bash test_X.sh PATH/TO/tcmbp SOURCE_DIR).
# Provides: $TCMBP, $SRC, $PY, $D (fixture dir, removed on exit), fail,
# need_py, snapshot, expect_fail, run_ok, py.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: bash $0 PATH/TO/tcmbp SOURCE_DIR" >&2
    exit 2
fi
TCMBP=$1
SRC=$2
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tcmbp-test.XXXXXX")
D=$WORK/d
LOG=$WORK/log
mkdir -p "$D" "$LOG"
trap 'chmod -R u+rwX "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

# Print a failure message and stop the test.
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# The tests need h5py and numpy in the system python: a clear failure, never a skip.
need_py() {
    "$PY" -c 'import h5py, numpy' 2>/dev/null ||
        fail "$PY cannot import h5py and numpy; run 'bash scripts/setup.sh' (apt-get install python3-h5py python3-numpy)"
}

# Run python code ($1) with the remaining arguments as sys.argv[1:].
py() {
    local code=$1
    shift
    "$PY" -c "import sys, json
import numpy as np, h5py
$code" "$@"
}

# A listing of every file under $D with its checksum (detects changed, new
# and removed files, including leftover temporary files NAME.tmp.XXXXXX).
snapshot() {
    (cd "$D" && find . -print | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# expect_fail CODE PATTERN CMD...: CMD must exit with CODE (1 runtime, 2
# usage), print exactly one line on stderr matching the extended regexp
# PATTERN (case-insensitive), and leave every file under $D untouched.
expect_fail() {
    local code=$1 pattern=$2 rc=0 before after nlines
    shift 2
    before=$(snapshot)
    "$@" >"$LOG/out" 2>"$LOG/err" || rc=$?
    after=$(snapshot)
    [ "$rc" -eq "$code" ] || fail "expected exit $code, got $rc: $* (stderr: $(cat "$LOG/err"))"
    nlines=$(wc -l <"$LOG/err")
    [ "$nlines" -eq 1 ] || fail "expected exactly one stderr line from: $*; got $nlines:
$(cat "$LOG/err")"
    grep -Eqi -- "$pattern" "$LOG/err" || fail "stderr of '$*' does not name the problem /$pattern/: $(cat "$LOG/err")"
    grep -q '^tcmbp' "$LOG/err" || fail "stderr of '$*' does not start with 'tcmbp': $(cat "$LOG/err")"
    [ "$before" = "$after" ] || fail "files under the test directory changed after failing command: $*"
    echo "ok (exit $rc): $* -> $(cat "$LOG/err")"
}

# run_ok CMD...: CMD must succeed with an empty stderr; its stdout is left in $LOG/out.
run_ok() {
    local rc=0
    "$@" >"$LOG/out" 2>"$LOG/err" || rc=$?
    [ "$rc" -eq 0 ] || fail "exit $rc: $* (stderr: $(cat "$LOG/err"))"
    [ ! -s "$LOG/err" ] || fail "unexpected stderr from $*: $(cat "$LOG/err")"
    echo "ok: $* -> $(head -n 1 "$LOG/out" | cut -c 1-300)"
}

# The value of key in the one-line JSON summary in $LOG/out.
json_get() {
    "$PY" -c 'import json,sys; v=json.loads(open(sys.argv[1]).read())[sys.argv[2]]; print(json.dumps(v) if isinstance(v,(bool,type(None))) else v)' "$LOG/out" "$1"
}

# The Fashion-MNIST files of the Debian package dataset-fashion-mnist (or
# $TCMBP_FASHION_DIR) into $F; when absent, say so and exit 77, which ctest
# reports as skipped (SKIP_RETURN_CODE).
need_fashion() {
    F=${TCMBP_FASHION_DIR:-/usr/share/datasets/fashion-mnist}
    if [ ! -r "$F/train-images-idx3-ubyte.gz" ] || [ ! -r "$F/t10k-labels-idx1-ubyte.gz" ]; then
        echo "SKIP: $F/*.gz not found (apt-get install dataset-fashion-mnist, or scripts/setup.sh with TCMBP_FASHION=1)"
        exit 77
    fi
}
