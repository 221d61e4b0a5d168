# CLI usage: version, help texts, and usage errors (exit 2, one stderr line
# naming the problem) for unknown commands/options and malformed values.
. "$(dirname "$0")/common.sh"

run_ok "$TCMBP" --version
grep -qx 'tcmbp 0\.1\.0' "$LOG/out" || fail "--version printed: $(cat "$LOG/out")"

for h in "--help" "help"; do
    run_ok "$TCMBP" $h
    for c in generate info eval help; do
        grep -q "^  $c " "$LOG/out" || fail "'tcmbp $h' does not list $c"
    done
done
for c in generate info eval; do
    run_ok "$TCMBP" help $c
    cp "$LOG/out" "$LOG/help1"
    run_ok "$TCMBP" $c --help
    cmp -s "$LOG/out" "$LOG/help1" || fail "'tcmbp help $c' differs from 'tcmbp $c --help'"
    grep -q "^usage: tcmbp $c " "$LOG/out" || fail "$c --help has no usage line"
    for o in --threads --seed --quiet --json --force --help; do
        grep -q -- "$o" "$LOG/out" || fail "$c --help does not document $o"
    done
done
run_ok "$TCMBP" generate --help
grep -A1 -- '--alpha A' "$LOG/out" | grep -q '\[default: 1.0\]' || fail "generate --help lacks the --alpha default"
grep -q -- '-o, --output FILE' "$LOG/out" || fail "generate --help lacks -o, --output"

rc=0
"$TCMBP" >"$LOG/out" 2>"$LOG/err" || rc=$?
[ "$rc" -eq 2 ] || fail "tcmbp without arguments should exit 2, got $rc"
grep -q '^usage: tcmbp' "$LOG/err" || fail "tcmbp without arguments prints no usage"

O="-o $D/x.h5"
expect_fail 2 "unknown command 'frobnicate'.*generate" "$TCMBP" frobnicate
expect_fail 2 "unknown command 'nope'" "$TCMBP" help nope
expect_fail 2 "unknown option '--bogus'" "$TCMBP" generate --bogus $O
expect_fail 2 "unknown option '-z'" "$TCMBP" generate -z $O
expect_fail 2 "--K: 'abc' is not an integer" "$TCMBP" generate --K abc $O
expect_fail 2 "--K: '3.5' is not an integer" "$TCMBP" generate --K=3.5 $O
expect_fail 2 "--N: '' is not an integer" "$TCMBP" generate --N= $O
expect_fail 2 "--N: '99999999999' is not an integer" "$TCMBP" generate --N 99999999999 $O
expect_fail 2 "--alpha: 'nan' is not a finite number" "$TCMBP" generate --alpha nan $O
expect_fail 2 "--alpha: 'inf' is not a finite number" "$TCMBP" generate --alpha=inf $O
expect_fail 2 "--alpha: '1x' is not a finite number" "$TCMBP" generate --alpha 1x $O
expect_fail 2 "--seed: '-1' is not a non-negative integer" "$TCMBP" generate --seed -1 $O
expect_fail 2 "--seed: '18446744073709551616'" "$TCMBP" generate --seed 18446744073709551616 $O
expect_fail 2 "--threads.*at least 1" "$TCMBP" generate --threads 0 $O
expect_fail 2 "--output needs a value" "$TCMBP" generate --output
expect_fail 2 "--teacher takes no value" "$TCMBP" generate --teacher=yes $O
expect_fail 2 "missing output file" "$TCMBP" generate --N 99
expect_fail 2 "unexpected argument 'extra'" "$TCMBP" generate extra $O
expect_fail 2 "--arch must be tree or full" "$TCMBP" generate --arch ring $O
expect_fail 2 "--weights must be continuous or binary" "$TCMBP" generate --weights ternary $O
expect_fail 2 "missing argument.*INSTANCE WEIGHTS" "$TCMBP" eval "$D/only-one.h5"
expect_fail 2 "missing argument.*FILE" "$TCMBP" info
expect_fail 2 "unexpected argument" "$TCMBP" info a.h5 b.h5
expect_fail 2 "too many arguments" "$TCMBP" help eval info
[ ! -e "$D/x.h5" ] || fail "a usage error created the output file"
echo "test_usage: all passed"
