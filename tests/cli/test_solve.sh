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

# Resuming a run that had finished (the same batch command run twice) runs
# no step and reports the finished result: exit 0, the same weights and
# errors (a solved run here; an unsolved one below). It used to fail with
# "unit 0 has zero norm" (no marginals were rebuilt).
run_ok "$TCMBP" solve --quiet --cavity fast --threads 1 "$D/i.h5" -o "$D/again.h5" --checkpoint "$D/ck.h5" --resume
grep -q "status=solved" "$LOG/out" && grep -q " errors=0 " "$LOG/out" || fail "resume of a finished run: $(cat "$LOG/out")"
py '
a = h5py.File(sys.argv[1], "r"); b = h5py.File(sys.argv[2], "r")
assert np.array_equal(a["/weights"][()], b["/weights"][()]), "weights differ"
' "$D/full.h5" "$D/again.h5" || fail "resume of a finished run changes the weights"
echo "ok: resuming a finished run returns its result"

# --restarts: an instance whose first attempt ends with errors (E0, read from
# the plain run: the count moves with the last bits of the arithmetic) is
# solved by a restart; that attempt is exactly the plain run with
# --init-random 1 and the seed listed in /solve/attempts.
"$TCMBP" generate --N 45 --K 3 --alpha 2.0 --seed 4 --quiet -o "$D/r45.h5" >/dev/null
short="--threads 1 --protocol ladder --steps 10 --max-sweeps 30 --no-polish" # restarts alone
run_ok "$TCMBP" solve --quiet $short "$D/r45.h5" -o "$D/r0.h5"
grep -q "status=unsolved" "$LOG/out" || fail "the restart instance is solved without restarts: $(cat "$LOG/out")"
e0=$(grep -o ' errors=[0-9]*' "$LOG/out" | head -1 | cut -d= -f2)
run_ok "$TCMBP" solve --quiet $short "$D/r45.h5" -o "$D/r0c.h5" --checkpoint "$D/r0ck.h5"
run_ok "$TCMBP" solve --quiet $short "$D/r45.h5" -o "$D/r0r.h5" --checkpoint "$D/r0ck.h5" --resume
grep -q "status=unsolved" "$LOG/out" && grep -q " errors=$e0 " "$LOG/out" || fail "resume of a finished unsolved run: $(cat "$LOG/out")"
py '
a = h5py.File(sys.argv[1], "r"); b = h5py.File(sys.argv[2], "r")
assert np.array_equal(a["/weights"][()], b["/weights"][()]), "weights differ"
' "$D/r0.h5" "$D/r0r.h5" || fail "resume of a finished unsolved run changes the weights"
run_ok "$TCMBP" solve --quiet $short --restarts 3 "$D/r45.h5" -o "$D/r3.h5"
grep -q "status=solved" "$LOG/out" && grep -Eq "attempt_errors=$e0,([0-9]+,)*0( |\$)" "$LOG/out" ||
    fail "--restarts 3 summary (first attempt $e0 errors): $(cat "$LOG/out")"
