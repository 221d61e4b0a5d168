# Binary weights on the command line: bp (alpha = 0 entropy ln 2, warm start
# from a checkpoint), solve (tree and fully connected, verified by eval;
# history table; routing by the instance's weight kind; 1 and 2 threads
# identical; --init from a checkpoint of another protocol; SIGINT), volume
# (table, CSV, alpha = 0 curve), import-patterns (plain and gzipped Julia
# files), and clear errors for bad options and files.
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate --N 99 --K 3 --alpha 0.4 --weights binary --seed 5 --quiet -o "$D/tree.h5" >/dev/null
"$TCMBP" generate --N 45 --K 3 --alpha 0.3 --arch full --weights binary --seed 6 --quiet -o "$D/full.h5" >/dev/null

# ---- bp: alpha = 0 gives ln 2; the run's checkpoint restarts it converged.
run_ok "$TCMBP" bp --json "$D/tree.h5" --weights binary --patterns 0
py 'import math; d = json.load(open(sys.argv[1])); assert d["status"] == "converged" and abs(d["entropy"] - math.log(2)) < 1e-14, d' \
    "$LOG/out" || fail "alpha = 0 entropy: $(cat "$LOG/out")"
run_ok "$TCMBP" bp --json "$D/tree.h5" --weights binary --checkpoint -o "$D/bp.h5"
[ "$(json_get status)" = converged ] || fail "bp did not converge: $(cat "$LOG/out")"
S1=$(json_get entropy)
py '
f = h5py.File(sys.argv[1], "r")
assert f.attrs["file_kind"] == "bp" and f["/bp"].attrs["weights"] == "binary"
assert f["/bp/magnetization"].shape == (3, 33) and f["/checkpoint/f"].shape == (40, 3, 33)
assert np.all(np.abs(f["/bp/magnetization"][()]) < 1)
' "$D/bp.h5" || fail "bp.h5 layout"
run_ok "$TCMBP" bp --json "$D/tree.h5" --weights binary --init "$D/bp.h5"
py 'd = json.load(open(sys.argv[1])); assert d["sweeps"] <= 3 and abs(d["entropy"] - float(sys.argv[2])) < 1e-5, d' \
    "$LOG/out" "$S1" || fail "warm start from the checkpoint: $(cat "$LOG/out")"

# ---- solve: tree (one sweep per step) and full (converged steps), checked by eval.
run_ok "$TCMBP" solve --json "$D/tree.h5" --weights binary --dx 0.01 -o "$D/sol_tree.h5"
[ "$(json_get status)" = solved ] || fail "tree not solved: $(cat "$LOG/out")"
run_ok "$TCMBP" eval --json "$D/tree.h5" "$D/sol_tree.h5"
[ "$(json_get errors)" = 0 ] && [ "$(json_get kind)" = binary ] || fail "eval of the tree solution: $(cat "$LOG/out")"
run_ok "$TCMBP" solve --json "$D/full.h5" --weights binary --dx 0.01 --max-sweeps 100 -o "$D/sol_full.h5"
[ "$(json_get status)" = solved ] || fail "full not solved: $(cat "$LOG/out")"
run_ok "$TCMBP" eval --json "$D/full.h5" "$D/sol_full.h5"
[ "$(json_get errors)" = 0 ] || fail "eval of the full solution: $(cat "$LOG/out")"
py '
f = h5py.File(sys.argv[1], "r")
w = f["/weights"]
assert w.dtype == np.int8 and w.shape == (3, 33) and set(np.unique(w[()])) <= {-1, 1}
assert w.attrs["kind"] == "binary" and f.attrs["kind"] == "binary"
h = f["/solve/history"]
cols = list(h.attrs["columns"])
for c in ("step", "gamma", "pol", "y", "S", "q", "q_tilde", "F", "free_entropy", "sigma_int", "errors", "sweeps"):
    assert c in cols, c
n = f["/solve"].attrs["steps"]
assert len(h["y"]) == n and h["errors"][-1] == 0 and f["/solve"].attrs["status"] == "solved"
assert np.all(np.isinf(h["gamma"][()])) and np.all(h["pol"][()] == 1.0)
assert np.all(np.isfinite(h["sigma_int"][()])) and np.all(np.diff(h["y"][()]) > 0)
' "$D/sol_tree.h5" || fail "sol_tree.h5 layout"

# The instance's default weight kind (binary) routes solve without --weights.
run_ok "$TCMBP" solve --json "$D/tree.h5" --dx 0.01 -o "$D/sol_route.h5"
[ "$(json_get weights)" = binary ] && [ "$(json_get status)" = solved ] || fail "routing by kind: $(cat "$LOG/out")"

