# scripts/fashion.sh on a tiny sample cut here from the Debian package's
# Fashion-MNIST files (skipped, exit 77, when absent): 3000 training and
# 1000 test images, K=3, M=20, one LAL run on the real and the randomized
# data (a second real run without a volume curve: --random-runs 1
# --volume-runs 1; --algo-opts reaches the trainer); every table and figure
# is written, the Hessian and eval summaries are in the table, and a second
# pass runs no step.
. "$(dirname "$0")/common.sh"
need_py
need_fashion
mkdir -p "$D/data"
py '
import gzip
for prefix, count in (("train", 3000), ("t10k", 1000)):
    img = gzip.open("%s/%s-images-idx3-ubyte.gz" % (sys.argv[1], prefix)).read(16 + count * 784)
    lab = gzip.open("%s/%s-labels-idx1-ubyte.gz" % (sys.argv[1], prefix)).read(8 + count)
    img = img[:4] + count.to_bytes(4, "big") + img[8:]
    lab = lab[:4] + count.to_bytes(4, "big") + lab[8:]
    open("%s/%s-images-idx3-ubyte.gz" % (sys.argv[2], prefix), "wb").write(gzip.compress(img, 1))
    open("%s/%s-labels-idx1-ubyte.gz" % (sys.argv[2], prefix), "wb").write(gzip.compress(lab, 1))
' "$F" "$D/data"
out=$D/fash
args=(--small --data "$D/data" --tcmbp "$TCMBP" --out "$out" --runs 2 --random-runs 1 --volume-runs 1 --M 20
      --algos lal --lambdas 1,5 --noise 0,0.2 --noise-draws 2 --train-opts "--batch 5" --algo-opts "lal=--max-epochs 777")
rc=0
bash "$SRC/scripts/fashion.sh" "${args[@]}" >"$LOG/out" 2>"$LOG/err" || rc=$?
[ "$rc" = 0 ] || fail "fashion.sh exited $rc: $(tail -n 20 "$LOG/err")"
for f in table.csv table.md summary.csv summary.md robustness.csv entropy_real.csv entropy_random.csv \
    fig7_top.png fig7_bottom.png figA1.png figA2.png figA3.png COMMAND; do
    [ -s "$out/$f" ] || fail "fashion.sh did not write $f"
done
py '
import csv
rows = list(csv.DictReader(open(sys.argv[1] + "/table.csv")))
assert sorted((r["dataset"], r["algorithm"], r["run"]) for r in rows) == \
    [("random", "lal", "1"), ("real", "lal", "1"), ("real", "lal", "2")], rows
for r in rows:
    assert r["status"] == "solved" and r["hessian_status"] == "converged", r
    assert np.isfinite(float(r["max_eigenvalue"])), r
    assert r["volume_points"] == ("2" if r["run"] == "1" else ""), r
    if r["dataset"] == "real":
        assert 0 <= float(r["test_error"]) < 1, r
rob = list(csv.DictReader(open(sys.argv[1] + "/robustness.csv")))
assert all(float(r["accuracy_mean"]) == 1 for r in rob if float(r["eta"]) == 0) and len(rob) == 4, rob
import h5py
assert h5py.File(sys.argv[1] + "/runs/lal_real_2.h5", "r")["/train"].attrs["max_epochs"] == 777
for name in ("fig7_top", "fig7_bottom", "figA1", "figA2", "figA3"):
    assert open(sys.argv[1] + "/" + name + ".png", "rb").read(8) == b"\x89PNG\r\n\x1a\n", name
' "$out" || fail "fashion tables: $(cat "$out/table.csv")"
bash "$SRC/scripts/fashion.sh" "${args[@]}" >"$LOG/out" 2>"$LOG/err" || fail "second pass failed"
! grep -q "fashion.sh: run" "$LOG/err" || fail "second pass ran steps again: $(grep 'fashion.sh: run' "$LOG/err")"
# --volume-unsolved: a run stopped after one epoch (training errors left) gets its curve, averaged in
args2=(--small --data "$D/data" --tcmbp "$TCMBP" --out "$D/uns" --runs 1 --random-runs 0 --M 20 --algos lal
       --lambdas 1 --noise 0 --noise-draws 1 --algo-opts "lal=--max-epochs 1" --volume-unsolved)
bash "$SRC/scripts/fashion.sh" "${args2[@]}" >"$LOG/out" 2>"$LOG/err" || fail "--volume-unsolved run failed: $(tail -n 5 "$LOG/err")"
py '
import csv
r, = list(csv.DictReader(open(sys.argv[1] + "/table.csv")))
assert r["status"] == "unsolved" and r["volume_points"] == "1", r
e, = list(csv.DictReader(open(sys.argv[1] + "/entropy_real.csv")))
assert e["algorithm"] == "lal" and e["n"] == "1", e
' "$D/uns" || fail "--volume-unsolved tables: $(cat "$D/uns/table.csv")"
echo "ok: $(tr '\n' ' ' <"$out/summary.csv" | cut -c 1-300)"
