# scripts/aggregate on a full disk: one error line, exit 1, no temporary
# left, the previous SUMMARY files unchanged (it used to segfault, exit 139,
# leaving SUMMARY.h5.tmp). The full disk is a 64 KiB tmpfs mounted in the
# scratch folder when that is allowed (root with CAP_SYS_ADMIN); a file-size
# limit (ulimit -f, a write error EFBIG on the same code path) is tested in
# every case.
. "$(dirname "$0")/common.sh"
need_py

SWEEP=$SRC/scripts/sweep
AGG=$SRC/scripts/aggregate
M=$WORK/full
mounted=0
trap '[ "$mounted" = 1 ] && umount "$M"; chmod -R u+rwX "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

cat >"$D/t.sweep" <<'EOF'
[grid]
N = 99
K = 3
alpha = 1.0
seeds = 1..4
[task bp]
command = bp {instance} -o {out} --max-sweeps 300
EOF
run_ok "$PY" "$SWEEP" run "$D/t.sweep" --dir "$D/s" --tcmbp "$TCMBP" -q

# agg_fails OUTDIR PATTERN [PREFIX...]: aggregate into OUTDIR/sum fails with one
# line matching PATTERN, exit 1, and leaves OUTDIR exactly as it was.
agg_fails() {
    local out=$1 pattern=$2 rc=0 before after
    shift 2
    before=$(cd "$out" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
    "$@" "$PY" "$AGG" "$D/s" -o "$out/sum" -q >"$LOG/out" 2>"$LOG/err" || rc=$?
    after=$(cd "$out" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
    [ "$rc" = 1 ] || fail "aggregate on a full disk exited $rc, expected 1: $(head -c 600 "$LOG/err")"
    [ "$(wc -l <"$LOG/err")" = 1 ] || fail "expected one error line, got: $(head -c 600 "$LOG/err")"
    grep -Eq "^aggregate: error: cannot write $out/sum\.h5: $pattern \(no output changed\)$" "$LOG/err" ||
        fail "error line: $(cat "$LOG/err")"
    [ "$before" = "$after" ] || fail "files in $out changed: $(find "$out" -type f)"
    echo "ok (exit 1): $(cat "$LOG/err")"
}

# Every file of a good aggregate exists, and no temporary.
mkdir -p "$D/lim"
run_ok "$PY" "$AGG" "$D/s" -o "$D/lim/sum" -q
for f in sum.h5 sum.csv sum.runs.csv sum.curves.csv; do [ -s "$D/lim/$f" ] || fail "no $f"; done

# A file-size limit of 8 KiB: SUMMARY.h5 (about 32 KiB) cannot be written.
limited() { (ulimit -f 8 && trap '' XFSZ && exec "$@"); }
agg_fails "$D/lim" "File too large" limited

if mkdir -p "$M" && mount -t tmpfs -o size=64k tmpfs "$M" 2>"$LOG/mount"; then
    mounted=1
    run_ok "$PY" "$AGG" "$D/s" -o "$M/sum" -q
    # Fill what is left (a plain write until ENOSPC).
    py '
import errno
try:
    with open(sys.argv[1], "wb", buffering=0) as f:
        while True:
            f.write(b"\0" * 4096)
except OSError as e:
    assert e.errno == errno.ENOSPC, e
' "$M/fill"
    agg_fails "$M" "No space left on device"
    left=$(find "$M" -name '*.tmp*')
    [ -z "$left" ] || fail "temporaries left on the full disk: $left"
    echo "ok: aggregate on a full 64 KiB tmpfs: one line, exit 1, old outputs intact, no temporary"
else
    echo "note: cannot mount a tmpfs here ($(cat "$LOG/mount")); the full disk was simulated by ulimit -f only"
fi
echo "PASS: sweep aggregate on a full disk"
