# tcmbp solve --focus-damping: recorded in /solve when given (absent by
# default), a damped run differs from an undamped one but still solves a
# small instance; a checkpoint records it for --resume; refused where it
# would mean nothing (binary weights, the amp engine) or out of [0, 1).
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate --N 99 --K 3 --alpha 1.0 --seed 12 --quiet -o "$D/i99.h5" >/dev/null
run_ok "$TCMBP" solve --quiet --threads 1 "$D/i99.h5" -o "$D/s0.h5"
run_ok "$TCMBP" solve --quiet --threads 1 --focus-damping 0.5 "$D/i99.h5" -o "$D/s5.h5"
grep -q "status=solved" "$LOG/out" || fail "damped focusing did not solve K=3 N=99 alpha=1: $(cat "$LOG/out")"
py '
a, b = (h5py.File(f, "r") for f in sys.argv[1:3])
assert "focus_damping" not in a["/solve"].attrs
assert b["/solve"].attrs["focus_damping"] == 0.5, b["/solve"].attrs["focus_damping"]
assert not np.array_equal(a["/solve/history/sweeps"][()], b["/solve/history/sweeps"][()]) or \
    not np.array_equal(a["/weights"][()], b["/weights"][()]), "--focus-damping changed nothing"
' "$D/s0.h5" "$D/s5.h5" || fail "focus_damping attribute or effect"
echo "ok: --focus-damping recorded and used"

run_ok "$TCMBP" solve --quiet --threads 1 --focus-damping 0.5 "$D/i99.h5" -o "$D/c5.h5" --checkpoint "$D/ck5.h5"
expect_fail 1 "other run parameters" "$TCMBP" solve --quiet "$D/i99.h5" -o "$D/x.h5" --checkpoint "$D/ck5.h5" --resume
expect_fail 1 "other run parameters" "$TCMBP" solve --quiet --focus-damping 0.4 "$D/i99.h5" -o "$D/x.h5" \
    --checkpoint "$D/ck5.h5" --resume
echo "ok: a checkpoint records --focus-damping, --resume checks it (test_fbp: a resumed damped run is exact)"

"$TCMBP" generate --N 45 --K 3 --alpha 0.3 --seed 2 --weights binary --quiet -o "$D/b.h5" >/dev/null
expect_fail 2 "focus-damping must be in" "$TCMBP" solve "$D/i99.h5" -o "$D/x.h5" --focus-damping 1
expect_fail 2 "focus-damping must be in" "$TCMBP" solve "$D/i99.h5" -o "$D/x.h5" --focus-damping -0.1
expect_fail 2 "option of continuous weights" "$TCMBP" solve "$D/b.h5" -o "$D/x.h5" --focus-damping 0.5
expect_fail 2 "needs --engine bp" "$TCMBP" solve "$D/i99.h5" -o "$D/x.h5" --engine amp --focus-damping 0.5
echo "test_solve_focus_damping: all checks passed"
