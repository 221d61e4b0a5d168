# Adversarial cases of issue 15 that run in seconds (the commands generate,
# eval, train, import-patterns, info and the parser shared by all): outputs
# that are FIFOs, directories or name an input, FIFO inputs, thread counts
# that used to crash, float pattern datasets, invalid schema versions,
# overflowing .npy shapes, too many list values, raw bytes and newlines in
# messages and summaries. Everything happens inside the scratch folder $D.
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate -q --N 99 --K 3 --teacher -o "$D/inst.h5" >/dev/null
py 'f = h5py.File(sys.argv[1], "r"); np.save(sys.argv[2], f["teacher"][()])' "$D/inst.h5" "$D/w.npy"
TO="timeout 20" # a hang (FIFO) becomes a failure instead of blocking the suite

# ---- item 3: outputs that exist and are not regular files, even with --force
mkfifo "$D/out.fifo"
mkdir "$D/outdir"
for force in "" --force; do
    expect_fail 1 "out\.fifo is a FIFO, not a regular file" $TO "$TCMBP" generate -q --N 99 $force -o "$D/out.fifo"
    expect_fail 1 "outdir is a directory" $TO "$TCMBP" generate -q --N 99 $force -o "$D/outdir"
    expect_fail 1 "--outputs .*out\.fifo is a FIFO" $TO "$TCMBP" eval -q $force "$D/inst.h5" "$D/w.npy" --outputs "$D/out.fifo"
    expect_fail 1 "-o .*out\.fifo is a FIFO" $TO "$TCMBP" train -q $force --algo lal "$D/inst.h5" -o "$D/out.fifo"
done
[ -p "$D/out.fifo" ] || fail "the FIFO was replaced"
# a symbolic link to a regular file is an ordinary output (replaced with --force)
cp "$D/inst.h5" "$D/target.h5"
ln -s target.h5 "$D/link.h5"
expect_fail 1 "link\.h5 exists" "$TCMBP" generate -q --N 99 -o "$D/link.h5"
run_ok "$TCMBP" generate -q --N 45 --force -o "$D/link.h5"
py 'assert h5py.File(sys.argv[1], "r")["patterns"].shape[1] == 45' "$D/link.h5" || fail "link output not written"
rm -f "$D/link.h5" "$D/target.h5"

# ---- items 1, 14 (the commands of this suite): an output naming an input
expect_fail 1 "INSTANCE and -o name the same file" "$TCMBP" train -q --force --algo lal "$D/inst.h5" -o "$D/inst.h5"
expect_fail 1 "INSTANCE and -o name the same file" "$TCMBP" train -q --force --algo lal "$D/inst.h5" -o "$D/./outdir/../inst.h5"
ln "$D/inst.h5" "$D/hardlink.h5"
expect_fail 1 "INSTANCE and -o name the same file" "$TCMBP" train -q --force --algo lal "$D/hardlink.h5" -o "$D/inst.h5"
rm "$D/hardlink.h5"
expect_fail 1 "INSTANCE and --outputs name the same file" "$TCMBP" eval -q --force "$D/inst.h5" "$D/w.npy" --outputs "$D/inst.h5"
expect_fail 1 "WEIGHTS and --outputs name the same file" "$TCMBP" eval -q --force "$D/inst.h5" "$D/w.npy" --outputs "$D/w.npy"
expect_fail 1 "INSTANCE and --outputs name the same file" "$TCMBP" eval -q --force "$D/inst.h5" "$D/inst.h5:/teacher" --outputs "$D/inst.h5"
printf '1 -1 1\n-1 1 1\n1 1 1\n' >"$D/p.txt"
expect_fail 1 "FILE and -o name the same file" "$TCMBP" import-patterns -q --force --K 3 "$D/p.txt" -o "$D/p.txt"
# two inputs may be the same file
run_ok "$TCMBP" eval -q "$D/inst.h5" "$D/inst.h5:/teacher"
# missing inputs are named before any work
expect_fail 1 "INSTANCE: cannot open .*nope\.h5" "$TCMBP" train -q --algo lal "$D/nope.h5" -o "$D/w2.h5"
expect_fail 1 "WEIGHTS: cannot open .*nope\.npy" "$TCMBP" eval -q "$D/inst.h5" "$D/nope.npy"

# ---- item 20: a FIFO as input is refused at once
mkfifo "$D/in.fifo" "$D/in.npy" "$D/in.txt"
expect_fail 1 "in\.fifo: it is a FIFO, not a regular file" $TO "$TCMBP" info "$D/in.fifo"
expect_fail 1 "in\.fifo: it is a FIFO, not a regular file" $TO "$TCMBP" eval -q "$D/in.fifo" "$D/w.npy"
expect_fail 1 "in\.npy: it is a FIFO, not a regular file" $TO "$TCMBP" eval -q "$D/inst.h5" "$D/in.npy"
expect_fail 1 "in\.txt: it is a FIFO, not a regular file" $TO "$TCMBP" eval -q "$D/inst.h5" "$D/in.txt"
expect_fail 1 "in\.fifo: it is a FIFO, not a regular file" $TO "$TCMBP" train -q --algo lal "$D/in.fifo" -o "$D/w2.h5"
expect_fail 1 "in\.fifo: it is a FIFO, not a regular file" $TO "$TCMBP" import-patterns -q --K 3 "$D/in.fifo" -o "$D/i2.h5"
expect_fail 1 "in\.fifo: it is a FIFO, not a regular file" $TO "$TCMBP" bp -q "$D/in.fifo" -o "$D/bp.h5"
rm "$D/in.fifo" "$D/in.npy" "$D/in.txt"

