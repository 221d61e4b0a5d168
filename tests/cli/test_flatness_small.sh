# scripts/flatness.sh --small: the whole flatness pipeline (generate, solve,
# train with the four reference trainers, volume around every solution,
# aggregation) on three small instances, into a temporary directory; the
# tables and the plot exist and hold all five algorithms; a second pass runs
# no step and leaves every run file unchanged. Takes a minute or two
# (ceSGD-slow dominates).
. "$(dirname "$0")/common.sh"
need_py
"$PY" -c 'import matplotlib' 2>/dev/null ||
    fail "$PY cannot import matplotlib; run 'bash scripts/setup.sh' (apt-get install python3-matplotlib)"

out=$D/flat
rc=0
bash "$SRC/scripts/flatness.sh" --small --tcmbp "$TCMBP" --out "$out" --threads 1 >"$LOG/out" 2>"$LOG/err" || rc=$?
[ "$rc" = 0 ] || fail "flatness.sh --small exited $rc: $(tail -n 20 "$LOG/err")"
for f in flatness.csv flatness_binned.csv training.csv training_summary.csv flatness.png COMMAND; do
    [ -s "$out/$f" ] || fail "flatness.sh --small did not write $f"
done
py '
import csv
out = sys.argv[1]
algos = ["fbp", "elal", "cesgd-slow", "cesgd-fast", "lal"]
rows = list(csv.DictReader(open(out + "/flatness.csv")))
assert set(rows[0]) >= {"algorithm", "lambda", "n", "distance_mean", "distance_se", "local_entropy_mean",
                        "local_entropy_se"}, rows[0]
for a in algos:
    mine = [r for r in rows if r["algorithm"] == a]
    assert len(mine) >= 5, "%s: %d lambdas in flatness.csv" % (a, len(mine))
    assert all(np.isfinite(float(r["local_entropy_mean"])) for r in mine), a
    assert all(0 < float(r["distance_mean"]) < 1.5 for r in mine), a
summary = {r["algorithm"]: r for r in csv.DictReader(open(out + "/training_summary.csv"))}
assert sorted(summary) == sorted(algos), summary.keys()
for a in algos:
    assert int(summary[a]["runs"]) == 3 and int(summary[a]["solved"]) == 3, (a, summary[a])
binned = {r["algorithm"] for r in csv.DictReader(open(out + "/flatness_binned.csv"))}
assert binned == set(algos), binned
png = open(out + "/flatness.png", "rb").read(8)
assert png == b"\x89PNG\r\n\x1a\n", "flatness.png is not a PNG"
' "$out" || fail "flatness tables: $(head -n 3 "$out/flatness.csv")"
echo "ok: $(tr '\n' ' ' <"$out/training_summary.csv" | cut -c 1-300)"

# The first pass ran every step: 3 instances, 3 x 5 solutions, 3 x 5 volumes.
nrun=$(grep -c '^flatness.sh: run ' "$LOG/err" || true)
[ "$nrun" = 33 ] || fail "first pass ran $nrun steps, expected 33: $(grep '^flatness.sh: run ' "$LOG/err" | head)"

# Fingerprints (mtime_ns, sha256) of every run file and step log.
finger() {
    "$PY" - "$out" <<'EOF'
import glob, hashlib, os, sys
for p in sorted(glob.glob(sys.argv[1] + "/runs/*") + glob.glob(sys.argv[1] + "/logs/*")):
    print(os.path.relpath(p, sys.argv[1]), os.stat(p).st_mtime_ns, hashlib.sha256(open(p, "rb").read()).hexdigest())
EOF
}
finger >"$LOG/f1"
[ "$(grep -c '^runs/' "$LOG/f1")" -ge 66 ] || fail "too few run files: $(cat "$LOG/f1")"
sleep 1

# Resumable: a second run reuses every finished step; no command reruns, no
# run file or step log changes.
rc=0
bash "$SRC/scripts/flatness.sh" --small --tcmbp "$TCMBP" --out "$out" --threads 1 >"$LOG/out" 2>"$LOG/err" || rc=$?
[ "$rc" = 0 ] || fail "second flatness.sh --small exited $rc: $(tail -n 5 "$LOG/err")"
! grep '^flatness.sh: run ' "$LOG/err" || fail "the second pass reran the steps above"
finger >"$LOG/f2"
cmp -s "$LOG/f1" "$LOG/f2" || fail "the second pass changed finished run files:
$(diff "$LOG/f1" "$LOG/f2" | head -20)"
echo "ok: second pass ran no step; $(wc -l <"$LOG/f1") run files and logs unchanged (mtime and sha256)"
echo "test_flatness_small: all checks passed"
