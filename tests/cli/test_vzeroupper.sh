# No function of the CLI or of the shared library leaves the upper halves of
# the AVX registers dirty on its way out (scripts/check_vzeroupper.py): GCC 12
# omitted vzeroupper where an AVX clone called or tail-called another clone,
# and the SSE code after it (tcm_logH, libm) then ran 10-40 times slower.
. "$(dirname "$0")/common.sh"
command -v objdump >/dev/null || fail "objdump not found (apt-get install binutils)"
lib=$(dirname "$TCMBP")/libtcmbp.so
targets=$TCMBP
[ -f "$lib" ] && targets="$targets $lib"
# shellcheck disable=SC2086
"$PY" "$SRC/scripts/check_vzeroupper.py" $targets >"$LOG/out" 2>&1 || fail "dirty upper register state at exits:
$(cat "$LOG/out")"
# The checker itself must see the defect: a function that writes %ymm0 and returns.
cat >"$D/dirty.s" <<'ASM'
    .text
    .globl dirty
dirty:
    vxorpd %ymm0, %ymm0, %ymm0
    ret
    .globl clean
clean:
    vxorpd %ymm0, %ymm0, %ymm0
    vzeroupper
    ret
ASM
cc -c "$D/dirty.s" -o "$D/dirty.o" || fail "cannot assemble the checker's self-test"
rc=0
"$PY" "$SRC/scripts/check_vzeroupper.py" "$D/dirty.o" >"$LOG/out" 2>&1 || rc=$?
[ $rc -eq 1 ] && grep -q "dirty:" "$LOG/out" && ! grep -q "clean:" "$LOG/out" ||
    fail "checker self-test (rc $rc): $(cat "$LOG/out")"
echo "ok"
