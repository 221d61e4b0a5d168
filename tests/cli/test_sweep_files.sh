# scripts/sweep on hostile sweep files: malformed files (unbalanced quote,
# non-UTF-8 text, non-integer threads/throttle, bad SLURM values) give one
# 'sweep: error: FILE:LINE: ...' line and exit 2, never a traceback, and
# write nothing; task-variable values never make a folder outside --dir
# (they are escaped, injectively); two tasks with the same id are refused;
# submit --dry-run writes #SBATCH lines only with values in SLURM's formats
# and a quoted --output path.
. "$(dirname "$0")/common.sh"
need_py

SWEEP=$SRC/scripts/sweep

# sweep_fail CODE PATTERN CMD...: CMD exits CODE with exactly one stderr line
# 'sweep: error: ...' matching PATTERN, no traceback, and $D unchanged.
sweep_fail() {
    local code=$1 pattern=$2 rc=0 before after
    shift 2
    before=$(snapshot)
    "$@" >"$LOG/out" 2>"$LOG/err" || rc=$?
    after=$(snapshot)
    [ "$rc" -eq "$code" ] || fail "expected exit $code, got $rc: $* (stderr: $(cat "$LOG/err"))"
    [ "$(wc -l <"$LOG/err")" -eq 1 ] || fail "expected one stderr line from: $*; got:
$(cat "$LOG/err")"
    ! grep -q Traceback "$LOG/err" || fail "traceback from $*"
    grep -q '^sweep: error: ' "$LOG/err" || fail "not a 'sweep: error:' line: $(cat "$LOG/err")"
    grep -Eq -- "$pattern" "$LOG/err" || fail "stderr of '$*' does not match /$pattern/: $(cat "$LOG/err")"
    [ "$before" = "$after" ] || fail "files changed after failing command: $*"
    echo "ok (exit $rc): $(cat "$LOG/err")"
}

# bad_file LINE PATTERN CONTENT: expanding a file with CONTENT (printf format)
# fails at FILE:LINE with PATTERN.
bad_file() {
    local line=$1 pattern=$2
    printf "$3" >"$WORK/bad.sweep"
    sweep_fail 2 "bad.sweep:$line: $pattern" "$PY" "$SWEEP" expand "$WORK/bad.sweep" --dir "$D/never" --tcmbp "$TCMBP"
    [ ! -e "$D/never" ] || fail "a failed expand created its --dir"
}

CMD='command = bp {instance} -o {out}\n'
# Item 22: malformed files.
bad_file 2 'command: no closing quotation' '[task a]\ncommand = bp {instance} -o {out} --x "abc\n'
bad_file 2 'generate: no closing quotation' "[grid]\ngenerate = --K-teacher '1\n[task a]\n$CMD"
bad_file 3 'resume: no closing quotation' "[task a]\n$CMD"'resume = --init "{ckpt}\n'
bad_file 3 'not UTF-8 text \(byte 0xe9 at column 6\)' "[task a]\n$CMD# caf\351 cr\350me\n"
bad_file 1 'not UTF-8 text \(byte 0xff' '\377\376[\000t\000a\000s\000k\000]\000\n'
bad_file 2 "threads must be an integer \(got 'abc'\)" "[sweep]\nthreads = abc\n[task a]\n$CMD"
bad_file 2 "threads must be an integer \(got '1.5'\)" "[task a]\nthreads = 1.5\n$CMD"
bad_file 2 'threads must be >= 1' "[task a]\nthreads = 0\n$CMD"
bad_file 2 "throttle must be a positive integer \(got 'abc'\)" "[slurm]\nthrottle = abc\n[task a]\n$CMD"
bad_file 2 "max_array must be a positive integer" "[slurm]\nmax_array = 1e3\n[task a]\n$CMD"
bad_file 2 "margin must be seconds" "[slurm]\nmargin = 60s\n[task a]\n$CMD"
bad_file 2 'empty command' '[task a]\ncommand = tcmbp\n'
# Item 23: SLURM values in SLURM's formats (they become #SBATCH lines).
for tm in 1:00:00:00 99:99 1-24 abc '00:10:00 --x' 1-2:60 -5; do
    bad_file 2 "time must be MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS \(got '$tm'\)" \
        "[slurm]\ntime = $tm\n[task a]\n$CMD"
