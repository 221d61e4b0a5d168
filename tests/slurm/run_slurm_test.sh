#!/usr/bin/env bash
# End-to-end test of scripts/sweep against a real SLURM (Debian's slurmctld,
# slurmd, slurm-client, munge; installed when missing): a one-node cluster on
# 127.0.0.1 without systemd runs a 12-task sweep as two array jobs (8 bp
# tasks, then 4 warm starts that depend on them); one running task is sent
# SIGTERM through SLURM (scancel --signal=TERM, the signal SLURM sends at the
# time limit) and must leave a checkpoint and exit 3; the resubmission must
# run only that task, resuming it; the aggregate's numbers are checked against
# the result files. The sweep folder's name has a space and a '%' (the
# quoted #SBATCH --output path). Then one task runs into a real 2-minute time limit and
# must get SIGTERM before it (#SBATCH --signal), checkpoint and exit 3. The
# daemons are stopped on exit, also on failure (trap), and their logs are
# printed on failure. Needs root. Takes about two minutes on an idle machine
# (one without the time-limit part: TCMBP_SLURM_TIMELIMIT=0); on a loaded one
# a queue drain is given up to 15 minutes.
#
#   bash tests/slurm/run_slurm_test.sh [PATH/TO/tcmbp]     (default: build/tcmbp)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TCMBP=${1:-$ROOT/build/tcmbp}
PY=/usr/bin/python3
SWEEP=$ROOT/scripts/sweep
AGG=$ROOT/scripts/aggregate
CLUSTER=$ROOT/scripts/slurm/local_cluster.sh
START=$SECONDS