# 1 and 2 threads: identical weights and history (timings aside).
"$TCMBP" generate --N 600 --K 3 --alpha 0.5 --weights binary --seed 9 --quiet -o "$D/big.h5" >/dev/null
for t in 1 2; do
    run_ok "$TCMBP" solve "$D/big.h5" --weights binary --dx 0.05 --max-sweeps 2 --threads $t -o "$D/sol_t$t.h5"
done
py '
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert np.array_equal(a["/weights"][()], b["/weights"][()])
for c in a["/solve/history"].attrs["columns"]:
    if c != "seconds":
        assert np.array_equal(a["/solve/history"][c][()], b["/solve/history"][c][()], equal_nan=True), c
' "$D/sol_t1.h5" "$D/sol_t2.h5" || fail "1 and 2 threads differ"

# A checkpoint of one protocol starts a run with another.
run_ok "$TCMBP" solve "$D/tree.h5" --weights binary --protocol scoping --gamma-min 0.5 --gamma-max 2 --steps 3 --y 3 \
    --no-stop-at-solution --checkpoint "$D/ck.h5" -o "$D/sol_scope.h5"
py 'f = h5py.File(sys.argv[1], "r"); assert f.attrs["file_kind"] == "run_checkpoint" and f["/checkpoint/ustar"].shape == (3, 33)' \
    "$D/ck.h5" || fail "checkpoint file layout"
run_ok "$TCMBP" solve --json "$D/tree.h5" --weights binary --init "$D/ck.h5" --protocol pseudo-reinforcement --drho 0.02 -o "$D/sol_init.h5"
[ "$(json_get status)" = solved ] || fail "--init from a scoping checkpoint: $(cat "$LOG/out")"

# SIGINT: exit 3, SOL.h5 with /checkpoint, usable by --init.
"$TCMBP" generate --N 1001 --K 1 --alpha 0.7 --weights binary --seed 3 --quiet -o "$D/hard.h5" >/dev/null
rc=0
"$TCMBP" solve "$D/hard.h5" --weights binary --dx 0.00001 --threads 1 --quiet -o "$D/sol_int.h5" >"$LOG/out" 2>"$LOG/err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid || rc=$?
[ "$rc" -eq 3 ] || fail "SIGINT: expected exit 3, got $rc ($(cat "$LOG/err"))"
grep -q "status=interrupted" "$LOG/out" || fail "SIGINT summary: $(cat "$LOG/out")"
py 'f = h5py.File(sys.argv[1], "r"); assert "/checkpoint/f" in f and f["/solve"].attrs["status"] == "interrupted"' \
    "$D/sol_int.h5" || fail "interrupted SOL.h5 lacks /checkpoint"
run_ok "$TCMBP" solve "$D/hard.h5" --weights binary --init "$D/sol_int.h5" --dx 0.5 -o "$D/sol_int2.h5"

# ---- volume: a table around the solution; at alpha = 0, S - S0 = 0.
run_ok "$TCMBP" volume --json "$D/tree.h5" --weights binary --reference "$D/sol_tree.h5" --steps 5 -o "$D/vol.h5" --csv "$D/vol.csv"
[ "$(json_get status)" = done ] && [ "$(json_get converged)" = 5 ] && [ "$(json_get reference_errors)" = 0 ] || fail "volume: $(cat "$LOG/out")"
[ "$(wc -l <"$D/vol.csv")" -eq 6 ] || fail "vol.csv should have a header and 5 rows"
py '
f = h5py.File(sys.argv[1], "r")
t = f["/volume"]
assert list(t.attrs["columns"]) == ["lambda", "distance", "entropy", "s0", "local_entropy", "converged", "valid",
                                   "reliable", "status", "sweeps", "change", "q", "limit", "legendre", "damping",
                                   "stable", "drift_entropy", "drift_distance", "check_sweeps", "overlap", "seconds"]
n = 33  # n d (1 - d) < 1: the CLT hidden factor is not reliable there, so the point is not valid
rel = n * t["distance"][()] * (1 - t["distance"][()]) >= 1
assert np.all(t["reliable"][()] == rel) and np.all(t["valid"][()] == rel) and rel[0] and t["stable"][()].all()
d, le = t["distance"][()], t["local_entropy"][()]
assert len(d) == 5 and np.all(np.diff(d) < 0) and np.all(le < 1e-4) and np.all(t["converged"][()] == 1)
' "$D/vol.h5" || fail "vol.h5 table"
run_ok "$TCMBP" volume --json "$D/tree.h5" --weights binary --reference "$D/sol_tree.h5" --patterns 0 --lambdas 0.1,1,4
py 'd = json.load(open(sys.argv[1])); assert abs(d["local_entropy"]) < 1e-12, d' "$LOG/out" || fail "alpha = 0 curve: $(cat "$LOG/out")"

