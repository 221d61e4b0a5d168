# tcmbp info: text and JSON descriptions, and clear errors for missing,
# unreadable, non-HDF5, incomplete and newer-schema files.
. "$(dirname "$0")/common.sh"
need_py

"$TCMBP" generate --N 99 --K 3 --alpha 1.0 --teacher --seed 1 --quiet -o "$D/t.h5" >/dev/null
run_ok "$TCMBP" info "$D/t.h5"
grep -qi "instance" "$LOG/out" || fail "info text does not say instance: $(cat "$LOG/out")"
grep -q "patterns" "$LOG/out" || fail "info text does not list /patterns"
grep -q "teacher" "$LOG/out" || fail "info text does not list /teacher"

run_ok "$TCMBP" info --json "$D/t.h5"
"$PY" -c 'import json,sys; json.loads(sys.stdin.read())' <"$LOG/out" || fail "info --json is not JSON"
[ "$(wc -l <"$LOG/out")" -eq 1 ] || fail "info --json is not one line"
[ "$(json_get file_kind)" = instance ] && [ "$(json_get N)" = 99 ] && [ "$(json_get M)" = 99 ] &&
    [ "$(json_get K)" = 3 ] && [ "$(json_get n)" = 33 ] && [ "$(json_get teacher)" = true ] &&
    [ "$(json_get schema_version)" = 1 ] && [ "$(json_get generator)" = teacher ] ||
    fail "info --json keys: $(cat "$LOG/out")"

# Missing and unreadable files.
expect_fail 1 "missing\.h5" "$TCMBP" info "$D/missing.h5"
expect_fail 1 "missing\.h5" "$TCMBP" info --json "$D/missing.h5"
mkdir "$D/adir"
expect_fail 1 "adir" "$TCMBP" info "$D/adir"
# A file without read permission: root reads anything, so as root (CI) the
# command runs as nobody through setpriv (util-linux): a copy of the binary
# in the scratch folder, with the folders made traversable for it.
cp "$D/t.h5" "$D/locked.h5"
chmod 000 "$D/locked.h5"
USER_TCMBP=$TCMBP
if [ "$(id -u)" -eq 0 ]; then
    USER_TCMBP=$WORK/tcmbp-copy
    cp "$TCMBP" "$USER_TCMBP"
    chmod 755 "$USER_TCMBP"
    chmod o+x "$WORK" "$D"
    as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else
    as_user() { "$@"; }
fi
as_user "$USER_TCMBP" --version >/dev/null 2>&1 || fail "cannot run $USER_TCMBP as an unprivileged user"
expect_fail 1 "locked\.h5.*permission denied" as_user "$USER_TCMBP" info "$D/locked.h5"
chmod 644 "$D/locked.h5"
# A FIFO (or any non-regular file) is refused at once, never read (it used
# to block forever); the timeout turns a hang into a failure.
mkfifo "$D/fifo.h5"
expect_fail 1 "fifo\.h5.*FIFO, not a regular file" timeout 20 "$TCMBP" info "$D/fifo.h5"
rm "$D/fifo.h5"
printf 'this is not HDF5\n' >"$D/text.h5"
expect_fail 1 "text\.h5" "$TCMBP" info "$D/text.h5"
: >"$D/empty.h5"
expect_fail 1 "empty\.h5" "$TCMBP" info --json "$D/empty.h5"

# A newer schema version: the text description still works and says so;
# --json (which reads the file as this version) refuses it, naming the version.
cp "$D/t.h5" "$D/newer.h5"
py 'h5py.File(sys.argv[1], "r+").attrs["schema_version"] = 99' "$D/newer.h5"
run_ok "$TCMBP" info "$D/newer.h5"
grep -q "schema version 99 (newer" "$LOG/out" || fail "info does not flag the newer schema: $(head -1 "$LOG/out")"
expect_fail 1 "schema.*99|99.*schema" "$TCMBP" info --json "$D/newer.h5"

# An instance file without its datasets.
cp "$D/t.h5" "$D/nopat.h5"
py 'del h5py.File(sys.argv[1], "r+")["/patterns"]' "$D/nopat.h5"
expect_fail 1 "patterns" "$TCMBP" info --json "$D/nopat.h5"
# A summary that cannot be written (stdout on a full device) is an error, not silence.
if [ -w /dev/full ]; then
    expect_fail 1 "standard output" bash -c '"$@" >/dev/full' sh "$TCMBP" info --json "$D/t.h5"
    expect_fail 1 "standard output" bash -c '"$@" >/dev/full' sh "$TCMBP" info "$D/t.h5"
fi
echo "test_info: all passed"