say() { echo "[slurm-test $((SECONDS - START))s] $*"; }
fail() {
    echo "FAIL: slurm test: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || fail "must run as root (installs SLURM and starts its daemons)"
[ -x "$TCMBP" ] || fail "no tcmbp binary at $TCMBP (build first: bash scripts/setup.sh)"
TCMBP=$(cd "$(dirname "$TCMBP")" && pwd)/$(basename "$TCMBP")
"$PY" -c 'import h5py, numpy' 2>/dev/null || fail "$PY cannot import h5py and numpy (apt-get install python3-h5py python3-numpy)"

WORK=$(mktemp -d /tmp/tcmbp-slurm-test.XXXXXX)
CL=$WORK/cluster
S="$WORK/sweep dir %1"   # a space and a '%': the quoted #SBATCH --output path must survive sbatch
ok=0

cleanup() {
    local rc=$?
    set +e
    if [ "$ok" != 1 ]; then
        echo "----- slurm test failed (exit $rc); diagnostics:" >&2
        [ -n "${SLURM_CONF:-}" ] && squeue -a 2>&1 | head -20 >&2
        [ -d "$S" ] && "$PY" "$SWEEP" status --dir "$S" --verbose >&2 2>&1
        for f in "$S"/slurm/*/logs/*.out; do
            [ -f "$f" ] && { echo "----- $f" >&2; tail -n 15 "$f" >&2; }
        done
        for f in "$S"/tasks/*/*/stderr.log; do
            [ -s "$f" ] && grep -qv '^#' "$f" && { echo "----- $f" >&2; tail -n 5 "$f" >&2; }
        done
        bash "$CLUSTER" logs "$CL"
    fi
    bash "$CLUSTER" stop "$CL"
    if [ "$ok" = 1 ]; then rm -rf "$WORK"; else echo "(kept $WORK)" >&2; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.5 s until it succeeds.
wait_for() {
    local limit=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + limit))
    until "$@"; do
        [ $SECONDS -lt $deadline ] || fail "timed out after ${limit}s waiting for $what"
        sleep 0.5
    done
}
queue_empty() { [ -z "$(squeue -h -u "$(id -un)" 2>/dev/null)" ]; }
status_json() { "$PY" "$SWEEP" status --dir "$S" --json >"$WORK/status.json"; }
st() { "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(json.dumps(v) if isinstance(v,(list,dict)) else v)' "$WORK/status.json" "$1"; }

say "installing (if needed) and starting a one-node cluster in $CL"
bash "$CLUSTER" install >/dev/null 2>&1 || true   # (start installs too, with messages)
eval "$(bash "$CLUSTER" start "$CL")"
export SLURM_CONF
sinfo

cat >"$WORK/slurm.sweep" <<'EOF'
# 12 tasks: bp on 8 instances (alpha 2.5 does not converge: 60000 sweeps, seconds),
# then a warm start from each alpha = 1 result.
[sweep]
name = slurmtest
threads = 1

[grid]
N = 99
K = 3
alpha = 1.0, 2.5
seeds = 1..4

[task bp]
command = bp {instance} -o {out} --checkpoint --max-sweeps 60000

[task warm]
alpha = 1.0
command = bp {instance} --init {out:bp} -o {out} --max-sweeps 100

[slurm]
throttle = 2
time = 00:10:00
margin = 60
EOF

say "submitting"
"$PY" "$SWEEP" submit "$WORK/slurm.sweep" --dir "$S" --tcmbp "$TCMBP" | tee "$WORK/submit1"
grep -q "array job [0-9]*: 8 tasks, wave 0, --array=0-7%2" "$WORK/submit1" || fail "first array job not as expected"
grep -q "array job [0-9]*: 4 tasks, wave 1, --array=0-3%2, .*after [0-9]*" "$WORK/submit1" ||
    fail "dependent array job not as expected"
script=$(find "$S"/slurm -name "w0-*.sbatch" | head -1)
grep -q '^#SBATCH --signal=TERM@60$' "$script" && grep -q '^exec srun ' "$script" ||
    fail "batch script does not forward SIGTERM through srun: $script"
grep -q '^#SBATCH --output=".*/sweep dir %%1/slurm/sub-[^"]*/logs/%A_%a.out"$' "$script" ||
    fail "--output line not quoted with % doubled: $(grep -e --output "$script")"

# Wait for a slow (alpha 2.5) task to be running tcmbp, then SIGTERM it through SLURM.
find_victim() {
    local m
    for m in "$S"/tasks/bp/N99-K3-a2.5-*/running.json; do
        [ -f "$m" ] && grep -q '"child_pid"' "$m" && grep -q '"slurm_array": "[0-9]*_[0-9]*"' "$m" &&
            { victim=$m; return 0; }
    done
    return 1
}
victim=
wait_for 120 "a slow task to start" find_victim
sleep 1
vdir=$(dirname "$victim")
vid=${vdir#"$S"/tasks/}
job=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["slurm_array"])' "$victim" 2>/dev/null) ||
    fail "the task $victim finished before it could be interrupted (make it slower)"

squeue -h -r -o '%i %T' | grep -q "^$job RUNNING$" || fail "squeue does not show $job running"
say "scancel --signal=TERM $job ($vid)"
rc=0
scancel --verbose --signal=TERM "$job" >"$WORK/scancel.log" 2>&1 || rc=$?
# scancel may report an error code when the step ends while being signalled
# (tcmbp exits within a second); what matters is checked below: exit 3 and a checkpoint.
[ "$rc" = 0 ] || { say "note: scancel exited $rc:"; cat "$WORK/scancel.log"; }

wait_for 900 "the queue to drain" queue_empty
say "queue empty"
rec=$vdir/attempt-001.json
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["rc"] == 3 and r["state"] == "interrupted" and r["slurm_array"] == sys.argv[2], r' \
    "$rec" "$job" || fail "the signalled task did not exit 3: $(cat "$rec")"
grep -q "interrupted rc=3" "$S"/slurm/sub-*/logs/"$job".out || fail "SLURM log of $job does not show exit 3"
echo "----- SLURM output of $job:"
cat "$S"/slurm/sub-*/logs/"$job".out
status_json
[ "$(st "done")" = 11 ] && [ "$(st resumable)" = 1 ] && [ "$(st failed)" = 0 ] && [ "$(st running)" = 0 ] ||
    fail "status after the first submission: $(cat "$WORK/status.json")"
[ "$(st resumable_ids)" = "[\"$vid\"]" ] || fail "resumable: $(st resumable_ids), expected $vid"
"$PY" "$SWEEP" status --dir "$S"
say "11 done, $vid resumable"

# Fingerprints of the 11 finished results: the resubmission must not touch them.
finger() {
    "$PY" - "$S" "$vid" <<'EOF'
import glob, hashlib, os, sys
for p in sorted(glob.glob(sys.argv[1] + "/tasks/*/*/result.h5")):
    if "/" + sys.argv[2] + "/" not in p:
        print(p, os.stat(p).st_mtime_ns, hashlib.sha256(open(p, "rb").read()).hexdigest())
EOF
}
finger >"$WORK/f1"
[ "$(wc -l <"$WORK/f1")" = 11 ] || fail "expected 11 finished results"

say "resubmitting"
"$PY" "$SWEEP" submit "$WORK/slurm.sweep" --dir "$S" | tee "$WORK/submit2"
grep -q "done 11, resumable 1; submitting 1" "$WORK/submit2" && grep -q "array job [0-9]*: 1 tasks" "$WORK/submit2" ||
    fail "resubmission should submit exactly the interrupted task"
wait_for 900 "the resubmitted task" queue_empty
status_json
[ "$(st "done")" = 12 ] && [ "$(st failed)" = 0 ] && [ "$(st resumable)" = 0 ] || fail "final status: $(cat "$WORK/status.json")"
finger >"$WORK/f2"
cmp -s "$WORK/f1" "$WORK/f2" || fail "finished results were rewritten by the resubmission: $(diff "$WORK/f1" "$WORK/f2")"
"$PY" - "$vdir" "$vid" <<'EOF' || fail "the resubmitted task did not resume from its checkpoint"
import json, sys, h5py
r = json.load(open(sys.argv[1] + "/attempt-002.json"))
assert r["resumed"] and r["rc"] == 0 and r["state"] == "done" and r["slurm_array"], r
assert any("--init" == a for a in r["command"]), r["command"]
f = h5py.File(sys.argv[1] + "/result.h5", "r")
cl = f.attrs["command_line"]
cl = cl.decode() if isinstance(cl, bytes) else cl
assert "--init tasks/" + sys.argv[2] + "/ckpt.h5" in cl, cl
EOF
"$PY" "$SWEEP" status --dir "$S"
say "12 done; the interrupted task resumed, the 11 others untouched"

"$PY" "$AGG" "$S" -o "$WORK/summary" | tee "$WORK/agg.txt"
"$PY" - "$WORK/summary" "$S" "$(hostname)" <<'EOF' || fail "summary numbers are wrong"
import csv, glob, math, sys
import h5py, numpy as np
base, S, host = sys.argv[1:4]
rows = {(r["task"], r["alpha"]): r for r in csv.DictReader(open(base + ".csv"))}
assert set(rows) == {("bp", "1"), ("bp", "2.5"), ("warm", "1")}, sorted(rows)
z = 1.959963984540054
for (task, alpha), r in rows.items():
    st = []
    for p in sorted(glob.glob(f"{S}/tasks/{task}/N99-K3-a{alpha}-tree-continuous-s*/result.h5")):
        s = h5py.File(p, "r")["/bp"].attrs["status"]
        st.append(s.decode() if isinstance(s, bytes) else s)
    n, k = len(st), st.count("converged")
    assert n == 4 and int(r["n_instances"]) == 4 and int(r["n_tasks"]) == 4, r
    assert int(r["n_success"]) == k, (r, st)
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert abs(float(r["ci_low"]) - (0 if k == 0 else c - h)) < 1e-8 and \
        abs(float(r["ci_high"]) - (1 if k == n else c + h)) < 1e-8, r
assert rows[("bp", "1")]["n_success"] == "4" and rows[("warm", "1")]["n_success"] == "4"
assert rows[("bp", "2.5")]["n_resumed"] == "1"
f = h5py.File(base + ".h5", "r")
runs = f["/runs"]
assert len(runs["id"]) == 12
hosts = {h.decode() if isinstance(h, bytes) else h for h in runs["host"][()]}
assert hosts == {host}, hosts
for c in runs["command_line"][()]:
    c = c.decode() if isinstance(c, bytes) else c
    assert c.startswith("tcmbp bp instances/"), c
print("summary checked: counts, Wilson intervals, resumed count, hosts, command lines")
EOF

if [ "${TCMBP_SLURM_TIMELIMIT:-1}" = 1 ]; then
    # A real time limit: 2 minutes with SIGTERM 30 s before it; bp cannot finish.
    cat >"$WORK/tl.sweep" <<'EOF'
[sweep]
name = timelimit
[grid]
N = 300
K = 3
alpha = 3.0
seeds = 1
[task long]
command = bp {instance} -o {out} --checkpoint --max-sweeps 1000000 --tol 1e-300
[slurm]
time = 00:02:00
margin = 30
EOF
    say "time-limit check: a task that cannot finish within 00:02:00"
    "$PY" "$SWEEP" submit "$WORK/tl.sweep" --dir "$WORK/tl" --tcmbp "$TCMBP"
    wait_for 300 "the time-limited job to end" queue_empty
    "$PY" "$SWEEP" status --dir "$WORK/tl"
    echo "----- SLURM output of the time-limited task:"
    cat "$WORK"/tl/slurm/sub-*/logs/*.out
    "$PY" -c 'import json,glob,sys; r=json.load(open(glob.glob(sys.argv[1]+"/tasks/long/*/attempt-001.json")[0])); assert r["rc"] == 3 and r["state"] == "interrupted", r' \
        "$WORK/tl" || fail "the time-limited task did not checkpoint and exit 3"
    "$PY" "$SWEEP" status --dir "$WORK/tl" --json | grep -q '"resumable": 1' || fail "time-limited task not resumable"
    say "time limit: SIGTERM before the limit, checkpoint written, exit 3, resumable"
fi

ok=1
say "PASS (SLURM $(sinfo -V | awk '{print $2}'), $((SECONDS - START)) s)"
