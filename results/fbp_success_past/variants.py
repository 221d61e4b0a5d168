"""Success rates of three solver variants from runs made with
`solve --polish --restarts 1` (README.md): the first attempt before the
clean-up is the default solver, after it `--polish`, and the whole run
`--polish --restarts 1`. Also reads plain default runs (label-less JSON of
fbp_success.sh) with a `.polish.txt` line of polish_saved beside them.

    /usr/bin/python3 variants.py CONT_RUNS_DIR BINARY_RUNS_JSONL OUT_PREFIX [CONT_MACHINE]
writes OUT_PREFIX.md and OUT_PREFIX.csv (CONT_MACHINE: the label of the
continuous runs' rows, default "continuous K=3 N=999 exact")."""
import csv, glob, json, os, sys


def outcomes_restart_run(d):
    """(default solved, polish solved, polish+restart solved, seconds of each) of a --polish --restarts 1 summary."""
    secs = [float(x) for x in d["attempt_seconds"].split(",")]
    errs = [int(x) for x in d["attempt_errors"].split(",")]
    polished_first = d["attempts"] > 1 or "polish_moves" in d
    default_ok = not polished_first and errs[0] == 0
    polish_ok = errs[0] == 0
    return default_ok, polish_ok, d["status"] == "solved", (secs[0], secs[0], d["seconds"])


def outcomes_default_run(d, polish_line):
    """The same from a default run and polish_saved's line ('before=E after=E moves=M seconds=S')."""
    ok = d["status"] == "solved"
    kv = dict(x.split("=") for x in polish_line.split()) if polish_line else {}
    pol_ok = ok or kv.get("after") == "0"
    pol_s = d["seconds"] + float(kv.get("seconds", 0))
    return ok, pol_ok, None, (d["seconds"], pol_s, None)


def main():
    cont_dir, bin_jsonl, out = sys.argv[1:4]
    machine = sys.argv[4] if len(sys.argv) > 4 else "continuous K=3 N=999 exact"
    rows = {}  # (machine, alpha) -> list of outcomes
    for path in sorted(glob.glob(os.path.join(cont_dir, "*.json"))):
        tag = os.path.basename(path)[:-5]
        a, s, mode, *label = tag.split("_")
        d = json.load(open(path))
        key = (machine, float(a[1:]))
        if label == ["pr1"]:
            rows.setdefault(key, []).append((s, outcomes_restart_run(d)))
        elif not label:
            pol = path[:-5] + ".polish.txt"
            line = open(pol).read().strip() if os.path.exists(pol) else ""
            if d["status"] != "solved" and not line:
                continue
            rows.setdefault(key, []).append((s, outcomes_default_run(d, line)))
    if os.path.exists(bin_jsonl):
        for l in open(bin_jsonl):
            if l.strip():
                r = json.loads(l)
                key = (f"binary K={r['K']} N={r['N']} {r['arch']}", r["alpha"])
                rows.setdefault(key, []).append((f"s{r['seed']}", outcomes_restart_run(r["summary"])))
    names = ["default", "--polish", "--polish --restarts 1"]
    with open(out + ".csv", "w", newline="") as f, open(out + ".md", "w") as md:
        w = csv.writer(f)
        w.writerow(["machine", "alpha", "variant", "instances", "solved", "rate", "seconds_per_solved"])
        md.write("| machine | alpha | variant | instances | solved | rate | s per solved |\n|---|---|---|---|---|---|---|\n")
        for key in sorted(rows):
            for v, name in enumerate(names):
                rs = [o for _, o in rows[key] if o[v] is not None]
                if not rs:
                    continue
                ok = sum(1 for o in rs if o[v])
                per = sum(o[3][v] for o in rs) / ok if ok else float("nan")
                w.writerow([key[0], key[1], name, len(rs), ok, f"{ok/len(rs):.2f}", f"{per:.1f}"])
                md.write(f"| {key[0]} | {key[1]} | {name} | {len(rs)} | {ok} | {ok/len(rs):.2f} | {per:.1f} |\n")
    print(open(out + ".md").read())


main()
