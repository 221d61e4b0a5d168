# scripts/sweep with dying and concurrent runners: a runner killed with
# SIGKILL takes its tcmbp child with it (which writes its checkpoint); SIGHUP
# stops a runner like SIGTERM; a tcmbp that outlives its runner holds the
# task's lock, status reports the task running, and a second runner waits for
# it instead of starting a second writer; two concurrent 'sweep run' on one
# folder run every task exactly once, with one attempt record each.
. "$(dirname "$0")/common.sh"
need_py

SWEEP=$SRC/scripts/sweep
PIDS=()
# Our own background processes (and orphaned children we saw) are ended on exit.
cleanup_pids() {
    local p
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
}
trap 'cleanup_pids; chmod -R u+rwX "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

# alive PID: the process exists and is not a zombie.
alive() {
    [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]
}
# wait_child DIR: print the tcmbp pid of the task running in DIR (up to 30 s).
wait_child() {
    local m=$1/running.json
    for _ in $(seq 300); do
        if grep -q '"child_pid": [0-9]' "$m" 2>/dev/null; then
            "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["child_pid"])' "$m"
            return 0
        fi
        sleep 0.1
    done
    return 1
}
# gone PID SECONDS: the process ends within SECONDS.
gone() {
    for _ in $(seq $(($2 * 10))); do
        alive "$1" || return 0
        sleep 0.1
    done
    return 1
}
status_of() { "$PY" "$SWEEP" status --dir "$1" --json --no-squeue; }

cat >"$D/slow.sweep" <<'EOF'
[grid]
N = 999
K = 3
alpha = 3.0
seeds = 1
[task bp]
command = bp {instance} -o {out} --checkpoint --max-sweeps 1000000 --tol 1e-300
EOF

# start_slow DIR LOG: a runner on the slow task in DIR, in the background;
# sets $runner, $tdir and $child (its tcmbp, running for half a second).
start_slow() {
    "$PY" "$SWEEP" run "$D/slow.sweep" --dir "$1" --tcmbp "$TCMBP" --only 'bp/*-s1' >"$2" 2>&1 &
    runner=$!
    PIDS+=("$runner")
    tdir=$1/tasks/bp/N999-K3-a3-tree-continuous-s1
    child=$(wait_child "$tdir") || fail "the slow task did not start: $(cat "$2")"
    PIDS+=("$child")
    sleep 0.5
}

# 1. SIGKILL of the runner: its tcmbp gets SIGTERM (parent-death signal),
# writes its checkpoint and ends; the task is resumable, not "running".
S1=$D/kill
start_slow "$S1" "$LOG/run1"
kill -KILL "$runner"
wait "$runner" 2>/dev/null || true
gone "$child" 10 || fail "tcmbp (pid $child) still runs 10 s after its runner was killed with SIGKILL"
status_of "$S1" >"$LOG/st1"
grep -q '"resumable": 1' "$LOG/st1" && grep -q '"running": 0' "$LOG/st1" || fail "status after SIGKILL: $(cat "$LOG/st1")"
py '
f = h5py.File(sys.argv[1] + "/result.h5", "r")
s = f["/bp"].attrs["status"]; s = s.decode() if isinstance(s, bytes) else s
assert s == "interrupted" and "checkpoint" in f, s
' "$tdir" || fail "the orphaned tcmbp did not write an interrupted result with its checkpoint"
echo "ok: SIGKILL of the runner ends its tcmbp (checkpoint written); status: resumable"

# 2. SIGHUP (terminal closed) stops the runner like SIGTERM: exit 3, tcmbp interrupted.
start_slow "$D/hup" "$LOG/run2"
kill -HUP "$runner"
rc=0
wait "$runner" || rc=$?
[ "$rc" = 3 ] || fail "sweep run after SIGHUP exited $rc, expected 3: $(cat "$LOG/run2")"
gone "$child" 5 || fail "tcmbp (pid $child) still runs after SIGHUP of its runner"
grep -q 'SIGHUP: stopping' "$LOG/run2" && grep -q ': interrupted rc=3' "$LOG/run2" || fail "run output: $(cat "$LOG/run2")"
echo "ok: SIGHUP stops the runner (exit 3), tcmbp interrupted with its checkpoint"

