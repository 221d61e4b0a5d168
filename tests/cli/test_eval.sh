# tcmbp eval: the teacher of a teacher instance makes no errors; weights
# round-trip through .npy, text and CSV; --outputs; and clear errors for bad
# weights (shape, NaN, Inf, zero norm, not +-1) and bad instances.
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate --N 99 --K 3 --alpha 1.0 --teacher --seed 1 --quiet -o "$D/t.h5" >/dev/null
"$TCMBP" generate --N 99 --K 3 --alpha 1.0 --teacher --weights binary --seed 2 --quiet -o "$D/b.h5" >/dev/null

# The teacher stores no errors; continuous weights are normalised per unit.
run_ok "$TCMBP" eval "$D/t.h5" "$D/t.h5:/teacher"
for kv in status=solved errors=0 M=99 kind=continuous normalized=per_unit; do
    grep -q "\(^\| \)$kv\( \|$\)" "$LOG/out" || fail "eval summary lacks $kv: $(cat "$LOG/out")"
done
run_ok "$TCMBP" eval --json "$D/t.h5" "$D/t.h5:/teacher"
"$PY" -c 'import json,sys; json.loads(sys.stdin.read())' <"$LOG/out" || fail "eval --json is not JSON"
[ "$(json_get errors)" = 0 ] && [ "$(json_get status)" = solved ] || fail "teacher errors: $(cat "$LOG/out")"
# (a single unit's stability may be negative: only the majority vote must be right)
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["error_rate"] == 0 and d["mean_stability"] > 0' \
    "$LOG/out" || fail "teacher stabilities: $(cat "$LOG/out")"
run_ok "$TCMBP" eval --json "$D/b.h5" "$D/b.h5:/teacher"
[ "$(json_get errors)" = 0 ] && [ "$(json_get kind)" = binary ] && [ "$(json_get normalized)" = none ] ||
    fail "binary teacher: $(cat "$LOG/out")"
# --weights (as on bp/volume/solve) overrides the instance's kind: the +-1
# teacher read as continuous weights, normalised, still makes no error
run_ok "$TCMBP" eval --json --weights continuous "$D/b.h5" "$D/b.h5:/teacher"
[ "$(json_get errors)" = 0 ] && [ "$(json_get kind)" = continuous ] && [ "$(json_get normalized)" = per_unit ] ||
    fail "binary teacher read with --weights continuous: $(cat "$LOG/out")"

# Round trips: the same teacher from .npy, .txt (whitespace), .csv and a
# weights-only HDF5 give identical per-pattern fields.
py '
t = h5py.File(sys.argv[1], "r")["/teacher"][()]
np.save(sys.argv[2], t)
np.savetxt(sys.argv[3], t, fmt="%.17g")
np.savetxt(sys.argv[4], t, fmt="%.17g", delimiter=",")
with h5py.File(sys.argv[5], "w") as f:
    f["/weights"] = t
np.save(sys.argv[6], t.ravel())
' "$D/t.h5" "$D/w.npy" "$D/w.txt" "$D/w.csv" "$D/w.h5" "$D/flat.npy"
run_ok "$TCMBP" eval --outputs "$D/o_ref.h5" "$D/t.h5" "$D/t.h5:/teacher"
grep -q "outputs=$D/o_ref.h5" "$LOG/out" || fail "summary does not name the outputs file"
for src in w.npy w.txt w.csv w.h5 flat.npy; do
    run_ok "$TCMBP" eval --outputs "$D/o_$src.h5" "$D/t.h5" "$D/$src"
    grep -q "errors=0" "$LOG/out" || fail "teacher via $src: $(cat "$LOG/out")"
    py '
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for k in ("/eval/outputs", "/eval/fields", "/eval/wrong"):
    assert np.array_equal(a[k][()], b[k][()]), k
