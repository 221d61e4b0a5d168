# Checkpoints and --resume the same way for both weight kinds and for solve
# and volume: SIGTERM stops within a sweep, writes the checkpoint and the
# results so far and exits 3; --resume (with another thread count) gives
# the same results, bit for bit, as an uninterrupted run; a run whose
# checkpoint is already finished writes its result; checkpoint paths are
# checked before any work.
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate --N 150 --K 3 --alpha 1.0 --seed 4 --teacher --quiet -o "$D/c.h5" >/dev/null
"$TCMBP" generate --N 300 --K 3 --alpha 0.5 --seed 4 --teacher --weights binary --quiet -o "$D/b.h5" >/dev/null

# interrupt NAME CMD...: start CMD in the background, SIGTERM it once $D/NAME.ck.h5
# exists, and require exit 3 and an interrupted summary.
interrupt() {
    local name=$1 pid rc=0 t0
    shift
    "$@" --checkpoint "$D/$name.ck.h5" --threads 2 >"$LOG/$name.part" 2>&1 &
    pid=$!
    for _ in $(seq 1 1200); do [ -f "$D/$name.ck.h5" ] && break; sleep 0.05; done
    [ -f "$D/$name.ck.h5" ] || fail "$name: no checkpoint appeared"
    t0=$(date +%s.%N)
    kill -TERM "$pid"
    wait "$pid" || rc=$?
    py 'assert float(sys.argv[2]) - float(sys.argv[1]) < 5, "took %.1f s" % (float(sys.argv[2]) - float(sys.argv[1]))' \
        "$t0" "$(date +%s.%N)" || fail "$name: SIGTERM took too long to stop the run"
    [ "$rc" -eq 3 ] || fail "$name: SIGTERM: expected exit 3, got $rc ($(cat "$LOG/$name.part"))"
    grep -q "status=interrupted" "$LOG/$name.part" || fail "$name: summary after SIGTERM: $(cat "$LOG/$name.part")"
}

# Same table / weights and history in two result files, timings aside.
same_results() {
    py '
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for g in ("/volume", "/solve/history"):
    if g in a:
        cols = list(a[g].attrs["columns"])
        assert cols == list(b[g].attrs["columns"]), (cols, list(b[g].attrs["columns"]))
        for c in cols:
            if c != "seconds":
                assert np.array_equal(a[g][c][()], b[g][c][()], equal_nan=True), (g, c, a[g][c][()], b[g][c][()])
if "/weights" in a:
    assert np.array_equal(a["/weights"][()], b["/weights"][()]), "weights differ"
' "$1" "$2" || fail "$3: the resumed run differs from the uninterrupted one"
}

for kind in c b; do
    # ---- volume: the points done so far are written; the resumed table is bitwise the same.
    V=("$TCMBP" volume --quiet "$D/$kind.h5" -r "$D/$kind.h5:/teacher" --steps 30 --lambda-max 100)
    run_ok "${V[@]}" -o "$D/vol_$kind.full.h5"
    interrupt "vol_$kind" "${V[@]}" -o "$D/vol_$kind.part.h5"
    py 'f = h5py.File(sys.argv[1], "r"); assert f["/volume"].attrs["status"] == "interrupted" and len(f["/volume/lambda"]) < 30' \
        "$D/vol_$kind.part.h5" || fail "vol_$kind: the interrupted table"
    run_ok "${V[@]}" -o "$D/vol_$kind.resumed.h5" --checkpoint "$D/vol_$kind.ck.h5" --resume --threads 1
    same_results "$D/vol_$kind.full.h5" "$D/vol_$kind.resumed.h5" "volume ($kind)"
    # The checkpoint is now finished: resuming again writes the same result (no work left).
    run_ok "${V[@]}" -o "$D/vol_$kind.again.h5" --checkpoint "$D/vol_$kind.ck.h5" --resume
    same_results "$D/vol_$kind.full.h5" "$D/vol_$kind.again.h5" "volume ($kind) from a finished checkpoint"
    echo "ok: volume ($kind): SIGTERM, --resume and a finished checkpoint reproduce the uninterrupted run"
done

