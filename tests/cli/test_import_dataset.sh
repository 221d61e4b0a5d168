# tcmbp import-dataset on small files written here (idx gzip/plain, .npy,
# CSV): the instances written (arch full, K, the classes as +-1, the median
# binarization checked against numpy), --randomize, --force rules and the
# one-line errors for bad files and bad options.
. "$(dirname "$0")/common.sh"
need_py

# 40 images of 4 x 5 pixels, labels cycling 0..3 (classes 1 and 2 used).
py '
import gzip
rng = np.random.default_rng(3)
img = rng.integers(0, 256, size=(40, 4, 5), dtype=np.uint8)
lab = (np.arange(40) % 4).astype(np.uint8)
def idx(path, arr, gz):
    head = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    data = head + arr.tobytes()
    (gzip.open if gz else open)(path, "wb").write(data)
idx(sys.argv[1] + "/i.gz", img, True); idx(sys.argv[1] + "/l.gz", lab, True)
idx(sys.argv[1] + "/i.idx", img, False); idx(sys.argv[1] + "/l.idx", lab, False)
np.save(sys.argv[1] + "/i.npy", img); np.save(sys.argv[1] + "/l.npy", lab.astype(np.int64))
np.savetxt(sys.argv[1] + "/i.csv", img.reshape(40, 20), fmt="%d", delimiter=",")
np.savetxt(sys.argv[1] + "/l.csv", lab, fmt="%d")
open(sys.argv[1] + "/short.gz", "wb").write(gzip.compress((bytes([0, 0, 8, 3]) + b"".join(int(d).to_bytes(4, "big") for d in img.shape) + img.tobytes())[:-7]))
' "$D"

common="--classes 1,2 --M 6 --no-filter --K 3 --seed 4"
run_ok "$TCMBP" import-dataset --json $common --images "$D/i.gz" --labels "$D/l.gz" -o "$D/tr.h5" \
    --test-images "$D/i.idx" --test-labels "$D/l.idx" --test-output "$D/te.h5"
[ "$(json_get M)" = 6 ] && [ "$(json_get test_M)" = 20 ] && [ "$(json_get plus_available)" = 10 ] ||
    fail "summary: $(cat "$LOG/out")"
py '
import gzip
img = np.load(sys.argv[1] + "/i.npy").reshape(40, 20) / 255.0
lab = np.arange(40) % 4
for name, sub in (("tr.h5", None), ("te.h5", None)):
    f = h5py.File(sys.argv[1] + "/" + name, "r")
    P, y = f["/patterns"][()], f["/outputs"][()]
    assert f.attrs["arch"] in (b"full", "full") and int(f.attrs["K"]) == 3, dict(f.attrs)
    keep = np.where((lab == 1) | (lab == 2))[0]
    ref = np.where(img[keep] > np.median(img[keep], axis=1)[:, None], 1, -1)
    reflab = np.where(lab[keep] == 1, 1, -1)
    # every pattern is one of the kept images, binarized at its median, with its label, in file order
    rows = [int(np.where((ref == p).all(axis=1))[0][0]) for p in P]
    assert rows == sorted(rows), rows
    assert (reflab[rows] == y).all()
    if name == "tr.h5":
        assert (y == 1).sum() == 3 and (y == -1).sum() == 3
    else:
        assert len(y) == 20
' "$D" || fail "instances differ from the numpy reference"

# The same data from .npy and CSV gives the same training instance.
for ext in npy csv; do
    run_ok "$TCMBP" import-dataset $common --images "$D/i.$ext" --labels "$D/l.$ext" -o "$D/tr_$ext.h5"
    py 'a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert (a["/patterns"][()] == b["/patterns"][()]).all() and (a["/outputs"][()] == b["/outputs"][()]).all()' \
        "$D/tr.h5" "$D/tr_$ext.h5" || fail "$ext import differs from idx"
done

# --randomize: same outputs and pixel biases, other patterns.
run_ok "$TCMBP" import-dataset $common --randomize --images "$D/i.gz" --labels "$D/l.gz" -o "$D/rnd.h5"
py 'a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
pa, pb = a["/patterns"][()], b["/patterns"][()]
assert (a["/outputs"][()] == b["/outputs"][()]).all() and not (pa == pb).all()
assert (np.sort(pa, axis=0) == np.sort(pb, axis=0)).all()' "$D/tr.h5" "$D/rnd.h5" || fail "--randomize"

# --shuffle-seed: another shuffle of the same subset (same sorted columns).
run_ok "$TCMBP" import-dataset --json $common --randomize --shuffle-seed 9 --images "$D/i.gz" --labels "$D/l.gz" -o "$D/rnd9.h5"
[ "$(json_get shuffle_seed)" = 9 ] || fail "shuffle_seed not in the summary: $(cat "$LOG/out")"
py 'a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
pa, pb = a["/patterns"][()], b["/patterns"][()]
assert not (pa == pb).all() and (np.sort(pa, axis=0) == np.sort(pb, axis=0)).all()' "$D/rnd.h5" "$D/rnd9.h5" ||
    fail "--shuffle-seed"
expect_fail 2 "needs --randomize" "$TCMBP" import-dataset $common --shuffle-seed 3 --images "$D/i.gz" --labels "$D/l.gz" -o "$D/x.h5"

# Existing outputs need --force (nothing written otherwise, neither file).
expect_fail 1 "exists.*--force" "$TCMBP" import-dataset $common --images "$D/i.gz" --labels "$D/l.gz" -o "$D/tr.h5"
expect_fail 1 "exists.*--force" "$TCMBP" import-dataset $common --images "$D/i.gz" --labels "$D/l.gz" -o "$D/new.h5" \
    --test-images "$D/i.gz" --test-labels "$D/l.gz" --test-output "$D/te.h5"
run_ok "$TCMBP" import-dataset --force $common --images "$D/i.gz" --labels "$D/l.gz" -o "$D/tr.h5"

# Bad files and options: one line, nothing written.
expect_fail 1 "truncated" "$TCMBP" import-dataset $common --images "$D/short.gz" --labels "$D/l.gz" -o "$D/x.h5"
expect_fail 1 "not an idx ubyte file" "$TCMBP" import-dataset $common --images "$D/l.gz" --labels "$D/i.gz" -o "$D/x.h5"
head -n 20 "$D/l.csv" >"$D/l20.csv"
expect_fail 1 "holds 40 images but the labels 20" "$TCMBP" import-dataset $common --images "$D/i.csv" --labels "$D/l20.csv" -o "$D/x.h5"
expect_fail 1 "too few images of class 1 for a balanced M = 30: 10 pass the filter, 15 needed" \
    "$TCMBP" import-dataset --classes 1,2 --M 30 --no-filter --K 3 --images "$D/i.gz" --labels "$D/l.gz" -o "$D/x.h5"
expect_fail 1 "cannot open|no such file" "$TCMBP" import-dataset $common --images "$D/none.gz" --labels "$D/l.gz" -o "$D/x.h5"
expect_fail 2 "--classes" "$TCMBP" import-dataset --classes 1 --images "$D/i.gz" --labels "$D/l.gz" -o "$D/x.h5"
expect_fail 2 "--K must be odd" "$TCMBP" import-dataset --K 4 --images "$D/i.gz" --labels "$D/l.gz" -o "$D/x.h5"
expect_fail 2 "go together" "$TCMBP" import-dataset --test-images "$D/i.gz" --images "$D/i.gz" --labels "$D/l.gz" -o "$D/x.h5"
expect_fail 2 "missing -o" "$TCMBP" import-dataset --images "$D/i.gz" --labels "$D/l.gz"
echo "all import-dataset tests passed"