assert a["/eval/fields"].shape == (99, 3) and not a["/eval/wrong"][()].any()
assert np.array_equal(a["/eval/outputs"][()], h5py.File(sys.argv[3], "r")["/outputs"][()])
' "$D/o_ref.h5" "$D/o_$src.h5" "$D/t.h5" || fail "per-pattern results via $src differ"
done
# Random weights on a random instance: errors reported, still exit 0.
"$TCMBP" generate --N 99 --K 3 --alpha 2.0 --seed 4 --quiet -o "$D/r.h5" >/dev/null
py 'np.save(sys.argv[1], np.random.default_rng(0).standard_normal((3, 33)))' "$D/rand.npy"
run_ok "$TCMBP" eval --json "$D/r.h5" "$D/rand.npy"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["errors"] > 0 and d["status"] == "unsolved"' \
    "$LOG/out" || fail "random weights: $(cat "$LOG/out")"

# --outputs refuses an existing file (unchanged) unless --force.
cp "$D/o_ref.h5" "$D/o_keep.h5"
expect_fail 1 "exists.*--force" "$TCMBP" eval --outputs "$D/o_ref.h5" "$D/r.h5" "$D/rand.npy"
cmp -s "$D/o_ref.h5" "$D/o_keep.h5" || fail "refused --outputs file changed"
run_ok "$TCMBP" eval --force --outputs "$D/o_ref.h5" "$D/r.h5" "$D/rand.npy"
! cmp -s "$D/o_ref.h5" "$D/o_keep.h5" || fail "--force did not overwrite --outputs"
expect_fail 1 "does not exist" "$TCMBP" eval --outputs "$D/no/dir.h5" "$D/t.h5" "$D/w.npy"

# Bad weights: wrong shape, NaN, Inf, a zero-norm unit, non +-1 binary.
py '
t = h5py.File(sys.argv[1], "r")["/teacher"][()]
np.savetxt(sys.argv[2], t[:, :30])
np.save(sys.argv[3], np.ascontiguousarray(t.T))
bad = t.copy(); np.savetxt(sys.argv[4], bad)
z = t.copy(); z[1, :] = 0; np.savetxt(sys.argv[5], z)
np.savetxt(sys.argv[6], np.sign(t) * 0.5)
' "$D/t.h5" "$D/short.txt" "$D/transposed.npy" "$D/nan.txt" "$D/zero.txt" "$D/half.txt"
sed -i '2s/^[^ ]*/nan/' "$D/nan.txt"
sed 's/nan/inf/' "$D/nan.txt" >"$D/inf.txt"
sed 's/nan/-Inf/' "$D/nan.txt" >"$D/minf.txt"
expect_fail 1 "short\.txt.*(shape|size|entries|values|column|3 ?x ?33|99)" "$TCMBP" eval "$D/t.h5" "$D/short.txt"
expect_fail 1 "transposed\.npy.*(shape|size|33|99)" "$TCMBP" eval "$D/t.h5" "$D/transposed.npy"
py 'np.save(sys.argv[2], np.asfortranarray(h5py.File(sys.argv[1], "r")["/teacher"][()]))' "$D/t.h5" "$D/fortran.npy"
expect_fail 1 "fortran\.npy.*fortran" "$TCMBP" eval "$D/t.h5" "$D/fortran.npy"
expect_fail 1 "nan\.txt.*(nan|finite)" "$TCMBP" eval "$D/t.h5" "$D/nan.txt"
expect_fail 1 "inf\.txt.*(inf|finite)" "$TCMBP" eval "$D/t.h5" "$D/inf.txt"
expect_fail 1 "minf\.txt.*(inf|finite)" "$TCMBP" eval "$D/t.h5" "$D/minf.txt"
expect_fail 1 "zero\.txt.*unit 1.*zero norm" "$TCMBP" eval "$D/t.h5" "$D/zero.txt"
expect_fail 1 "half\.txt.*(\+-1|binary|±1)" "$TCMBP" eval --kind binary "$D/t.h5" "$D/half.txt"
expect_fail 2 "--kind\) must be" "$TCMBP" eval --kind ternary "$D/t.h5" "$D/w.npy"
expect_fail 1 "half\.txt.*(\+-1|binary|±1)" "$TCMBP" eval --weights binary "$D/t.h5" "$D/half.txt"
expect_fail 2 "--weights \(--kind\) must be" "$TCMBP" eval --weights ternary "$D/t.h5" "$D/w.npy"
expect_fail 2 "disagree" "$TCMBP" eval --kind binary --weights continuous "$D/t.h5" "$D/w.npy"
expect_fail 1 "missing\.npy" "$TCMBP" eval "$D/t.h5" "$D/missing.npy"
expect_fail 1 "nosuch" "$TCMBP" eval "$D/t.h5" "$D/t.h5:/nosuch"
expect_fail 1 "weights" "$TCMBP" eval "$D/t.h5" "$D/t.h5"

