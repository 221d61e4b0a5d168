# Shared by the study scripts (scripts/flatness.sh, scripts/fashion.sh):
# source it after setting study (the script's name for messages), force
# (0|1), runs (the directory of the JSON summaries) and logs.

# step NAME OUTPUT CMD...: run CMD (its --json summary goes to NAME.json)
# unless OUTPUT and NAME.json exist already; log stderr; record failures.
# Says "$study: run NAME" on stderr for every step it runs.
step() {
    local name=$1 output=$2
    shift 2
    if [ "$force" = 0 ] && [ -e "$output" ] && [ -s "$runs/$name.json" ]; then
        return 0
    fi
    echo "$study: run $name" >&2
    rm -f "$output"
    local rc=0
    "$@" --json >"$runs/$name.json.tmp" 2>"$logs/$name.err" || rc=$?
    if [ "$rc" = 0 ]; then
        mv "$runs/$name.json.tmp" "$runs/$name.json"
        return 0
    fi
    echo "$name: exit $rc from: $*" >>"$logs/FAILED"
    echo "$study: $name failed (see $logs/$name.err)" >&2
    rm -f "$runs/$name.json.tmp"
    return 1
}
