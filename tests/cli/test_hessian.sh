# tcmbp hessian: the full spectrum (LAPACK) and Lanczos agree on the largest
# eigenvalue; --json reports max_eigenvalue; the spectrum goes to
# /hessian/eigenvalues with its attributes; usage and file errors.
. "$(dirname "$0")/common.sh"
need_py
"$TCMBP" generate --N 31 --K 3 --M 60 --arch full --teacher --seed 2 --quiet -o "$D/i.h5" >/dev/null
run_ok "$TCMBP" hessian --json --beta 2 --method full -o "$D/full.h5" "$D/i.h5" "$D/i.h5:/teacher"
cp "$LOG/out" "$D/full.json"
run_ok "$TCMBP" hessian --json --beta 2 --method lanczos --top 3 -o "$D/lz.h5" "$D/i.h5" "$D/i.h5:/teacher"
py '
f, l = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert f["method"] == "full" and l["method"] == "lanczos" and f["dim"] == 93 and l["status"] == "converged"
assert abs(f["max_eigenvalue"] - l["max_eigenvalue"]) <= 1e-8 * abs(f["max_eigenvalue"]), (f, l)
ev = h5py.File(sys.argv[3], "r")["/hessian/eigenvalues"][()]
g = h5py.File(sys.argv[3], "r")["/hessian"].attrs
assert len(ev) == 93 and (np.diff(ev) >= 0).all() and ev[-1] == f["max_eigenvalue"] and g["beta"] == 2
top = h5py.File(sys.argv[4], "r")["/hessian/eigenvalues"][()]
assert len(top) == 3 and np.allclose(top, ev[::-1][:3], rtol=1e-7, atol=1e-12), (top, ev[-3:])
' "$D/full.json" "$LOG/out" "$D/full.h5" "$D/lz.h5" || fail "full and Lanczos spectra disagree"
run_ok "$TCMBP" hessian --beta 2 "$D/i.h5" "$D/i.h5:/teacher"
grep -q "method=full" "$LOG/out" || fail "auto should take the full spectrum at dim 93: $(cat "$LOG/out")"
run_ok "$TCMBP" hessian --json --beta 2 --output-unit tanh "$D/i.h5" "$D/i.h5:/teacher"
py 'a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["output_unit"] == "linear" and b["output_unit"] == "tanh" and a["max_eigenvalue"] != b["max_eigenvalue"]' \
    "$D/full.json" "$LOG/out" || fail "--output-unit"
expect_fail 2 "--output-unit" "$TCMBP" hessian --beta 1 --output-unit relu "$D/i.h5" "$D/i.h5:/teacher"
expect_fail 2 "--beta" "$TCMBP" hessian "$D/i.h5" "$D/i.h5:/teacher"
expect_fail 2 "--method" "$TCMBP" hessian --beta 1 --method qr "$D/i.h5" "$D/i.h5:/teacher"
expect_fail 1 "exists.*--force" "$TCMBP" hessian --beta 2 -o "$D/full.h5" "$D/i.h5" "$D/i.h5:/teacher"
expect_fail 1 "shape" "$TCMBP" hessian --beta 2 "$D/i.h5" "$D/lz.h5:/hessian/eigenvalues"
echo "test_hessian: all passed"
