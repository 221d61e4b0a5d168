# tcmbp solve: a small instance is solved and the solution checked by eval;
# SIGTERM writes a checkpoint and exits 3, --resume then gives the same
# weights bit for bit as an uninterrupted run; clear errors for bad input.
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate --N 99 --K 3 --alpha 1.0 --seed 12 --quiet -o "$D/i99.h5" >/dev/null
run_ok "$TCMBP" solve --quiet "$D/i99.h5" -o "$D/s99.h5"
grep -q "status=solved" "$LOG/out" || fail "K=3 N=99 alpha=1 not solved: $(cat "$LOG/out")"
run_ok "$TCMBP" eval "$D/i99.h5" "$D/s99.h5"
grep -q "errors=0" "$LOG/out" || fail "eval of the solution: $(cat "$LOG/out")"
py '
f = h5py.File(sys.argv[1], "r")
assert f.attrs["file_kind"] == "solve" and f["/solve"].attrs["status"] == "solved"
w = f["/weights"][()]
assert w.shape == (3, 33) and np.allclose((w**2).sum(axis=1), 33), "not normalised per unit"
h = f["/solve/history"]
assert len(h["lambda"]) == f["/solve"].attrs["steps"] and h["errors"][-1] == 0
' "$D/s99.h5" || fail "solution file content"

# Interrupt with SIGTERM once the first step checkpoint exists, then resume.
"$TCMBP" generate --N 300 --K 3 --alpha 1.6 --seed 4 --quiet -o "$D/i.h5" >/dev/null
run_ok "$TCMBP" solve --quiet --cavity fast "$D/i.h5" -o "$D/full.h5"
"$TCMBP" solve --quiet --cavity fast "$D/i.h5" -o "$D/part.h5" --checkpoint "$D/ck.h5" >"$LOG/part" 2>&1 &
pid=$!
for _ in $(seq 1 600); do [ -f "$D/ck.h5" ] && break; sleep 0.05; done
[ -f "$D/ck.h5" ] || fail "no checkpoint after the first step"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 3 ] || fail "SIGTERM: expected exit 3, got $rc ($(cat "$LOG/part"))"
grep -q "status=interrupted" "$LOG/part" || fail "interrupted run summary: $(cat "$LOG/part")"
run_ok "$TCMBP" solve --quiet --cavity fast --threads 1 "$D/i.h5" -o "$D/resumed.h5" --checkpoint "$D/ck.h5" --resume
py '
a = h5py.File(sys.argv[1], "r"); b = h5py.File(sys.argv[2], "r")
assert np.array_equal(a["/weights"][()], b["/weights"][()]), "resumed weights differ"
assert np.array_equal(a["/solve/history/sweeps"][()], b["/solve/history/sweeps"][()]), "resumed history differs"
' "$D/full.h5" "$D/resumed.h5" || fail "resume does not reproduce the uninterrupted run"
echo "ok: SIGTERM + --resume reproduces the uninterrupted run"

# Bad input.
expect_fail 2 "missing -o" "$TCMBP" solve "$D/i99.h5"
expect_fail 1 "exists" "$TCMBP" solve --quiet "$D/i99.h5" -o "$D/s99.h5"
expect_fail 2 "resume needs --checkpoint" "$TCMBP" solve "$D/i99.h5" -o "$D/x.h5" --resume
expect_fail 2 "--protocol: .sideways. is not one of paper, ladder" "$TCMBP" solve "$D/i99.h5" -o "$D/x.h5" --protocol sideways
expect_fail 2 "protocol" "$TCMBP" solve "$D/i99.h5" -o "$D/x.h5" --protocol list --steps-list "0.5:abc"
expect_fail 2 "damping" "$TCMBP" solve "$D/i99.h5" -o "$D/x.h5" --damping 1.5
expect_fail 1 "another instance|M=" "$TCMBP" solve --quiet "$D/i99.h5" -o "$D/x.h5" --checkpoint "$D/ck.h5" --resume
expect_fail 1 "no such|cannot|missing" "$TCMBP" solve "$D/nothere.h5" -o "$D/x.h5"
echo "test_solve: all checks passed"
