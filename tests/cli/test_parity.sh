# The output rule through the command line: generate --output-rule (even K
# for parity only, bad names refused), the output_rule attribute read back
# by info (and an old file without it read as majority), eval under the
# instance's rule (a parity teacher has 0 errors, the same weights judged by
# the majority vote do not), and train refusing parity.
. "$(dirname "$0")/common.sh"
need_py

run_ok "$TCMBP" generate --N 300 --K 3 --alpha 1.0 --teacher --output-rule parity --seed 4 --json -o "$D/p.h5"
[ "$(json_get output_rule)" = parity ] || fail "generate summary: $(cat "$LOG/out")"
run_ok "$TCMBP" info --json "$D/p.h5"
[ "$(json_get output_rule)" = parity ] || fail "info after round trip: $(cat "$LOG/out")"
run_ok "$TCMBP" info "$D/p.h5"
grep -q 'output_rule = "parity"' "$LOG/out" || fail "info text lacks the attribute: $(cat "$LOG/out")"
run_ok "$TCMBP" eval --json "$D/p.h5" "$D/p.h5:/teacher"
[ "$(json_get errors)" = 0 ] && [ "$(json_get output_rule)" = parity ] || fail "parity teacher: $(cat "$LOG/out")"
py 'assert float(json.loads(open(sys.argv[1]).read())["min_stability"]) > 0' "$LOG/out" || fail "parity min stability"

# The same file with the attribute removed is a majority instance: the
# teacher now makes errors, the default is majority.
cp "$D/p.h5" "$D/old.h5"
py 'h5py.File(sys.argv[1], "r+").attrs.__delitem__("output_rule")' "$D/old.h5"
run_ok "$TCMBP" eval --json "$D/old.h5" "$D/old.h5:/teacher"
[ "$(json_get output_rule)" = majority ] || fail "missing attribute should read as majority: $(cat "$LOG/out")"
py 'assert int(json.loads(open(sys.argv[1]).read())["errors"]) > 0' "$LOG/out" || fail "majority view of a parity teacher"

# Default majority; even K only with parity (teacher too).
run_ok "$TCMBP" generate --N 99 --K 3 --M 10 --json -o "$D/m.h5"
[ "$(json_get output_rule)" = majority ] || fail "default rule: $(cat "$LOG/out")"
run_ok "$TCMBP" generate --N 100 --K 4 --M 10 --output-rule parity --teacher --K-teacher 2 --json -o "$D/p4.h5"
[ "$(json_get K)" = 4 ] && [ "$(json_get K_teacher)" = 2 ] || fail "even K parity: $(cat "$LOG/out")"
run_ok "$TCMBP" generate --N 100 --K 4 --M 50 --output-rule parity --teacher --weights binary -o "$D/b4.h5"
run_ok "$TCMBP" eval --json "$D/b4.h5" "$D/b4.h5:/teacher"
[ "$(json_get errors)" = 0 ] || fail "binary even-K parity teacher (n = 25 odd): $(cat "$LOG/out")"
expect_fail 2 "--K must be odd" "$TCMBP" generate --N 100 --K 4 --M 10 -o "$D/bad.h5"
expect_fail 2 "--K-teacher must be odd" "$TCMBP" generate --N 99 --K 3 --M 10 --teacher --K-teacher 2 -o "$D/bad.h5"
expect_fail 2 "--K must be positive" "$TCMBP" generate --N 99 --K 0 --output-rule parity -o "$D/bad.h5"
expect_fail 2 "--output-rule must be majority or parity" "$TCMBP" generate --N 99 --output-rule xor -o "$D/bad.h5"

# Trainers are majority-vote algorithms.
expect_fail 1 "majority-vote trainer.*parity" "$TCMBP" train "$D/p.h5" --algo lal -o "$D/t.h5"
echo "all parity CLI tests passed"
