# Instances with their patterns as bits (generate --storage bits): the file
# holds /pattern_bits and the same outputs, teacher and fingerprint as the
# int8 file; info names the storage; bp --engine amp and volume --engine amp
# give bitwise the same results from both files (solve --engine amp the same
# summary); BP, train, eval and hessian
# refuse a bits file with the one message; a truncated file, a wrong shape or
# a set tail bit give one-line errors.
. "$(dirname "$0")/common.sh"
need_py

for arch in tree full; do
    if [ $arch = tree ]; then N=201; else N=77; fi   # n = 67 and 77: neither a multiple of 8 nor of 64
    run_ok "$TCMBP" generate --N $N --K 3 --alpha 0.6 --arch $arch --seed 9 --teacher -o "$D/i8_$arch.h5"
    run_ok "$TCMBP" generate --N $N --K 3 --alpha 0.6 --arch $arch --seed 9 --teacher --storage bits -o "$D/b_$arch.h5"
    grep -q "storage=bits" "$LOG/out" || fail "generate summary: $(cat "$LOG/out")"
    py '
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
assert "patterns" not in b and b.attrs["storage"] in (b"bits", "bits"), list(b)
W = b["pattern_bits"][()]
P = a["patterns"][()]
M, S, Wd = W.shape
n = b["pattern_bits"].attrs["n"]
assert W.dtype == np.uint64 and S == (3 if sys.argv[3] == "tree" else 1) and Wd == (n + 63) // 64
bits = np.unpackbits(W.astype("<u8").view(np.uint8).reshape(M, S, 8 * Wd), axis=2, bitorder="little")
assert not bits[:, :, n:].any(), "tail bits"
assert (bits[:, :, :n].reshape(M, S * n).astype(np.int8) * 2 - 1 == P).all(), "entries"
assert (a["outputs"][()] == b["outputs"][()]).all() and (a["teacher"][()] == b["teacher"][()]).all()
' "$D/i8_$arch.h5" "$D/b_$arch.h5" $arch || fail "bits file against the int8 file ($arch)"
    run_ok "$TCMBP" info --json "$D/b_$arch.h5"
    [ "$(json_get storage)" = bits ] || fail "info storage: $(cat "$LOG/out")"
    run_ok "$TCMBP" info "$D/b_$arch.h5"
    grep -q "pattern_bits" "$LOG/out" || fail "info text: $(cat "$LOG/out")"
    for s in i8 b; do
        run_ok "$TCMBP" bp --engine amp --json "$D/${s}_$arch.h5" -o "$D/bp_${s}_$arch.h5"
        sed 's/"seconds": [^,]*,//; s/"output": "[^"]*"//' "$LOG/out" > "$LOG/bp_$s"
        run_ok "$TCMBP" volume --engine amp --json "$D/${s}_$arch.h5" --reference "$D/${s}_$arch.h5:/teacher" \
            --lambdas 2,20 -o "$D/vol_${s}_$arch.h5"
    done
    cmp -s "$LOG/bp_i8" "$LOG/bp_b" || fail "bp --engine amp summaries differ ($arch): $(cat "$LOG/bp_i8") / $(cat "$LOG/bp_b")"
    for r in bp vol; do
        py '
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
assert a.attrs["instance_fingerprint"] == b.attrs["instance_fingerprint"]
seen = []
def cmp(name, x):
    if isinstance(x, h5py.Dataset):
        y = b[name]
        if x.dtype.names:
            for c in x.dtype.names:
                if "seconds" not in c:
                    assert np.array_equal(x[c], y[c], equal_nan=True), (name, c)
        elif x.dtype.kind == "f" and "seconds" not in name:
            assert np.array_equal(x[()], y[()], equal_nan=True), name
        seen.append(name)
a.visititems(cmp)
assert seen, "no datasets compared"
' "$D/${r}_i8_$arch.h5" "$D/${r}_b_$arch.h5" || fail "$r --engine amp results differ between the int8 and the bits file ($arch)"
    done
done

# solve --engine amp (focusing, then the polish's errors from the bits rows): the same summary.
for s in i8 b; do
    run_ok "$TCMBP" solve --engine amp --json "$D/${s}_tree.h5" -o "$D/sol_$s.h5"
    sed 's/"seconds": [^,]*,//; s/"output": "[^"]*"//' "$LOG/out" > "$LOG/sol_$s"
done
grep -q '"status": "solved"' "$LOG/sol_b" || fail "solve on the bits file: $(cat "$LOG/sol_b")"
cmp -s "$LOG/sol_i8" "$LOG/sol_b" || fail "solve --engine amp summaries differ: $(cat "$LOG/sol_i8") / $(cat "$LOG/sol_b")"

# The one refusal for the consumers of int8 entries.
B=$D/b_tree.h5
msg="stores its patterns as bits"
expect_fail 1 "$msg" "$TCMBP" bp "$B" -o "$D/x.h5"
expect_fail 1 "$msg" "$TCMBP" volume "$B" --reference "$B:/teacher" --lambdas 1 -o "$D/x.h5"
expect_fail 1 "$msg" "$TCMBP" train --algo lal "$B" -o "$D/x.h5"
expect_fail 1 "$msg" "$TCMBP" eval "$B" "$B:/teacher"
expect_fail 1 "$msg" "$TCMBP" hessian --beta 1 "$B" "$B:/teacher" -o "$D/x.h5"

# Damaged files: truncated, a slice short, a tail bit set.
cp "$B" "$D/trunc.h5" && truncate -s $(( $(stat -c %s "$B") / 2 )) "$D/trunc.h5"
expect_fail 1 "trunc.h5" "$TCMBP" bp --engine amp "$D/trunc.h5" -o "$D/x.h5"
py '
f = h5py.File(sys.argv[2], "w")
g = h5py.File(sys.argv[1])
for k, v in g.attrs.items(): f.attrs[k] = v
for k in ("outputs", "teacher"): g.copy(k, f)
f["pattern_bits"] = g["pattern_bits"][:, :, :1]
' "$B" "$D/short.h5"
expect_fail 1 "pattern_bits is [0-9]+ x 3 x 1 but" "$TCMBP" bp --engine amp "$D/short.h5" -o "$D/x.h5"
cp "$B" "$D/tail.h5"
py '
f = h5py.File(sys.argv[1], "r+")
w = f["pattern_bits"][()]
w[5, 1, 1] |= np.uint64(1 << 10)
f["pattern_bits"][...] = w
' "$D/tail.h5"
expect_fail 1 "pattern 5, slice 1 has bits set past its 67 inputs" "$TCMBP" bp --engine amp "$D/tail.h5" -o "$D/x.h5"
expect_fail 2 "--storage must be int8 or bits" "$TCMBP" generate --storage int4 -o "$D/x.h5"
echo "all ok"