# A fake tcmbp around the real one: logs every bp run (start/end, with the
# task's output file); FAKE_SLEEP seconds before it; FAKE_IGNORE=1 makes it
# ignore SIGTERM/SIGHUP (a child that outlives its runner for a while).
FAKE=$WORK/fake-tcmbp
REAL=$(cd "$(dirname "$TCMBP")" && pwd)/$(basename "$TCMBP")
cat >"$FAKE" <<EOF
#!/bin/bash
if [ "\$1" = bp ]; then
    out=\$(printf '%s\n' "\$@" | grep -m1 result.h5)
    echo "start \$\$ \$out" >>"\$FAKE_LOG"
    [ -n "\${FAKE_IGNORE:-}" ] && trap '' TERM HUP
    sleep "\${FAKE_SLEEP:-0}"
    rc=0
    "$REAL" "\$@" || rc=\$?
    echo "end \$\$ \$out \$rc" >>"\$FAKE_LOG"
    exit \$rc
fi
exec "$REAL" "\$@"
EOF
chmod +x "$FAKE"
export FAKE_LOG=$WORK/fake.log

cat >"$D/quick.sweep" <<'EOF'
[grid]
N = 99
K = 3
alpha = 1.0
seeds = 1..6
[task bp]
command = bp {instance} -o {out} --max-sweeps 300
EOF

# 3. A tcmbp that outlives its killed runner keeps the task locked: status says
# running, and a second runner waits for it rather than starting a second writer.
S3=$D/orphan
: >"$FAKE_LOG"
FAKE_IGNORE=1 FAKE_SLEEP=4 "$PY" "$SWEEP" run "$D/quick.sweep" --dir "$S3" --tcmbp "$FAKE" --only 'bp/*-s1' \
    >"$LOG/run3" 2>&1 &
runner=$!
PIDS+=("$runner")
t3=$S3/tasks/bp/N99-K3-a1-tree-continuous-s1
child=$(wait_child "$t3") || fail "the task did not start: $(cat "$LOG/run3")"
PIDS+=("$child")
kill -KILL "$runner"
wait "$runner" 2>/dev/null || true
alive "$child" || fail "the fake tcmbp should survive its runner for 4 s"
status_of "$S3" >"$LOG/st3"
grep -q '"running": 1' "$LOG/st3" && grep -q '"running_ids": \["bp/N99-K3-a1-tree-continuous-s1"\]' "$LOG/st3" ||
    fail "status while the orphaned tcmbp runs: $(cat "$LOG/st3")"
# An array element ('sweep task') on the locked task refuses it: one line, exit 1.
rc=0
"$PY" "$SWEEP" task "$S3" --id bp/N99-K3-a1-tree-continuous-s1 --tcmbp "$FAKE" >"$LOG/out" 2>"$LOG/err" || rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <"$LOG/err")" = 1 ] &&
    grep -q "^sweep: error: task bp/N99-K3-a1-tree-continuous-s1: not run: .*lock is held by another runner" "$LOG/err" ||
    fail "sweep task on a locked task: rc=$rc $(cat "$LOG/err")"
rc=0
"$PY" "$SWEEP" run "$D/quick.sweep" --dir "$S3" --tcmbp "$FAKE" --only 'bp/*-s1' >"$LOG/run3b" 2>&1 || rc=$?
cat "$LOG/run3b"
[ "$rc" = 0 ] || fail "second runner exited $rc"
grep -q "\[wait\] bp/N99-K3-a1-tree-continuous-s1: .*lock is held by another runner" "$LOG/run3b" ||
    fail "second runner did not wait for the lock"
