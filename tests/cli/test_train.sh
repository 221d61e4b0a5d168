# tcmbp train: every algorithm solves a small easy instance and writes a
# weights file that eval reads with 0 errors; the /train group records the
# run; the same seed gives the same weights; an existing output is refused
# without --force; bad options are usage errors naming the option.
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate --N 99 --K 3 --alpha 0.3 --seed 3 --quiet -o "$D/i.h5" >/dev/null

# Each trainer -> a weights file -> eval: 0 errors. Small batches and faster
# schedules keep the ceSGD runs short on 30 patterns.
train_ok() {
    local algo=$1 out=$2
    shift 2
    run_ok "$TCMBP" train --quiet "$D/i.h5" --algo "$algo" -o "$D/$out" "$@"
    for kv in status=solved errors=0 "algo=$algo" converged=true "output=$D/$out"; do
        grep -q "\(^\| \)$kv\( \|$\)" "$LOG/out" || fail "train $algo summary lacks $kv: $(cat "$LOG/out")"
    done
    run_ok "$TCMBP" eval "$D/i.h5" "$D/$out"
    grep -q "errors=0" "$LOG/out" || fail "eval of the $algo weights: $(cat "$LOG/out")"
}
train_ok lal lal.h5
train_ok elal elal.h5 --y 5 --lambda1 1e-2
train_ok cesgd-fast fast.h5 --batch 10
train_ok cesgd-slow slow.h5 --batch 10 --beta1 3e-3 --gamma1 3e-3
train_ok cesgd-fast fastg.h5 --batch 10 --step gradient

# The file: /weights exactly like a weights file, /train with the run.
py '
f = h5py.File(sys.argv[1], "r")
assert f.attrs["file_kind"] == "weights" and f.attrs["kind"] == "continuous"
assert f.attrs["normalization"] == "per-unit: sum_i w_ki^2 = n"
w = f["/weights"][()]
assert w.shape == (3, 33) and w.dtype == np.float64
assert np.allclose((w ** 2).sum(axis=1), 33, rtol=1e-12)
assert f["/weights"].attrs["K"] == 3 and f["/weights"].attrs["n"] == 33
t = f["/train"]
assert t.attrs["algorithm"] == "elal" and t.attrs["y"] == 5 and t.attrs["lambda1"] == 1e-2
assert t.attrs["status"] == "converged" and t.attrs["errors"] == 0 and t.attrs["distance"] < 1e-7
log = t["log"]
cols = [c.decode() if isinstance(c, bytes) else c for c in log.attrs["columns"]]
assert cols == ["epoch", "errors", "loss", "distance", "lambda", "beta", "gamma", "seconds"], cols
assert log["epoch"][0] == 0 and log["epoch"][-1] == t.attrs["epochs"]
assert len(log["epoch"]) == t.attrs["epochs"] + 1
' "$D/elal.h5" || fail "elal.h5 content"
py '
t = h5py.File(sys.argv[1], "r")["/train"]
assert t.attrs["algorithm"] == "cesgd-slow" and t.attrs["loss"] < 1e-7 and t.attrs["beta1"] == 3e-3
assert "y" not in t.attrs and np.isnan(t["log"]["lambda"][()]).all()
def step(path):
    v = h5py.File(path, "r")["/train"].attrs["step"]
    return v.decode() if isinstance(v, bytes) else v
assert step(sys.argv[1]) == "gradient" and step(sys.argv[2]) == "scaled" and step(sys.argv[3]) == "gradient"
' "$D/slow.h5" "$D/fast.h5" "$D/fastg.h5" || fail "slow.h5 / fast.h5 / fastg.h5 content"
echo "ok: weights files and /train groups"

# Same seed -> identical weights (any thread count); another seed differs.
run_ok "$TCMBP" train --quiet --threads 1 "$D/i.h5" --algo elal --y 4 --max-epochs 30 --seed 9 -o "$D/s1.h5"
grep -q "converged=false" "$LOG/out" || fail "30 epochs should not collapse the replicas: $(cat "$LOG/out")"
run_ok "$TCMBP" train --quiet --threads 2 "$D/i.h5" --algo elal --y 4 --max-epochs 30 --seed 9 -o "$D/s2.h5"
run_ok "$TCMBP" train --quiet "$D/i.h5" --algo elal --y 4 --max-epochs 30 --seed 10 -o "$D/s3.h5"
py '
a, b, c = (h5py.File(p, "r")["/weights"][()] for p in sys.argv[1:4])
assert np.array_equal(a, b), "same seed, different weights"
assert not np.array_equal(a, c), "different seeds, same weights"
' "$D/s1.h5" "$D/s2.h5" "$D/s3.h5" || fail "reproducibility"
echo "ok: seeded and thread independent"

# Existing output: refused (file unchanged) unless --force.
expect_fail 1 "exists.*--force" "$TCMBP" train "$D/i.h5" --algo lal -o "$D/lal.h5"
run_ok "$TCMBP" train --quiet --force "$D/i.h5" --algo lal --seed 4 -o "$D/lal.h5"

# Usage errors name the option.
expect_fail 2 "missing --algo" "$TCMBP" train "$D/i.h5" -o "$D/x.h5"
expect_fail 2 "unknown training algorithm 'sgd'" "$TCMBP" train "$D/i.h5" --algo sgd -o "$D/x.h5"
expect_fail 2 "missing -o" "$TCMBP" train "$D/i.h5" --algo lal
expect_fail 2 "eta .*> 0" "$TCMBP" train "$D/i.h5" --algo lal --eta 0 -o "$D/x.h5"
expect_fail 2 "--lambda0 applies only to --algo elal" "$TCMBP" train "$D/i.h5" --algo lal --lambda0 1 -o "$D/x.h5"
expect_fail 2 "--beta1 applies only to --algo cesgd" "$TCMBP" train "$D/i.h5" --algo elal --beta1 1 -o "$D/x.h5"
expect_fail 2 "--step applies only to --algo cesgd" "$TCMBP" train "$D/i.h5" --algo lal --step scaled -o "$D/x.h5"
expect_fail 2 "unknown ceSGD step 'plain'" "$TCMBP" train "$D/i.h5" --algo cesgd-fast --step plain -o "$D/x.h5"
expect_fail 2 "y \(replicas\) must be in" "$TCMBP" train "$D/i.h5" --algo elal --y 1 -o "$D/x.h5"
expect_fail 2 "batch" "$TCMBP" train "$D/i.h5" --algo cesgd-fast --batch 0 -o "$D/x.h5"
expect_fail 1 "i_missing.h5" "$TCMBP" train "$D/i_missing.h5" --algo lal -o "$D/x.h5"
echo "test_train: all checks passed"