done
bad_file 3 "time must be" "[task a]\n${CMD}time = 10:00:00:00\n"
for mem in 4GB 2.5G -1 'G'; do
    bad_file 2 "mem must be a size like 500M, 4G \(units K, M, G, T\) \(got '$mem'\)" "[slurm]\nmem = $mem\n[task a]\n$CMD"
done
bad_file 2 "partition must be a partition name" "[slurm]\npartition = a\$(reboot)\n[task a]\n$CMD"
bad_file 2 "account must be an account name" "[slurm]\naccount = x;rm\n[task a]\n$CMD"
bad_file 2 "qos must be a QOS name" "[slurm]\nqos = a/b\n[task a]\n$CMD"
bad_file 2 "launcher must be srun or exec" "[slurm]\nlauncher = ssh\n[task a]\n$CMD"
bad_file 2 "sbatch options must be" "[slurm]\nsbatch = --comment='a b'\n[task a]\n$CMD"
bad_file 2 "sbatch: no closing quotation" "[slurm]\nsbatch = --comment='a\n[task a]\n$CMD"
# Item 9: duplicate task ids, whatever makes them.
bad_file 4 "task id 'bp__x-0.1/N999-K3-a1-tree-continuous-s1' of bp__x-0.1 is also the id of bp\[x=0.1\] \(\[task bp\] line 1\)" \
    "[task bp]\nx = 0.1\n$CMD[task bp__x-0.1]\n$CMD"
bad_file 1 "task id 'r__a-1__b-2__b-3/.*' of r\[a=1__b-2,b=3\] is also the id of r\[a=1,b=2__b-3\]" \
    "[task r]\na = 1, 1__b-2\nb = 3, 2__b-3\n$CMD"
bad_file 1 "task name '..' starts with '.'" "[task ..]\n$CMD"
echo "ok: malformed sweep files: one file:line error each, exit 2, no traceback, nothing written"

# Item 8: values that look like paths stay inside their task folder.
cat >"$WORK/esc.sweep" <<'EOF'
[grid]
N = 9
K = 3
[task bp]
x = x/../../../escaped2, ../.., a%2F, a/, a%, .
command = bp {instance} -o {out} --max-sweeps 5
EOF
run_ok "$PY" "$SWEEP" expand "$WORK/esc.sweep" --dir "$D/esc" --tcmbp "$TCMBP"
"$PY" "$SWEEP" expand "$WORK/esc.sweep" --dir "$D/esc" --tsv | cut -f2 | tail -n +2 >"$LOG/ids"
cat >"$LOG/ids.want" <<'EOF'
bp__x-x%2F..%2F..%2F..%2Fescaped2/N9-K3-a1-tree-continuous-s1
bp__x-..%2F../N9-K3-a1-tree-continuous-s1
bp__x-a%252F/N9-K3-a1-tree-continuous-s1
bp__x-a%2F/N9-K3-a1-tree-continuous-s1
bp__x-a%25/N9-K3-a1-tree-continuous-s1
bp__x-./N9-K3-a1-tree-continuous-s1
EOF
diff "$LOG/ids.want" "$LOG/ids" || fail "escaped task ids differ"
run_ok "$PY" "$SWEEP" run "$WORK/esc.sweep" --dir "$D/esc" -q
n=$(find "$D/esc/tasks" -name result.h5 | wc -l)
[ "$n" = 6 ] || fail "expected 6 results under $D/esc/tasks, found $n"
outside=$(find "$D" -path "$D/esc" -prune -o -name 'escaped*' -print)
[ -z "$outside" ] || fail "a task wrote outside its folder: $outside"
[ "$(find "$D/esc/tasks" -mindepth 1 -maxdepth 1 | wc -l)" = 6 ] || fail "task folders: $(ls "$D/esc/tasks")"
py '
import json
for t in json.load(open(sys.argv[1]))["tasks"]:
    assert t["dir"].count("/") == 2 and ".." not in t["dir"].split("/"), t["dir"]
    assert t["argv"][:1] == ["bp"], t["argv"]
