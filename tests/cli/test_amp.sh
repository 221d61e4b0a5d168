# The AMP engine through the command line: bp --engine amp reports the same
# keys as BP (and the engine attribute), volume and solve run with it, an
# AMP checkpoint warm-starts AMP (to the bits of the cold run) and is refused
# by BP (and a BP one by AMP),
# the block schedule and unknown engines are refused.
. "$(dirname "$0")/common.sh"
need_py

run_ok "$TCMBP" generate --N 99 --K 3 --alpha 0.5 --seed 4 --teacher -o "$D/i.h5"
run_ok "$TCMBP" bp --engine amp --json "$D/i.h5" -o "$D/amp.h5"
[ "$(json_get status)" = converged ] || fail "amp bp: $(cat "$LOG/out")"
cold=$(json_get entropy)
py 'd=json.loads(open(sys.argv[1]).read()); assert all(k in d for k in ("entropy","q","chibar","errors","sweeps"))' "$LOG/out" || fail "amp keys"
py 'assert h5py.File(sys.argv[1])["/bp"].attrs["engine"] in (b"amp", "amp")' "$D/amp.h5" || fail "engine attribute"
run_ok "$TCMBP" bp --checkpoint --json "$D/i.h5" -o "$D/bp.h5"
run_ok "$TCMBP" volume --engine amp --json "$D/i.h5" --reference "$D/i.h5:/teacher" --lambdas 1,10 -o "$D/vol.h5"
[ "$(json_get converged)" = 2 ] || fail "amp volume: $(cat "$LOG/out")"
run_ok "$TCMBP" solve --engine amp --json "$D/i.h5" -o "$D/sol.h5"
[ "$(json_get status)" = solved ] || fail "amp solve: $(cat "$LOG/out")"
run_ok "$TCMBP" bp --engine amp --checkpoint --json "$D/i.h5" -o "$D/ck.h5" --max-sweeps 3
run_ok "$TCMBP" bp --engine amp --init "$D/ck.h5" --json "$D/i.h5" -o "$D/warm.h5"
[ "$(json_get status)" = converged ] && [ "$(json_get entropy)" = "$cold" ] || fail "amp warm start: $(cat "$LOG/out")"
expect_fail 1 "no continuous-weight messages" "$TCMBP" bp --init "$D/ck.h5" "$D/i.h5" -o "$D/x.h5"
expect_fail 1 "BP messages" "$TCMBP" bp --engine amp --init "$D/bp.h5" "$D/i.h5" -o "$D/x.h5"
expect_fail 1 "parallel schedule" "$TCMBP" bp --engine amp --schedule block "$D/i.h5" -o "$D/x.h5"
expect_fail 2 "engine" "$TCMBP" bp --engine foo "$D/i.h5" -o "$D/x.h5"
echo "all ok"