# ---- import-patterns: the Julia format, plain and gzipped; outputs all +1.
py '
import gzip
x = h5py.File(sys.argv[1], "r")["/patterns"][()]
lines = "\n".join(" ".join("%d" % v for v in row) for row in x) + "\n"
open(sys.argv[2], "w").write(lines)
gzip.open(sys.argv[3], "wt").write(lines.replace(" 1", " 1.0"))
' "$D/tree.h5" "$D/pat.txt" "$D/pat.txt.gz"
run_ok "$TCMBP" import-patterns --json "$D/pat.txt.gz" --K 3 --arch tree -o "$D/imp.h5"
[ "$(json_get M)" = 40 ] && [ "$(json_get N)" = 99 ] && [ "$(json_get weights)" = binary ] || fail "import: $(cat "$LOG/out")"
run_ok "$TCMBP" import-patterns "$D/pat.txt" --K 3 -o "$D/imp_full.h5"
py '
a, b, c = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), h5py.File(sys.argv[3], "r")
assert np.array_equal(a["/patterns"][()], b["/patterns"][()]) and np.all(b["/outputs"][()] == 1)
assert b.attrs["arch"] == "tree" and c.attrs["arch"] == "full" and c.attrs["n"] == 99 and b.attrs["weights"] == "binary"
' "$D/tree.h5" "$D/imp.h5" "$D/imp_full.h5" || fail "imported patterns differ"
run_ok "$TCMBP" solve --json "$D/imp.h5" --dx 0.01 -o "$D/sol_imp.h5"
[ "$(json_get status)" = solved ] || fail "solve on imported patterns: $(cat "$LOG/out")"

# ---- errors
printf '1 -1 1\n1 2 -1\n' >"$D/bad_entry.txt"
printf '1 -1 1\n1 -1\n' >"$D/ragged.txt"
printf '1 -1 1 1\n' >"$D/four.txt"
printf 'not gzip at all' | gzip -c | head -c 20 >"$D/trunc.txt.gz"
expect_fail 1 "bad_entry\.txt line 2.*\"2\"" "$TCMBP" import-patterns "$D/bad_entry.txt" --K 1 -o "$D/x.h5"
expect_fail 1 "ragged\.txt line 2.*2 entries" "$TCMBP" import-patterns "$D/ragged.txt" --K 1 -o "$D/x.h5"
expect_fail 1 "multiple of K" "$TCMBP" import-patterns "$D/four.txt" --K 3 --arch tree -o "$D/x.h5"
expect_fail 1 "trunc\.txt\.gz" "$TCMBP" import-patterns "$D/trunc.txt.gz" --K 1 -o "$D/x.h5"
expect_fail 1 "missing\.txt" "$TCMBP" import-patterns "$D/missing.txt" --K 1 -o "$D/x.h5"
expect_fail 2 "--K" "$TCMBP" import-patterns "$D/four.txt" --K 2 -o "$D/x.h5"
expect_fail 2 "--damping" "$TCMBP" solve "$D/tree.h5" --weights binary --damping 1 -o "$D/x.h5"
expect_fail 2 "--protocol" "$TCMBP" solve "$D/tree.h5" --weights binary --protocol annealing -o "$D/x.h5"
expect_fail 2 "steps-list" "$TCMBP" solve "$D/tree.h5" --weights binary --protocol list -o "$D/x.h5"
expect_fail 2 "--hidden" "$TCMBP" bp "$D/tree.h5" --weights binary --hidden gauss
expect_fail 2 "--reference" "$TCMBP" volume "$D/tree.h5" --weights binary -o "$D/x.h5"
expect_fail 1 "checkpoint is for M=40" "$TCMBP" solve "$D/full.h5" --weights binary --init "$D/ck.h5" -o "$D/x.h5"
py 'h5py.File(sys.argv[1], "w").create_dataset("/checkpoint/U", data=np.zeros((40, 3, 33)))' "$D/cont_ck.h5"
expect_fail 1 "continuous" "$TCMBP" bp "$D/tree.h5" --weights binary --init "$D/cont_ck.h5"
py 'np.save(sys.argv[1], np.full((3, 33), 0.5))' "$D/half.npy"
expect_fail 1 "half\.npy.*(\+-1|binary)" "$TCMBP" volume "$D/tree.h5" --weights binary --reference "$D/half.npy"
expect_fail 1 "exists" "$TCMBP" solve "$D/tree.h5" --weights binary -o "$D/sol_tree.h5"
echo "test_binary: all passed"