# Bad instances: an entry that is not +-1, missing datasets, newer schema, missing file.
cp "$D/t.h5" "$D/three.h5"
py 'f = h5py.File(sys.argv[1], "r+"); p = f["/patterns"]; p[5, 7] = 3' "$D/three.h5"
expect_fail 1 "three\.h5.*(pattern|entr|\+-1|±1)" "$TCMBP" eval "$D/three.h5" "$D/w.npy"
py 'h5py.File(sys.argv[1], "w")["/foo"] = np.zeros(3)' "$D/foo.h5"
expect_fail 1 "foo\.h5.*(patterns|instance|outputs)" "$TCMBP" eval "$D/foo.h5" "$D/w.npy"
cp "$D/t.h5" "$D/newer.h5"
py 'h5py.File(sys.argv[1], "r+").attrs["schema_version"] = 99' "$D/newer.h5"
expect_fail 1 "schema.*99|99.*schema" "$TCMBP" eval "$D/newer.h5" "$D/w.npy"
expect_fail 1 "nothere\.h5" "$TCMBP" eval "$D/nothere.h5" "$D/w.npy"

# --test: errors on a second instance (the teacher's own patterns make none;
# another teacher's patterns some); --noise: the robustness curve, seeded,
# accuracy 1 at eta = 0, in the summary (JSON arrays) and /eval/robustness.
"$TCMBP" generate --N 99 --K 3 --alpha 1.0 --teacher --seed 9 --quiet -o "$D/t9.h5" >/dev/null
run_ok "$TCMBP" eval --json --test "$D/t9.h5" --noise 0,0.2,1 --noise-draws 4 --outputs "$D/rob.h5" \
    "$D/t.h5" "$D/t.h5:/teacher"
py '
d = json.load(open(sys.argv[1]))
assert d["test_M"] == 99 and d["test_errors"] > 0 and d["test_error_rate"] == d["test_errors"] / 99, d
acc = d["noise_accuracy"]
assert d["noise_eta"] == [0, 0.2, 1] and acc[0] == 1 and acc[1] < 1 and abs(acc[2] - 0.5) < 0.2, d
assert d["noise_accuracy_stderr"][0] == 0 and d["noise_draws"] == 4
t = h5py.File(sys.argv[2], "r")["/eval/robustness"]
assert list(t["accuracy"][()]) == acc and list(t["eta"][()]) == [0, 0.2, 1]
' "$LOG/out" "$D/rob.h5" || fail "test error / robustness: $(cat "$LOG/out")"
cp "$LOG/out" "$D/rob1.json"
run_ok "$TCMBP" eval --json --noise 0.2 --noise-draws 4 "$D/t.h5" "$D/t.h5:/teacher"
py 'a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["noise_accuracy"][1] == b["noise_accuracy"][0]' "$D/rob1.json" "$LOG/out" || fail "noise not reproducible"
run_ok "$TCMBP" eval --json --seed 2 --noise 0.2 --noise-draws 4 "$D/t.h5" "$D/t.h5:/teacher"
py 'a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["noise_accuracy"][1] != b["noise_accuracy"][0]' "$D/rob1.json" "$LOG/out" || fail "--seed does not change the noise"
"$TCMBP" generate --N 45 --K 3 --alpha 1.0 --seed 9 --quiet -o "$D/n45.h5" >/dev/null
expect_fail 1 "another machine" "$TCMBP" eval --test "$D/n45.h5" "$D/t.h5" "$D/t.h5:/teacher"
expect_fail 2 "--noise fractions" "$TCMBP" eval --noise 1.5 "$D/t.h5" "$D/t.h5:/teacher"
expect_fail 2 "--noise-draws" "$TCMBP" eval --noise 0.1 --noise-draws 0 "$D/t.h5" "$D/t.h5:/teacher"
echo "test_eval: all passed"
