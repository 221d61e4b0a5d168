#!/usr/bin/python3
"""Success rate of `tcmbp solve` against alpha (issue 16, part 2: the
algorithmic threshold against N). For each alpha and seed: generate the
instance (random outputs, seed = instance seed), solve it with one thread,
append one JSON line {"label", "N", "K", "weights", "alpha", "seed",
"cpu_seconds", "wall_seconds", "summary"} to OUT.jsonl. Runs already in
OUT.jsonl (same label, N, K, weights, alpha, seed) are skipped, so an
interrupted job continues where it stopped.

    run.py --tcmbp build/tcmbp --N 333 --K 3 --weights continuous \
        --alphas 2.4,2.6 --seeds 1-10 --label default --out runs.jsonl [-- SOLVE OPTIONS]
"""
import argparse, json, os, resource, subprocess, sys, time


def seeds_of(text):
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def done_keys(path):
    keys = set()
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                keys.add((r["label"], r["N"], r["K"], r["weights"], r["alpha"], r["seed"]))
    return keys


def child_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def one_run(a, alpha, seed, opts):
    inst = os.path.join(a.work, f"i_{a.weights}_K{a.K}_N{a.N}_a{alpha}_s{seed}.h5")
    if not os.path.exists(inst):
        subprocess.run([a.tcmbp, "generate", "--N", str(a.N), "--K", str(a.K), "--alpha", str(alpha),
                        "--weights", a.weights, "--seed", str(seed), "--quiet", "--force", "-o", inst],
                       check=True, stdout=subprocess.DEVNULL)
    sol = os.path.join(a.work, f"s_{a.label}_{os.getpid()}.h5")
    cpu0, t0 = child_cpu(), time.time()
    p = subprocess.run([a.tcmbp, "solve", inst, "--weights", a.weights, "--threads", "1", "--seed", str(seed),
                        "--json", "--quiet", "--force", "-o", sol] + opts, capture_output=True, text=True)
    cpu, wall = child_cpu() - cpu0, time.time() - t0
    if p.returncode != 0:
        sys.exit(f"run.py: error: solve failed (alpha {alpha}, seed {seed}): {p.stderr.strip()}")
    return {"label": a.label, "N": a.N, "K": a.K, "weights": a.weights, "alpha": alpha, "seed": seed,
            "solve_opts": " ".join(opts), "cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3),
            "summary": json.loads(p.stdout)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tcmbp", required=True)
    ap.add_argument("--N", type=int, required=True)
    ap.add_argument("--K", type=int, required=True)
    ap.add_argument("--weights", choices=["continuous", "binary"], required=True)
    ap.add_argument("--alphas", required=True)
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--label", default="default")
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default="/tmp/fbp_threshold")
    ap.add_argument("--order", choices=["alpha", "seed"], default="alpha",
                    help="seed: every alpha of a seed before the next seed (a stopped job has even counts)")
    a, opts = ap.parse_known_args()
    opts = [o for o in opts if o != "--"]
    os.makedirs(a.work, exist_ok=True)
    done = done_keys(a.out)
    alphas = [float(x) for x in a.alphas.split(",")]
    runs = [(al, sd) for al in alphas for sd in seeds_of(a.seeds)]
    if a.order == "seed":
        runs = [(al, sd) for sd in seeds_of(a.seeds) for al in alphas]
    for alpha, seed in runs:
        if (a.label, a.N, a.K, a.weights, alpha, seed) in done:
            continue
        r = one_run(a, alpha, seed, opts)
        with open(a.out, "a") as f:
            f.write(json.dumps(r) + "\n")
        print(f"{a.label} N={a.N} alpha={alpha} seed={seed}: {r['summary']['status']} "
              f"errors={r['summary']['errors']} cpu={r['cpu_seconds']}s", flush=True)


if __name__ == "__main__":
    main()