# ---- item 5: thread counts that crashed are usage errors before any work
for cmd in "generate -q --N 99 -o $D/g.h5" "eval -q $D/inst.h5 $D/w.npy" "train -q --algo lal $D/inst.h5 -o $D/w2.h5"; do
    # shellcheck disable=SC2086
    expect_fail 2 "--threads: must be at least 1 and at most 1024 \(got 100000\)" "$TCMBP" $cmd --threads 100000
    for n in 100000 2147483647; do
        # shellcheck disable=SC2086
        expect_fail 2 "OMP_NUM_THREADS=$n: at most 1024 threads" env OMP_NUM_THREADS=$n "$TCMBP" $cmd
    done
done
# --threads overrides OMP_NUM_THREADS; the cap itself is accepted
run_ok env OMP_NUM_THREADS=100000 "$TCMBP" eval -q --threads 2 "$D/inst.h5" "$D/w.npy"
run_ok env OMP_NUM_THREADS=4,2 "$TCMBP" eval -q "$D/inst.h5" "$D/w.npy"

# ---- item 6: float patterns/outputs are checked as stored
for v in 1.4 -1.9 nan inf; do
    py 'f = h5py.File(sys.argv[1], "r"); g = h5py.File(sys.argv[2], "w")
for k, x in f.attrs.items(): g.attrs[k] = x
p = f["patterns"][()].astype("f8"); p[3, 7] = float(sys.argv[3])
g["patterns"] = p; g["outputs"] = f["outputs"][()].astype("f4")' "$D/inst.h5" "$D/float.h5" "$v"
    expect_fail 1 "float\.h5: /patterns: pattern 3, input 7 is $v, not \+-1" "$TCMBP" eval -q "$D/float.h5" "$D/w.npy"
    expect_fail 1 "/patterns: pattern 3, input 7 is $v, not \+-1" "$TCMBP" train -q --algo lal "$D/float.h5" -o "$D/w2.h5"
done
py 'f = h5py.File(sys.argv[1], "r"); g = h5py.File(sys.argv[2], "w")
for k, x in f.attrs.items(): g.attrs[k] = x
o = f["outputs"][()].astype("f4"); o[5] = 1.5
g["patterns"] = f["patterns"][()].astype("f8"); g["outputs"] = o' "$D/inst.h5" "$D/float.h5"
expect_fail 1 "/outputs: pattern 5 is 1\.5, not \+-1" "$TCMBP" eval -q "$D/float.h5" "$D/w.npy"
rm "$D/float.h5"

# ---- item 18: invalid schema versions and negative values
for v in -1 0; do
    cp "$D/inst.h5" "$D/schema.h5"
    py 'h5py.File(sys.argv[1], "r+").attrs["schema_version"] = int(sys.argv[2])' "$D/schema.h5" "$v"
    expect_fail 1 "invalid schema version $v" "$TCMBP" eval -q "$D/schema.h5" "$D/w.npy"
done
rm "$D/schema.h5"
expect_fail 2 "--max-seconds must be 0 \(no limit\) or positive \(got -1\)" "$TCMBP" train -q --algo lal --max-seconds -1 "$D/inst.h5" -o "$D/w2.h5"
expect_fail 2 "--M must be positive" "$TCMBP" generate -q --M -1 -o "$D/g.h5"

# ---- item 19: clear texts for an overflowing .npy shape and too many values
"$PY" - "$D/huge.npy" <<'EOF'
import struct, sys
hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551616, 33), }"
hdr += " " * (63 - (10 + len(hdr)) % 64) + "\n"
open(sys.argv[1], "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + bytes(8 * 99))
EOF
expect_fail 1 "shape \(18446744073709551616, 33\) is too large" "$TCMBP" eval -q "$D/inst.h5" "$D/huge.npy"
grep -q 18446744073709551615 "$LOG/err" && fail "the overflowed value is shown: $(cat "$LOG/err")"
lambdas=$(seq -s, 1 300)
expect_fail 2 "--lambdas: too many values \(at most 256\)" "$TCMBP" volume -q "$D/inst.h5" --reference "$D/w.npy" --lambdas "$lambdas" -o "$D/v.h5"

# ---- item 21: raw bytes escaped in error lines; newlines escaped in summaries
printf '1 2 3\001\377x\n' >"$D/raw.txt"
expect_fail 1 'cannot read .3\\x01\\xffx. as a number' "$TCMBP" eval -q "$D/inst.h5" "$D/raw.txt"
LC_ALL=C grep -q "$(printf '[\001\377]')" "$LOG/err" && fail "raw bytes in the error line"
nl=$(printf 'a\nb.h5')
run_ok "$TCMBP" generate -q --N 45 -o "$D/$nl"
[ "$(wc -l <"$LOG/out")" -eq 1 ] && grep -q 'file="[^"]*a\\nb\.h5"' "$LOG/out" || fail "newline in the text summary: $(cat "$LOG/out")"
run_ok "$TCMBP" generate -q --json --N 45 --force -o "$D/$nl"
[ "$(json_get file)" = "$D/$nl" ] || fail "newline in the JSON summary: $(cat "$LOG/out")"
bad=$(printf 'x\377.h5')
run_ok "$TCMBP" generate -q --json --N 45 -o "$D/$bad"
"$PY" -c 'import json,sys; assert json.loads(open(sys.argv[1], "rb").read().decode("utf-8"))["file"].endswith("x\u00ff.h5")' "$LOG/out" ||
    fail "invalid UTF-8 in the JSON summary: $(cat "$LOG/out")"
expect_fail 1 'x\\xff\.h5 exists' "$TCMBP" generate -q --N 45 -o "$D/$bad"

# ---- item 2: no temporary file is ever left behind by the runs above
left=$(find "$D" -name '*.tmp*')
[ -z "$left" ] || fail "temporary files left behind: $left"
echo "test_adversarial: all passed"
