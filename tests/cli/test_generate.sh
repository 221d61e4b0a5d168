# tcmbp generate: valid instances (random, teacher, fully connected, binary),
# reproducibility across thread counts, bad parameters, and output-path
# safety (existing file, --force, missing directory, full disk).
. "$(dirname "$0")/common.sh"
need_py

# Generate a teacher instance and check its summary and contents.
run_ok "$TCMBP" generate --N 99 --K 3 --alpha 1.0 --teacher --seed 5 -o "$D/t.h5"
for kv in status=written N=99 K=3 M=99 alpha=1 arch=tree weights=continuous generator=teacher seed=5; do
    grep -q "\(^\| \)$kv\( \|$\)" "$LOG/out" || fail "generate summary lacks $kv: $(cat "$LOG/out")"
done
py '
f = h5py.File(sys.argv[1], "r")
p, o, t = f["/patterns"][()], f["/outputs"][()], f["/teacher"][()]
assert p.shape == (99, 99) and p.dtype == np.int8, (p.shape, p.dtype)
assert set(np.unique(p)) == {-1, 1} and set(np.unique(o)) <= {-1, 1}
assert o.shape == (99,) and t.shape == (3, 33), (o.shape, t.shape)
assert int(f.attrs["schema_version"]) == 1, f.attrs["schema_version"]
' "$D/t.h5" || fail "instance contents"

# JSON summary parses, with the documented keys.
run_ok "$TCMBP" generate --N 63 --K 7 --M 50 --arch full --weights binary --teacher --K-teacher 3 \
    --seed 2 --json -o "$D/f.h5"
"$PY" -c 'import json,sys; json.loads(sys.stdin.read())' <"$LOG/out" || fail "generate --json is not JSON"
[ "$(json_get M)" = 50 ] && [ "$(json_get arch)" = full ] && [ "$(json_get weights)" = binary ] &&
    [ "$(json_get K_teacher)" = 3 ] && [ "$(json_get file)" = "$D/f.h5" ] || fail "json keys: $(cat "$LOG/out")"
run_ok "$TCMBP" generate --N 30 --K 3 --alpha 0.5 --arch full --quiet --json -o "$D/full.h5"
[ "$(json_get M)" = 45 ] || fail "full-arch M should be round(alpha N K) = 45: $(cat "$LOG/out")"

# The full 64-bit seed range survives the summary and the file.
run_ok "$TCMBP" generate --N 9 --seed 18446744073709551615 --json -o "$D/seed.h5"
[ "$(json_get seed)" = 18446744073709551615 ] || fail "64-bit seed in summary: $(cat "$LOG/out")"
run_ok "$TCMBP" info --json "$D/seed.h5"
[ "$(json_get seed)" = 18446744073709551615 ] || fail "64-bit seed read back: $(cat "$LOG/out")"

# Same seed -> identical /patterns and /outputs for 1 and 2 threads; another seed differs.
run_ok "$TCMBP" generate --N 999 --K 3 --alpha 1.0 --seed 7 --threads 1 -o "$D/s1.h5"
run_ok "$TCMBP" generate --N 999 --K 3 --alpha 1.0 --seed 7 --threads 2 -o "$D/s2.h5"
run_ok "$TCMBP" generate --N 999 --K 3 --alpha 1.0 --seed 8 --threads 2 -o "$D/s3.h5"
py '
a, b, c = (h5py.File(p, "r") for p in sys.argv[1:4])
for name in ("/patterns", "/outputs"):
    x, y = a[name][()], b[name][()]
    assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), name + " differs between 1 and 2 threads"
assert a["/patterns"][()].tobytes() != c["/patterns"][()].tobytes(), "seeds 7 and 8 gave the same patterns"
' "$D/s1.h5" "$D/s2.h5" "$D/s3.h5" || fail "reproducibility"
h5dump -d /patterns "$D/s1.h5" | tail -n +2 >"$LOG/p1"
h5dump -d /patterns "$D/s2.h5" | tail -n +2 >"$LOG/p2"
cmp -s "$LOG/p1" "$LOG/p2" || fail "h5dump -d /patterns differs between 1 and 2 threads"

# Bad parameters: usage errors naming the option, nothing written.
expect_fail 2 "--K must be odd" "$TCMBP" generate --K 4 --N 100 -o "$D/bad.h5"
expect_fail 2 "--K must be odd" "$TCMBP" generate --K 0 -o "$D/bad.h5"
expect_fail 2 "--N must be divisible by --K" "$TCMBP" generate --K 3 --N 100 -o "$D/bad.h5"
expect_fail 2 "--alpha must be positive" "$TCMBP" generate --alpha 0 -o "$D/bad.h5"
expect_fail 2 "--alpha must be positive" "$TCMBP" generate --alpha -1.5 -o "$D/bad.h5"
expect_fail 2 "--M must be positive" "$TCMBP" generate --M 0 -o "$D/bad.h5"
expect_fail 2 "--alpha or --M, not both" "$TCMBP" generate --M 10 --alpha 1 -o "$D/bad.h5"
expect_fail 2 "--N must be positive" "$TCMBP" generate --N -3 -o "$D/bad.h5"
expect_fail 2 "--K-teacher must be odd" "$TCMBP" generate --teacher --K-teacher 2 -o "$D/bad.h5"
expect_fail 2 "--K-teacher needs --teacher" "$TCMBP" generate --K-teacher 5 -o "$D/bad.h5"

# An existing output is refused (byte for byte unchanged) unless --force.
cp "$D/s1.h5" "$D/keep.h5"
expect_fail 1 "exists.*--force" "$TCMBP" generate --N 99 --seed 3 -o "$D/s1.h5"
cmp -s "$D/s1.h5" "$D/keep.h5" || fail "refused output was modified"
run_ok "$TCMBP" generate --N 99 --seed 3 --force -o "$D/s1.h5"
! cmp -s "$D/s1.h5" "$D/keep.h5" || fail "--force did not overwrite"
left=$(find "$D" -name 's1.h5.tmp*')
[ -z "$left" ] || fail "NAME.tmp* left behind after a successful write: $left"
py 'assert h5py.File(sys.argv[1], "r")["/patterns"].shape == (99, 99)' "$D/s1.h5" || fail "--force result"

# Unwritable destinations.
expect_fail 1 "nonexistent.*does not exist" "$TCMBP" generate --N 99 -o "$D/nonexistent/x.h5"
expect_fail 1 "is a directory" "$TCMBP" generate --N 99 --force -o "$D"
# A full disk (file size limit; SIGXFSZ ignored so writes fail with EFBIG):
# the write fails cleanly and leaves neither the file nor NAME.tmp*.
expect_fail 1 "big\.h5" bash -c 'trap "" XFSZ; ulimit -f 16; exec "$@"' sh \
    "$TCMBP" generate --N 3000 --K 3 --alpha 2 -o "$D/big.h5"
left=$(find "$D" -name 'big.h5*')
[ -z "$left" ] || fail "failed write left a file behind: $left"
echo "test_generate: all passed"