' "$D/esc/manifest.json" || fail "task folders not one level under tasks/"
echo "ok: path-like variable values escaped into 6 distinct folders under --dir, nothing outside"

# Item 23: submit --dry-run validates its options and quotes the --output path.
cat >"$WORK/sl.sweep" <<'EOF'
[grid]
N = 9
K = 3
[task bp]
command = bp {instance} -o {out}
time = 2-12:30
mem = 500M
[slurm]
partition = short,long
account = proj_1.a-b
throttle = 3
EOF
sweep_fail 2 "submit --time: time must be MM, MM:SS" "$PY" "$SWEEP" submit "$WORK/sl.sweep" --dir "$D/sl" \
    --tcmbp "$TCMBP" --dry-run --time '1:00:00
#SBATCH --uid=0'
sweep_fail 2 "submit --partition: partition must be" "$PY" "$SWEEP" submit "$WORK/sl.sweep" --dir "$D/sl" \
    --tcmbp "$TCMBP" --dry-run --partition 'a b'
sweep_fail 2 "submit --margin: margin must be" "$PY" "$SWEEP" submit "$WORK/sl.sweep" --dir "$D/sl" \
    --tcmbp "$TCMBP" --dry-run --margin 70000
sweep_fail 2 "submit --throttle: must be >= 1" "$PY" "$SWEEP" submit "$WORK/sl.sweep" --dir "$D/sl" \
    --tcmbp "$TCMBP" --dry-run --throttle 0
sweep_fail 2 "submit --sbatch-arg: sbatch options must be" "$PY" "$SWEEP" submit "$WORK/sl.sweep" --dir "$D/sl" \
    --tcmbp "$TCMBP" --dry-run --sbatch-arg '--comment=x
#SBATCH --uid=0'
# A manifest edited (or written by an older sweep) with a bad value is refused too.
"$PY" "$SWEEP" expand "$WORK/sl.sweep" --dir "$D/man" --tcmbp "$TCMBP" >/dev/null
py '
import json
m = json.load(open(sys.argv[1])); m["slurm"]["account"] = "a\n#SBATCH --uid=0"
json.dump(m, open(sys.argv[1], "w"))
' "$D/man/manifest.json"
sweep_fail 1 "manifest.json: \[slurm\]: account must be" "$PY" "$SWEEP" submit "$WORK/sl.sweep" --dir "$D/man" \
    --tcmbp "$TCMBP" --dry-run
SL="$D/sl dir %A"
"$PY" "$SWEEP" submit "$WORK/sl.sweep" --dir "$SL" --tcmbp "$TCMBP" --dry-run >"$LOG/submit" 2>&1 ||
    fail "submit --dry-run: $(cat "$LOG/submit")"
script=$(find "$SL/slurm" -name '*.sbatch')
[ "$(echo "$script" | wc -l)" = 1 ] || fail "expected one batch script: $script"
grep '^#SBATCH' "$script" >"$LOG/sbatch"
cat "$LOG/sbatch"
subdir=$(dirname "$script")
for want in '#SBATCH --time=2-12:30' '#SBATCH --mem=500M' '#SBATCH --partition=short,long' \
    '#SBATCH --account=proj_1.a-b' '#SBATCH --array=0-0%3' \
    "#SBATCH --output=\"${subdir//%/%%}/logs/%A_%a.out\""; do
    grep -qxF -- "$want" "$LOG/sbatch" || fail "batch script lacks the line: $want"
done
py '
import shlex, sys
for line in open(sys.argv[1]):
    if line.startswith("#SBATCH "):
        words = shlex.split(line[len("#SBATCH "):])
        assert len(words) == 1 and words[0].startswith("--"), line
' "$script" || fail "an #SBATCH line is not one quoted option"
grep -qF "cd '$SL' || exit 1" "$script" || fail "cd line not quoted: $(grep '^cd' "$script")"
echo "ok: submit --dry-run: SLURM values checked, one option per #SBATCH line, quoted --output with %% for %"
echo "PASS: sweep files"
