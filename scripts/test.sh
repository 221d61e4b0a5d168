#!/usr/bin/env bash
# Build and run every tcmbp test twice: a normal build in build/ (through
# scripts/setup.sh, with -DTCMBP_WERROR=ON) and an AddressSanitizer/UBSan
# build in build-asan/. Exits non-zero on any failure; the last line is
# "tcmbp tests: N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
status=0

# Run ctest in directory $1, add its counts to passed/failed.
run_ctest() {
    local dir=$1 log rc=0 total nfail
    log=$(mktemp)
    ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" 2>&1 | tee "$log" || rc=$?
    # "100% tests passed, 0 tests failed out of 12"
    total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
    nfail=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
    rm -f "$log"
    if [[ -z $total || -z $nfail ]]; then
        echo "test: error: no test results from ctest in $dir" >&2
        failed=$((failed + 1))
        status=1
        return
    fi
    passed=$((passed + total - nfail))
    failed=$((failed + nfail))
    if ((rc != 0 || nfail != 0)); then status=1; fi
}

# LeakSanitizer needs ptrace; some containers forbid it. Probe with a tiny
# leak-free program and fall back to detect_leaks=0 (with a note) if it cannot run.
leak_detection() {
    local dir probe
    dir=$(mktemp -d)
    printf 'int main(void) { return 0; }\n' >"$dir/p.c"
    probe=0
    if cc -fsanitize=address "$dir/p.c" -o "$dir/p" 2>/dev/null &&
        ASAN_OPTIONS=detect_leaks=1 "$dir/p" >/dev/null 2>&1; then
        probe=1
    fi
    rm -rf "$dir"
    echo "$probe"
}

t0=$SECONDS
# Seconds since the start, for the phase lines (CI has a time budget).
phase() { echo "test: $* (${SECONDS}s; phase $((SECONDS - t0))s)" >&2; t0=$SECONDS; }

bash scripts/setup.sh -DTCMBP_WERROR=ON
phase "normal build ready"
run_ctest build
phase "normal build tested"
# A real one-node SLURM cluster (installed from Debian, started without
# systemd) runs a sweep as array jobs, with an interrupted and resumed task.
# It mostly waits for the scheduler (about 8 minutes, 2 of them a job
# running into its time limit), so it runs while the sanitizer build
# compiles and is tested; its output is printed when it ends.
slurm_log=$(mktemp)
bash tests/slurm/run_slurm_test.sh build/tcmbp >"$slurm_log" 2>&1 &
slurm_pid=$!
trap 'kill "$slurm_pid" 2>/dev/null || true' EXIT # a failed sanitizer build must not leave it running

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTCMBP_SANITIZE=ON -DTCMBP_WERROR=ON \
    -DTCMBP_BENCH=OFF >/dev/null
cmake --build build-asan -j"$(nproc)" >/dev/null
phase "sanitizer build ready"
if [[ $(leak_detection) == 1 ]]; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
else
    echo "test: note: LeakSanitizer cannot run here (ptrace restricted); ASan runs with detect_leaks=0" >&2
    export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0
fi
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_ctest build-asan
phase "sanitizer build tested"
slurm_rc=0
wait "$slurm_pid" || slurm_rc=$?
cat "$slurm_log"
rm -f "$slurm_log"
if ((slurm_rc == 0)); then passed=$((passed + 1)); else failed=$((failed + 1)); status=1; fi
phase "SLURM test done (rc $slurm_rc)"

echo "tcmbp tests: $passed passed, $failed failed"
exit "$status"