# ---- solve, binary (continuous: tests/cli/test_solve.sh): steps of several sweeps, cut inside one.
S=("$TCMBP" solve --quiet "$D/b.h5" --protocol scoping --gamma-min 0.05 --gamma-max 3 --steps 200 --y 3 --max-sweeps 40
   --no-stop-at-solution)
run_ok "${S[@]}" -o "$D/sol_b.full.h5"
interrupt sol_b "${S[@]}" -o "$D/sol_b.part.h5"
run_ok "${S[@]}" -o "$D/sol_b.resumed.h5" --checkpoint "$D/sol_b.ck.h5" --resume --threads 1
same_results "$D/sol_b.full.h5" "$D/sol_b.resumed.h5" "solve (binary)"
run_ok "${S[@]}" -o "$D/sol_b.again.h5" --checkpoint "$D/sol_b.ck.h5" --resume
same_results "$D/sol_b.full.h5" "$D/sol_b.again.h5" "solve (binary) from a finished checkpoint"
echo "ok: solve (binary): SIGTERM, --resume and a finished checkpoint reproduce the uninterrupted run"

# ---- checkpoint paths: an existing file is never overwritten without --force or --resume,
# nor the instance or the output itself.
expect_fail 1 "exists" "$TCMBP" solve --quiet "$D/b.h5" -o "$D/x.h5" --checkpoint "$D/sol_b.part.h5"
expect_fail 1 "same file" "$TCMBP" solve --quiet "$D/b.h5" -o "$D/x.h5" --checkpoint "$D/x.h5"
expect_fail 1 "INSTANCE and --checkpoint name the same file" "$TCMBP" volume --quiet "$D/c.h5" -r "$D/c.h5:/teacher" --checkpoint "$D/c.h5"
expect_fail 2 "resume needs --checkpoint" "$TCMBP" volume --quiet "$D/c.h5" -r "$D/c.h5:/teacher" --resume
expect_fail 1 "continuous-weight run, not a binary-weight" \
    "$TCMBP" volume --quiet "$D/b.h5" -r "$D/b.h5:/teacher" -o "$D/x.h5" --checkpoint "$D/vol_c.ck.h5" --resume
# A result left by an interrupted run may be replaced by its --resume (without --force); a finished one not.
run_ok "$TCMBP" volume --quiet "$D/c.h5" -r "$D/c.h5:/teacher" --steps 30 --lambda-max 100 -o "$D/vol_c.part.h5" \
    --checkpoint "$D/vol_c.ck.h5" --resume
same_results "$D/vol_c.full.h5" "$D/vol_c.part.h5" "volume (c) resumed onto its interrupted result"
expect_fail 1 "exists" "$TCMBP" volume --quiet "$D/c.h5" -r "$D/c.h5:/teacher" --steps 30 --lambda-max 100 -o "$D/vol_c.full.h5" \
    --checkpoint "$D/vol_c.ck.h5" --resume
# Another reference or other run parameters are refused on --resume.
"$TCMBP" generate --N 150 --K 3 --alpha 0.1 --seed 9 --teacher --quiet -o "$D/other.h5" >/dev/null
expect_fail 1 "another reference" "$TCMBP" volume --quiet "$D/c.h5" -r "$D/other.h5:/teacher" --steps 30 --lambda-max 100 -o "$D/y.h5" \
    --checkpoint "$D/vol_c.ck.h5" --resume
expect_fail 1 "other run parameters.*damping=0.5.*damping=0.3" "$TCMBP" volume --quiet "$D/c.h5" -r "$D/c.h5:/teacher" \
    --steps 30 --lambda-max 100 --damping 0.3 -o "$D/y.h5" --checkpoint "$D/vol_c.ck.h5" --resume
expect_fail 1 "other run parameters" "${S[@]}" --tol 1e-4 -o "$D/y.h5" --checkpoint "$D/sol_b.ck.h5" --resume
# -o and --csv naming one file.
expect_fail 1 "same file" "$TCMBP" volume --quiet "$D/c.h5" -r "$D/c.h5:/teacher" -o "$D/y.h5" --csv "$D/y.h5"
echo "test_resume: all checks passed"
