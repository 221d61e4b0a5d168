# import-dataset on a small sample of the real Fashion-MNIST files of the
# Debian package dataset-fashion-mnist (skipped, exit 77, when absent):
# the filter counts of the paper's Dress/Coat training set (344 and 3583),
# and the binarization of the sample against numpy on the raw files.
. "$(dirname "$0")/common.sh"
need_py
need_fashion
run_ok "$TCMBP" import-dataset --json --M 20 --test-M 10 --K 3 --seed 2 \
    --images "$F/train-images-idx3-ubyte.gz" --labels "$F/train-labels-idx1-ubyte.gz" \
    --test-images "$F/t10k-images-idx3-ubyte.gz" --test-labels "$F/t10k-labels-idx1-ubyte.gz" \
    -o "$D/tr.h5" --test-output "$D/te.h5"
[ "$(json_get plus_available)" = 344 ] && [ "$(json_get minus_available)" = 3583 ] && [ "$(json_get N)" = 784 ] ||
    fail "Dress/Coat counts after the median filter: $(cat "$LOG/out")"
py '
import gzip
def load(prefix):
    raw = gzip.open(prefix + "-images-idx3-ubyte.gz").read()
    img = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784) / 255.0
    lab = np.frombuffer(gzip.open(prefix + "-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
    keep = ((lab == 3) | (lab == 4))
    med = np.median(img, axis=1)
    keep &= (med >= 0.25) & (med <= 0.75)
    return np.where(img[keep] > med[keep, None], 1, -1).astype(np.int8), np.where(lab[keep] == 3, 1, -1)
for name, prefix in (("te.h5", "t10k"),):  # the test files: small enough to check in numpy quickly
    ref, reflab = load(sys.argv[1] + "/" + prefix)
    f = h5py.File(sys.argv[2] + "/" + name, "r")
    P, y = f["/patterns"][()], f["/outputs"][()]
    look = {r.tobytes(): i for i, r in enumerate(ref)}
    rows = [look[p.tobytes()] for p in P]
    assert rows == sorted(rows) and (reflab[rows] == y).all()
    assert (y == 1).sum() == (y == -1).sum() == len(y) // 2
assert h5py.File(sys.argv[2] + "/tr.h5", "r")["/outputs"][()].sum() == 0
' "$F" "$D" || fail "the sample differs from numpy on the raw files"
echo "fashion sample ok"
