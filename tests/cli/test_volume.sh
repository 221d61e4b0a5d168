# tcmbp volume: the curve around a teacher (a solution) is <= 0 and rises as
# d shrinks; HDF5 table and CSV agree; clear errors for bad references.
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate --N 201 --K 3 --alpha 1.0 --teacher --seed 2 --quiet -o "$D/t.h5" >/dev/null
run_ok "$TCMBP" volume --quiet "$D/t.h5" --reference "$D/t.h5:/teacher" --lambdas 0.5,2,8,32,128 \
    --cavity fast -o "$D/v.h5" --csv "$D/v.csv"
grep -q "status=done" "$LOG/out" && grep -q "points=5" "$LOG/out" || fail "volume summary: $(cat "$LOG/out")"
py '
f = h5py.File(sys.argv[1], "r")
v = f["/volume"]
d, s, conv = v["distance"][()], v["local_entropy"][()], v["converged"][()]
assert conv.all(), "all five couplings should converge around the teacher"
assert (s <= 1e-6).all(), "S - S0 must be <= 0"
assert (np.diff(d) < 0).all() and (np.diff(s) > 0).all(), "d must shrink and S - S0 rise with lambda"
ref = f["/reference"][()]
assert np.allclose((ref**2).sum(axis=1), 67)
csv = np.genfromtxt(sys.argv[2], delimiter=",", names=True)
assert np.allclose(csv["local_entropy"], s, rtol=0, atol=1e-15)
' "$D/v.h5" "$D/v.csv" || fail "volume table content"
echo "ok: teacher curve <= 0 and rising; CSV matches HDF5"

# A reference of the wrong shape, with a zero-norm unit, missing; bad couplings.
py 'np.save(sys.argv[1], np.ones((3, 66)))
w = np.ones((3, 67)); w[1] = 0; np.save(sys.argv[2], w)' "$D/shape.npy" "$D/zero.npy"
expect_fail 1 "shape" "$TCMBP" volume "$D/t.h5" --reference "$D/shape.npy"
expect_fail 1 "zero norm" "$TCMBP" volume "$D/t.h5" --reference "$D/zero.npy"
expect_fail 2 "missing --reference" "$TCMBP" volume "$D/t.h5"
expect_fail 2 "lambdas" "$TCMBP" volume "$D/t.h5" --reference "$D/t.h5:/teacher" --lambdas 1,nan
expect_fail 2 "lambdas" "$TCMBP" volume "$D/t.h5" --reference "$D/t.h5:/teacher" --lambdas 1,-2
expect_fail 2 "lambda" "$TCMBP" volume "$D/t.h5" --reference "$D/t.h5:/teacher" --lambda-min 5 --lambda-max 1
expect_fail 1 "exists" "$TCMBP" volume "$D/t.h5" --reference "$D/t.h5:/teacher" -o "$D/v.h5"

# The stability check: the columns in HDF5 and CSV and the summary keys; at
# --tol 0.1 the first point drifts (stable = valid = 0, still converged); bad values refused.
run_ok "$TCMBP" volume --quiet --json "$D/t.h5" --reference "$D/t.h5:/teacher" --lambdas 0.5,2 --cavity fast \
    --tol 0.1 -o "$D/vs.h5" --csv "$D/vs.csv"
py '
import json
js = json.loads(open(sys.argv[3]).read())
v = h5py.File(sys.argv[1], "r")["/volume"]
csv = np.genfromtxt(sys.argv[2], delimiter=",", names=True)
assert v["converged"][0] == 1 and v["stable"][0] == 0 and v["valid"][0] == 0, "tol 0.1: point 1 must drift"
assert v["drift_distance"][0] > 1e-4 and (csv["drift_entropy"] == v["drift_entropy"][()]).all()
assert js["stable"] == int(v["stable"][()].sum()) and js["check_sweeps"] == int(v["check_sweeps"][()].sum()) > 0
assert v.attrs["stability"] == 10 and v.attrs["drift_max"] == 1e-4
' "$D/vs.h5" "$D/vs.csv" "$LOG/out" || fail "stability columns: $(cat "$LOG/out")"
expect_fail 2 "stability" "$TCMBP" volume "$D/t.h5" --reference "$D/t.h5:/teacher" --stability 0.5
expect_fail 2 "drift-max" "$TCMBP" volume "$D/t.h5" --reference "$D/t.h5:/teacher" --drift-max -1
echo "ok: stability check columns, summary and refusals"
echo "test_volume: all checks passed"
