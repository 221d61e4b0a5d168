# scripts/sweep in local mode: a tiny bp sweep with a dependent task and a
# failing task; a task interrupted by SIGTERM leaves a checkpoint; a re-run
# skips finished tasks (same mtimes and checksums), resumes the interrupted
# one and redoes a deliberately torn result; status reports failures with
# their error line; scripts/aggregate's numbers match the result files.
. "$(dirname "$0")/common.sh"
need_py

SWEEP=$SRC/scripts/sweep
AGG=$SRC/scripts/aggregate
PLOT=$SRC/scripts/plot_sweep.py
S=$D/sw
cat >"$D/t.sweep" <<'EOF'
# test sweep: 6 bp tasks, 3 warm starts after them, 1 bad command, 1 skipped
[sweep]
name = localtest
threads = 1

[grid]
N = 99
K = 3
alpha = 1.0, 2.5      # BP converges at 1.0, not at 2.5 (slow: 3000 sweeps, ~1.5 s)
seeds = 1..3

[task bp]
command = bp {instance} -o {out} --checkpoint --max-sweeps 3000

[task warm]
alpha = 1.0
command = bp {instance} --init {out:bp} -o {out} --max-sweeps 100

[task bad]
alpha = 1.0
seeds = 1
command = bp {instance} -o {out} --damping 7

[task never]
alpha = 1.0
seeds = 1
after = bp
require = not_converged   # bp converges at alpha = 1: skipped
command = bp {instance} -o {out}
EOF