run_ok "$TCMBP" eval "$D/r45.h5" "$D/r3.h5"
grep -q "errors=0" "$LOG/out" || fail "eval of the restarted solution: $(cat "$LOG/out")"
seed=$(py '
f = h5py.File(sys.argv[1], "r"); a = f["/solve/attempts"]
n = len(a["attempt"][()]); e = list(a["errors"][()])
assert list(a["attempt"][()]) == list(range(n)) and n >= 2 and e[0] == int(sys.argv[2]) and e[-1] == 0 and min(e[:-1]) > 0, "attempts table"
assert a["amplitude"][n - 1] == 1.0 and f["/solve"].attrs["attempts"] == n and f["/solve"].attrs["restarts"] == 3
assert f["/solve/history/errors"][-1] == 0 and len(f["/solve/history/errors"]) == a["steps"][n - 1], "last attempt history"
print(int(a["seed"][n - 1]))
' "$D/r3.h5" "$e0") || fail "restart attempts table"
run_ok "$TCMBP" solve --quiet $short --init-random 1 --seed "$seed" "$D/r45.h5" -o "$D/rseed.h5"
py '
a = h5py.File(sys.argv[1], "r"); b = h5py.File(sys.argv[2], "r")
assert np.array_equal(a["/weights"][()], b["/weights"][()]), "restart differs from the plain run with its seed"
' "$D/r3.h5" "$D/rseed.h5" || fail "a restart is not the run with its seed"
expect_fail 2 "restarts cannot be combined with --checkpoint" "$TCMBP" solve "$D/r45.h5" -o "$D/x.h5" --restarts 2 --checkpoint "$D/rck.h5"
expect_fail 2 "restarts must be in" "$TCMBP" solve "$D/r45.h5" -o "$D/x.h5" --restarts -1
echo "ok: --restarts solves after a failed attempt, reproducibly"

# The clean-up (the default; --no-polish turns it off): a run stopped after
# 15 sweeps of one step leaves 2 errors; the greedy clean-up removes them
# (eval agrees) and records what it did; --polish (the default spelled out)
# gives the same file; a solved run is not touched; a run left with more than
# 50 errors is not cleaned up (its cost grows as errors^2).
"$TCMBP" generate --N 99 --K 3 --alpha 1.0 --seed 12 --quiet -o "$D/p99.h5" >/dev/null
short="--threads 1 --protocol ladder --steps 1 --max-sweeps 15"
run_ok "$TCMBP" solve --quiet $short --no-polish "$D/p99.h5" -o "$D/p0.h5"
grep -q "status=unsolved weights=continuous errors=2 " "$LOG/out" || fail "the polish instance: $(cat "$LOG/out")"
run_ok "$TCMBP" solve --quiet $short "$D/p99.h5" -o "$D/p1.h5"
grep -q "status=solved weights=continuous errors=0 " "$LOG/out" && grep -q "errors_before_polish=2 polish_moves=2" "$LOG/out" ||
    fail "default polish summary: $(cat "$LOG/out")"
run_ok "$TCMBP" solve --quiet $short --polish "$D/p99.h5" -o "$D/p2.h5"
run_ok "$TCMBP" eval "$D/p99.h5" "$D/p1.h5"
grep -q "errors=0" "$LOG/out" || fail "eval of the polished solution: $(cat "$LOG/out")"
run_ok "$TCMBP" solve --quiet --threads 1 "$D/p99.h5" -o "$D/q1.h5"
run_ok "$TCMBP" solve --quiet --threads 1 --no-polish "$D/p99.h5" -o "$D/q0.h5"
"$TCMBP" generate --N 99 --K 3 --alpha 2.5 --seed 12 --quiet -o "$D/h99.h5" >/dev/null
run_ok "$TCMBP" solve --quiet --threads 1 --protocol ladder --steps 1 --max-sweeps 3 "$D/h99.h5" -o "$D/h1.h5"
grep -q "status=unsolved weights=continuous errors=59 " "$LOG/out" && ! grep -q "errors_before_polish" "$LOG/out" ||
    fail "more than 50 errors: no clean-up: $(cat "$LOG/out")"
py '
f = h5py.File(sys.argv[1], "r"); g = f["/solve"].attrs
assert g["status"] == "solved" and g["errors"] == 0 and g["errors_before_polish"] == 2 and g["polish_moves"] == 2
assert g["polish"] == 1 and h5py.File(sys.argv[4], "r")["/solve"].attrs["polish"] == 0
assert f["/solve/history/errors"][-1] == 2, "the history is the protocol (before the polish)"
assert np.array_equal(f["/weights"][()], h5py.File(sys.argv[2], "r")["/weights"][()]), "--polish is the default"
a, b = h5py.File(sys.argv[3], "r"), h5py.File(sys.argv[4], "r")
assert a["/solve"].attrs["status"] == "solved" and "errors_before_polish" not in a["/solve"].attrs
assert np.array_equal(a["/weights"][()], b["/weights"][()]), "a solved run is the same with and without the clean-up"
for k in a["/solve/history"].keys():
    if k != "seconds":
        assert np.array_equal(a["/solve/history"][k][()], b["/solve/history"][k][()]), k
' "$D/p1.h5" "$D/p2.h5" "$D/q1.h5" "$D/q0.h5" || fail "polished solution file"
expect_fail 2 "exclude each other" "$TCMBP" solve "$D/p99.h5" -o "$D/x.h5" --polish --no-polish
echo "ok: the default clean-up removes the last errors and leaves solved runs alone"

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