grep -q "bp/N99-K3-a1-tree-continuous-s1: done (already done)" "$LOG/run3b" || fail "second runner ran the task again"
[ "$(grep -c '^start ' "$FAKE_LOG")" = 1 ] || fail "tcmbp bp started more than once: $(cat "$FAKE_LOG")"
alive "$child" && fail "the orphan still runs after the second runner finished"
echo "ok: an orphaned tcmbp holds the task lock: status 'running', a second runner waits, one writer only"

# 4. Two concurrent runs on one folder: every task runs exactly once.
S4=$D/twice
: >"$FAKE_LOG"
FAKE_SLEEP=0.3 "$PY" "$SWEEP" run "$D/quick.sweep" --dir "$S4" --tcmbp "$FAKE" --jobs 2 >"$LOG/run4a" 2>&1 &
ra=$!
FAKE_SLEEP=0.3 "$PY" "$SWEEP" run "$D/quick.sweep" --dir "$S4" --tcmbp "$FAKE" --jobs 2 >"$LOG/run4b" 2>&1 &
rb=$!
PIDS+=("$ra" "$rb")
rca=0 rcb=0
wait "$ra" || rca=$?
wait "$rb" || rcb=$?
cat "$LOG/run4a" "$LOG/run4b"
[ "$rca" = 0 ] && [ "$rcb" = 0 ] || fail "concurrent runs exited $rca and $rcb"
"$PY" - "$FAKE_LOG" "$S4" <<'EOF' || fail "concurrent runs: $(cat "$FAKE_LOG")"
import collections, glob, json, os, sys
starts = collections.Counter(l.split()[2] for l in open(sys.argv[1]) if l.startswith("start "))
assert len(starts) == 6 and set(starts.values()) == {1}, starts
for d in sorted(glob.glob(sys.argv[2] + "/tasks/bp/*")):
    recs = sorted(glob.glob(d + "/attempt-*.json"))
    assert [os.path.basename(r) for r in recs] == ["attempt-001.json"], (d, recs)
    r = json.load(open(recs[0]))
    assert r["state"] == "done" and r["rc"] == 0, r
EOF
status_of "$S4" >"$LOG/st4"
grep -q '"done": 6' "$LOG/st4" || fail "status after concurrent runs: $(cat "$LOG/st4")"
echo "ok: two concurrent runs on one folder: 6 tasks, 6 tcmbp runs, one attempt record each"
# 5. Temporaries of a dead writer (tcmbp's TARGET.tmp.XXXXXX from mkstemp,
# and the older TARGET.tmp) are removed before the task runs again.
S5=$D/leftovers
"$PY" "$SWEEP" expand "$D/quick.sweep" --dir "$S5" --tcmbp "$TCMBP" >/dev/null
t5=$S5/tasks/bp/N99-K3-a1-tree-continuous-s1
mkdir -p "$t5"
for f in result.h5.tmp result.h5.tmp.Ab3xZ9 ckpt.h5.tmp.Qw12Er volume.csv.tmp.000001; do echo torn >"$t5/$f"; done
run_ok "$PY" "$SWEEP" run "$D/quick.sweep" --dir "$S5" --only 'bp/*-s1' -q
left=$(find "$S5" -name '*.tmp*')
[ -z "$left" ] || fail "temporaries of a dead writer left: $left"
for f in result.h5.tmp result.h5.tmp.Ab3xZ9 ckpt.h5.tmp.Qw12Er volume.csv.tmp.000001; do
    grep -q "^# removed tasks/bp/N99-K3-a1-tree-continuous-s1/$f (temporary of a dead writer)" "$t5/stderr.log" ||
        fail "no note on removing $f: $(cat "$t5/stderr.log")"
done
echo "ok: TARGET.tmp and TARGET.tmp.XXXXXX of a dead writer removed before the re-run"
echo "PASS: sweep locks"