# status as JSON; key $1 of it.
status_json() { "$PY" "$SWEEP" status --dir "$S" --json >"$LOG/status"; }
st() { "$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(json.dumps(v) if isinstance(v,(list,dict)) else v)' "$LOG/status" "$1"; }

# Usage errors of the sweep file are clear (exit 2, file:line).
printf '[grid]\nN = 99\nfoo = 1\n[task a]\ncommand = bp {instance} -o {out}\n' >"$D/bad.sweep"
rc=0; "$PY" "$SWEEP" expand "$D/bad.sweep" --dir "$D/x" --tcmbp "$TCMBP" 2>"$LOG/err" || rc=$?
[ "$rc" = 2 ] && grep -q "bad.sweep:3: unknown key 'foo'" "$LOG/err" || fail "bad key: rc=$rc $(cat "$LOG/err")"
printf '[grid]\nN = 100\n[task a]\ncommand = bp {instance} -o {outt}\n' >"$D/bad2.sweep"
rc=0; "$PY" "$SWEEP" expand "$D/bad2.sweep" --dir "$D/x" --tcmbp "$TCMBP" 2>"$LOG/err" || rc=$?
[ "$rc" = 2 ] && grep -q "not a multiple of K" "$LOG/err" || fail "N%K: rc=$rc $(cat "$LOG/err")"

# Expansion is deterministic and written once.
"$PY" "$SWEEP" expand "$D/t.sweep" --dir "$S" --tcmbp "$TCMBP" --tsv >"$LOG/tsv1"
"$PY" "$SWEEP" expand "$D/t.sweep" --dir "$S" --tcmbp "$TCMBP" --tsv >"$LOG/tsv2"
cmp -s "$LOG/tsv1" "$LOG/tsv2" || fail "expand is not deterministic"
[ "$(($(wc -l <"$LOG/tsv1") - 1))" = 11 ] || fail "expected 11 tasks: $(cat "$LOG/tsv1")"
grep -q $'^6\twarm/N99-K3-a1-tree-continuous-s1\twarm\t.*\tbp/N99-K3-a1-tree-continuous-s1\ttcmbp bp instances/N99-K3-a1-tree-continuous-s1.h5 --init tasks/bp/N99-K3-a1-tree-continuous-s1/result.h5' "$LOG/tsv1" ||
    fail "warm task not expanded as expected: $(sed -n 8p "$LOG/tsv1")"
echo "ok: expand (11 tasks, deterministic)"

# Run 1 with 2 workers; SIGTERM one slow bp task's tcmbp process mid-run.
"$PY" "$SWEEP" run "$D/t.sweep" --dir "$S" --jobs 2 >"$LOG/run1" 2>&1 &
runpid=$!
victim=
for _ in $(seq 300); do
    for m in "$S"/tasks/bp/N99-K3-a2.5-*/running.json; do
        if [ -f "$m" ] && grep -q child_pid "$m" 2>/dev/null; then victim=$m; break 2; fi
    done
    sleep 0.1
done
[ -n "$victim" ] || { kill "$runpid" 2>/dev/null || true; fail "no slow task started within 30 s: $(cat "$LOG/run1")"; }
sleep 0.5
cpid=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["child_pid"])' "$victim")
vdir=$(dirname "$victim")
vid=${vdir#"$S"/tasks/}
kill -TERM "$cpid" || fail "could not signal tcmbp pid $cpid"
rc=0; wait "$runpid" || rc=$?
cat "$LOG/run1"
[ "$rc" = 3 ] || fail "sweep run with an interrupted task should exit 3, got $rc"
grep -q "$vid: interrupted rc=3" "$LOG/run1" || fail "run did not report $vid as interrupted"
echo "ok: interrupted $vid (tcmbp pid $cpid) -> exit 3"

status_json
[ "$(st "done")" = 8 ] && [ "$(st resumable)" = 1 ] && [ "$(st failed)" = 1 ] && [ "$(st pending)" = 0 ] &&
    [ "$(st skipped)" = 1 ] ||
    fail "status after run 1: $(cat "$LOG/status")"
[ "$(st resumable_ids)" = "[\"$vid\"]" ] || fail "resumable ids: $(st resumable_ids)"
st failures | grep -q '"id": "bad/N99-K3-a1-tree-continuous-s1", "rc": 2' || fail "failure not listed: $(st failures)"
st failures | grep -q 'tcmbp bp: error: --damping' || fail "failure without its error line: $(st failures)"
"$PY" "$SWEEP" status --dir "$S" >"$LOG/status.txt"
grep -Eq '^  failed +1' "$LOG/status.txt" && grep -q 'exit 2: tcmbp bp: error: --damping' "$LOG/status.txt" ||
    fail "text status: $(cat "$LOG/status.txt")"
echo "ok: status: 8 done, 1 resumable, 1 failed with its error line, 1 skipped"

# Tear one finished result (as a crash of a copy or a full disk would).
torn=$S/tasks/bp/N99-K3-a1-tree-continuous-s2/result.h5
"$PY" -c 'import sys; f=open(sys.argv[1],"r+b"); f.truncate(3000)' "$torn"
status_json
[ "$(st invalid)" = 1 ] && [ "$(st "done")" = 7 ] || fail "torn result not detected: $(cat "$LOG/status")"
echo "ok: torn result detected"

# Fingerprints (mtime_ns and sha256) of the results that must not be redone.
finger() {
    "$PY" - "$S" "$torn" <<'EOF'
import glob, hashlib, os, sys
for p in sorted(glob.glob(sys.argv[1] + "/tasks/*/*/result.h5")):
    if p == sys.argv[2]:
        continue
    print(p, os.stat(p).st_mtime_ns, hashlib.sha256(open(p, "rb").read()).hexdigest())
EOF
}
finger >"$LOG/f1"
grep -v "$vid/" "$LOG/f1" >"$LOG/f1.keep"
[ "$(wc -l <"$LOG/f1.keep")" = 7 ] || fail "expected 7 untouched results: $(cat "$LOG/f1.keep")"
sleep 1

# Run 2: skips the finished tasks, resumes the interrupted one, redoes the torn one.
rc=0; "$PY" "$SWEEP" run "$D/t.sweep" --dir "$S" --jobs 2 --skip-failed >"$LOG/run2" 2>&1 || rc=$?
cat "$LOG/run2"
[ "$rc" = 0 ] || fail "run 2 exit $rc"
grep -q "11 tasks, 7 already done, 2 to run" "$LOG/run2" || fail "run 2 did not skip the 7 finished tasks"
grep -q "$vid: done rc=0 .*(resumed)" "$LOG/run2" || fail "run 2 did not resume $vid"
finger | grep -v "$vid/" >"$LOG/f2.keep"
cmp -s "$LOG/f1.keep" "$LOG/f2.keep" || fail "finished results were rewritten:
$(diff "$LOG/f1.keep" "$LOG/f2.keep")"
[ -f "$torn.invalid" ] || fail "torn result was not moved aside"
py '
r = h5py.File(sys.argv[1], "r")
assert r["/bp"].attrs["status"] in (b"converged", "converged"), r["/bp"].attrs["status"]
v = h5py.File(sys.argv[2] + "/result.h5", "r")
cl = v.attrs["command_line"]; cl = cl.decode() if isinstance(cl, bytes) else cl
assert "--init " + sys.argv[3] + "/ckpt.h5" in cl.replace(sys.argv[4] + "/", ""), cl
st = v["/bp"].attrs["status"]; st = st.decode() if isinstance(st, bytes) else st
assert st in ("converged", "not_converged"), st
for k in ("tcmbp_version", "command_line", "host", "threads", "wall_seconds", "instance"):
    assert k in v.attrs, k
rec = json.load(open(sys.argv[2] + "/attempt-002.json"))
assert rec["resumed"] is True and rec["rc"] == 0 and rec["state"] == "done", rec
' "$torn" "$vdir" "tasks/$vid" "$S" || fail "resumed/redone results are wrong"
echo "ok: re-run skipped 7 finished results (same mtime and sha256), resumed $vid, redid the torn one"

status_json
[ "$(st "done")" = 9 ] && [ "$(st failed)" = 1 ] && [ "$(st resumable)" = 0 ] && [ "$(st invalid)" = 0 ] ||
    fail "status after run 2: $(cat "$LOG/status")"

# Without --skip-failed the failed task is retried (and fails again: exit 1).
rc=0; "$PY" "$SWEEP" run "$D/t.sweep" --dir "$S" --jobs 2 >"$LOG/run3" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "1 to run" "$LOG/run3" && [ -f "$S/tasks/bad/N99-K3-a1-tree-continuous-s1/attempt-002.json" ] ||
    fail "retry of the failed task: rc=$rc $(cat "$LOG/run3")"
echo "ok: failed task retried"

# A changed task definition is refused; more seeds extend the manifest.
sed 's/--max-sweeps 100$/--max-sweeps 200/' "$D/t.sweep" >"$D/changed.sweep"
rc=0; "$PY" "$SWEEP" expand "$D/changed.sweep" --dir "$S" --tcmbp "$TCMBP" 2>"$LOG/err" || rc=$?
[ "$rc" = 2 ] && grep -q "changes the definition of 3 task" "$LOG/err" || fail "changed sweep: rc=$rc $(cat "$LOG/err")"

# Aggregate: numbers checked against the result files themselves.
run_ok "$PY" "$AGG" "$S" -o "$D/summary" -q
[ -f "$D/summary.h5" ] && [ -f "$D/summary.csv" ] && [ -f "$D/summary.runs.csv" ] || fail "aggregate outputs missing"
py '
import csv, glob, math, os
S = sys.argv[2]
rows = {(r["task"], r["alpha"]): r for r in csv.DictReader(open(sys.argv[1] + ".csv"))}
assert set(rows) == {("bp", "1"), ("bp", "2.5"), ("warm", "1"), ("bad", "1"), ("never", "1")}, rows.keys()
def wilson(k, n, z=1.959963984540054):
    p = k / n; den = 1 + z * z / n; c = (p + z * z / (2 * n)) / den
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (0.0 if k == 0 else c - h), (1.0 if k == n else c + h)
for (task, alpha), r in rows.items():
    files = sorted(glob.glob(f"{S}/tasks/{task}/N99-K3-a{alpha}-tree-continuous-s*/result.h5"))
    st, ent, secs = [], [], []
    for p in files:
        try:
            f = h5py.File(p, "r")
        except OSError:
            continue
        a = f["/bp"].attrs
        s = a["status"]; st.append(s.decode() if isinstance(s, bytes) else s)
        ent.append(float(a["entropy"])); secs.append(float(a["seconds"]))
    n, k = len(st), sum(s == "converged" for s in st)
    assert int(r["n_instances"]) == n, (task, alpha, r["n_instances"], n)
    assert int(r["n_success"]) == k, (task, alpha, r["n_success"], k)
    if n == 0:
        assert (task, r["n_failed"], r["n_skipped"]) in (("bad", "1", "0"), ("never", "0", "1")), r
        assert r["p_success"] == "" and r["ci_low"] == "", r
        continue
    lo, hi = wilson(k, n)
    assert abs(float(r["p_success"]) - k / n) < 1e-9 and abs(float(r["ci_low"]) - lo) < 1e-8 \
        and abs(float(r["ci_high"]) - hi) < 1e-8, (r, lo, hi)
    assert abs(float(r["mean_entropy"]) - np.mean(ent)) < 1e-8, (r["mean_entropy"], ent)
    se = np.std(ent, ddof=1) / math.sqrt(n)
    assert abs(float(r["se_entropy"]) - se) < 1e-8, (r["se_entropy"], se)
    assert abs(float(r["median_seconds"]) - np.median(secs)) < 1e-8
assert rows[("bp", "1")]["n_instances"] == "3" and rows[("bp", "1")]["p_success"] == "1"
assert rows[("warm", "1")]["n_success"] == "3"
assert rows[("bp", "2.5")]["n_resumed"] == "1", rows[("bp", "2.5")]
h = h5py.File(sys.argv[1] + ".h5", "r")
assert h.attrs["file_kind"] in (b"sweep_summary", "sweep_summary")
runs = h["/runs"]
assert len(runs["id"]) == 9 and all(len(c) > 0 for c in runs["command_line"][()]) and all(runs["threads"][()] == 1)
for k in ("tcmbp_version", "host", "wall_seconds"):
    assert k in runs, k
' "$D/summary" "$S" || fail "aggregate numbers do not match the result files"
echo "ok: aggregate (counts, Wilson intervals, means, s.e., medians match the result files)"

run_ok "$PY" "$PLOT" "$D/summary.h5" -o "$D/summary.png"
py 'assert open(sys.argv[1], "rb").read(8) == b"\x89PNG\r\n\x1a\n"' "$D/summary.png" || fail "plot is not a PNG"
echo "ok: plot"

# solve through the sweep: SIGTERM mid-run leaves a checkpoint, the re-run
# resumes with --resume and gives exactly the weights of an uninterrupted run;
# volume runs after it, around the solution. (Only with a tcmbp that has solve.)
if "$TCMBP" help solve >/dev/null 2>&1 && "$TCMBP" help volume >/dev/null 2>&1; then
    F=$D/fbp
    cat >"$D/fbp.sweep" <<'EOF'
[grid]
N = 99
alpha = 2.0
seeds = 1
[task solve]
command = solve {instance} -o {out} --checkpoint {ckpt}
[task ref]
command = solve {instance} -o {out}
[task volume]
after = solve
require = solved
command = volume {instance} --reference {out:solve} -o {out} --csv {dir}/volume.csv --steps 4
EOF
    "$PY" "$SWEEP" run "$D/fbp.sweep" --dir "$F" --jobs 2 --tcmbp "$TCMBP" >"$LOG/frun1" 2>&1 &
    runpid=$!
    m=$F/tasks/solve/N99-K3-a2-tree-continuous-s1/running.json
    for _ in $(seq 300); do
        grep -q child_pid "$m" 2>/dev/null && break
        sleep 0.1
    done
    grep -q child_pid "$m" 2>/dev/null || { kill "$runpid" 2>/dev/null || true; fail "solve task did not start"; }
    sleep 0.3 # the solve takes ~1 s (N = 99, ~3000 sweeps): interrupt it early
    kill -TERM "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["child_pid"])' "$m")"
    rc=0; wait "$runpid" || rc=$?
    [ "$rc" = 3 ] && grep -q "solve/N99-K3-a2-tree-continuous-s1: interrupted rc=3" "$LOG/frun1" ||
        fail "solve interruption: rc=$rc $(cat "$LOG/frun1")"
    "$PY" "$SWEEP" status --dir "$F" --json >"$LOG/status"
    [ "$(st resumable_ids)" = '["solve/N99-K3-a2-tree-continuous-s1"]' ] || fail "solve not resumable: $(cat "$LOG/status")"
    rc=0; "$PY" "$SWEEP" run "$D/fbp.sweep" --dir "$F" --jobs 2 >"$LOG/frun2" 2>&1 || rc=$?
    cat "$LOG/frun2"
    [ "$rc" = 0 ] && grep -q "solve/N99-K3-a2-tree-continuous-s1: done rc=0 solved .*(resumed)" "$LOG/frun2" &&
        grep -q "volume/N99-K3-a2-tree-continuous-s1: done rc=0" "$LOG/frun2" || fail "solve resume: rc=$rc"
    py '
a = h5py.File(sys.argv[1] + "/tasks/solve/N99-K3-a2-tree-continuous-s1/result.h5", "r")
b = h5py.File(sys.argv[1] + "/tasks/ref/N99-K3-a2-tree-continuous-s1/result.h5", "r")
assert np.array_equal(a["/weights"][()], b["/weights"][()]), "resumed solve differs from an uninterrupted one"
cl = a.attrs["command_line"]; cl = cl.decode() if isinstance(cl, bytes) else cl
assert cl.endswith("--resume"), cl
' "$F" || fail "resumed solve"
    run_ok "$PY" "$AGG" "$F" -o "$D/fsum" -q
    py '
import csv
rows = {r["task"]: r for r in csv.DictReader(open(sys.argv[1] + ".csv"))}
assert rows["solve"]["n_success"] == "1" and rows["solve"]["n_resumed"] == "1", rows["solve"]
assert rows["volume"]["n_curves"] == "1", rows["volume"]
conv = h5py.File(sys.argv[2] + "/tasks/volume/N99-K3-a2-tree-continuous-s1/result.h5", "r")["/volume/converged"][()]
assert len(conv) == 4
assert len(list(csv.DictReader(open(sys.argv[1] + ".curves.csv")))) == int((conv > 0.5).sum())  # converged points only
' "$D/fsum" "$F" || fail "solve/volume summary"
    echo "ok: solve interrupted and resumed through the sweep (same weights as uninterrupted), volume after it"
else
    echo "note: $TCMBP has no solve/volume commands; their sweep path is not tested here"
fi

# Local-entropy curves: volume-style results (written here with h5py in the
# layout of tcmbp volume: /volume table with lambda, distance, entropy, s0,
# local_entropy) are averaged per lambda with standard errors.
V=$D/vol
printf '[grid]\nN = 99\nalpha = 1.0\nseeds = 1..3\n[task volume]\ncommand = volume {instance} --reference w.h5 -o {out}\nsuccess = converged\n' >"$D/vol.sweep"
"$PY" "$SWEEP" expand "$D/vol.sweep" --dir "$V" --tcmbp "$TCMBP" >/dev/null
py '
import glob, os
man = json.load(open(sys.argv[1] + "/manifest.json"))
for t in man["tasks"]:
    s = t["params"]["seed"]
    os.makedirs(os.path.join(sys.argv[1], t["dir"]), exist_ok=True)
    with h5py.File(os.path.join(sys.argv[1], t["out"]), "w") as f:
        f.attrs.update(file_kind="volume", tcmbp_version="0.1.0", command_line="tcmbp " + " ".join(t["argv"]),
                       host="h", threads=1, wall_seconds=1.0 * s, instance=t["instance"])
        g = f.create_group("volume")
        g.attrs.update(status="converged" if s < 3 else "not_converged", seconds=0.5 * s)
        lam = np.array([0.0, 0.5, 1.0])
        g["lambda"] = lam
        g["distance"] = 0.1 * s * (1 + lam)
        g["entropy"] = -lam * s
        g["s0"] = -lam
        g["local_entropy"] = -lam * s + lam
' "$V"
run_ok "$PY" "$AGG" "$V" -o "$D/vsum" -q
py '
import csv
rows = list(csv.DictReader(open(sys.argv[1] + ".curves.csv")))
assert [r["lambda"] for r in rows] == ["0", "0.5", "1"], rows
r = rows[2]
le = [-1 * s + 1 for s in (1, 2, 3)]
assert r["n"] == "3" and abs(float(r["mean_local_entropy"]) - np.mean(le)) < 1e-12, r
assert abs(float(r["se_local_entropy"]) - np.std(le, ddof=1) / np.sqrt(3)) < 1e-9, r
assert abs(float(r["mean_distance"]) - 0.4) < 1e-12, r
s = list(csv.DictReader(open(sys.argv[1] + ".csv")))
assert len(s) == 1 and s[0]["n_success"] == "2" and s[0]["n_curves"] == "3" and s[0]["median_seconds"] == "1", s
h = h5py.File(sys.argv[1] + ".h5", "r")
assert list(h["/curves/0000/mean_s0"][()]) == [0.0, -0.5, -1.0]
' "$D/vsum" || fail "volume curves aggregated wrongly"
run_ok "$PY" "$PLOT" "$D/vsum.h5" -o "$D/vsum.png"
echo "ok: local-entropy curves: mean and s.e. per lambda, plotted"

# No temporary files left behind anywhere in the sweep directory.
left=$(find "$S" -name '*.tmp*' -o -name 'running.json' -o -name '*.gen-*' | head -5)
[ -z "$left" ] || fail "left-over temporary files: $left"
echo "PASS: sweep local"
