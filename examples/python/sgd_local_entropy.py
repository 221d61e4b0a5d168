#!/usr/bin/env python3
"""Local entropy around two solutions of the same tree committee machine:
one found by plain SGD on the cross-entropy loss (PyTorch if it is
installed, numpy otherwise), one by focusing BP (tcmbp.solve); both curves
S - S0 against the distance d from tcmbp.volume, plotted with matplotlib.

    /usr/bin/python3 examples/python/sgd_local_entropy.py            # N = 999, K = 3, alpha = 0.4
    /usr/bin/python3 examples/python/sgd_local_entropy.py --quick    # seconds (the tests run this)

The figure and a CSV of both curves go to --out (default results/python/)."""
import argparse
import importlib.util
import os
import sys

import numpy as np

import tcmbp


def sgd_numpy(X, sigma, K, epochs, eta, batch, beta, seed, beta_growth=1.0):
    """Minibatch SGD on mean log(1 + exp(-2 sigma out)), out = sum_k tanh(beta h_k) / K,
    h_k = w_k . x_k / sqrt(n) (tree: unit k sees its own n inputs), with beta
    raised by beta_growth per epoch (the soft units harden towards signs).
    Returns the K x n weights of the epoch with the fewest training errors."""
    rng = np.random.default_rng(seed)
    M, N = X.shape
    n = N // K
    Xk = X.reshape(M, K, n).astype(np.float64)
    w = rng.standard_normal((K, n))
    best, best_err = w.copy(), M + 1
    for epoch in range(epochs):
        for idx in np.array_split(rng.permutation(M), max(1, M // batch)):
            x, s = Xk[idx], sigma[idx]
            h = np.einsum("bkn,kn->bk", x, w) / np.sqrt(n)
            t = np.tanh(beta * h)
            out = t.sum(1) / K
            g_out = -2 * s / (1 + np.exp(2 * s * out))          # d loss / d out
            g_h = g_out[:, None] * beta * (1 - t * t) / K      # d loss / d h_k
            w -= eta * np.einsum("bk,bkn->kn", g_h, x) / np.sqrt(n) / len(idx)
        beta *= beta_growth
        err = int((np.sign(np.sign(np.einsum("mkn,kn->mk", Xk, w)).sum(1)) != sigma).sum())
        if err < best_err:
            best, best_err = w.copy(), err
        if err == 0:
            break
    return best, best_err, epoch + 1


def sgd_torch(X, sigma, K, epochs, eta, batch, beta, seed, beta_growth=1.0):
    """The same SGD written with PyTorch's autograd (used when torch imports)."""
    import torch
    torch.manual_seed(seed)
    M, N = X.shape
    n = N // K
    Xk = torch.tensor(X.reshape(M, K, n), dtype=torch.float64)
    s_all = torch.tensor(sigma, dtype=torch.float64)
    w = torch.nn.Parameter(torch.randn(K, n, dtype=torch.float64))
    opt = torch.optim.SGD([w], lr=eta)
    best, best_err = w.detach().numpy().copy(), M + 1
    for epoch in range(epochs):
        for idx in torch.randperm(M).split(batch):
            h = torch.einsum("bkn,kn->bk", Xk[idx], w) / n ** 0.5
            out = torch.tanh(beta * h).sum(1) / K
            loss = torch.nn.functional.softplus(-2 * s_all[idx] * out).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        beta *= beta_growth
        with torch.no_grad():
            err = int((torch.sign(torch.sign(torch.einsum("mkn,kn->mk", Xk, w)).sum(1)) != s_all).sum())
        if err < best_err:
            best, best_err = w.detach().numpy().copy(), err
        if err == 0:
            break
    return best, best_err, epoch + 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a small instance and a short ladder (seconds)")
    ap.add_argument("--N", type=int, default=999)
    ap.add_argument("--K", type=int, default=3)
    ap.add_argument("--alpha", type=float, default=0.4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=16, help="couplings of the volume ladder")
    ap.add_argument("--out", default=os.path.join("results", "python"))
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args(argv)
    if a.quick:
        a.N, a.alpha, a.steps = 45, 0.5, 4

    inst = tcmbp.Instance.generate(N=a.N, K=a.K, alpha=a.alpha, seed=a.seed)
    X, sigma = inst.patterns, inst.outputs          # read-only views, no copy
    if importlib.util.find_spec("torch") is not None:
        trainer, name = sgd_torch, "SGD (PyTorch)"
    else:
        trainer, name = sgd_numpy, "SGD (numpy)"
    w_sgd, err, epochs = trainer(X, sigma.astype(np.float64), a.K, epochs=300 if a.quick else 3000, eta=5.0,
                                 batch=10 if a.quick else 50, beta=1.0, seed=a.seed)
    print("%s: %d training errors after %d epochs" % (name, err, epochs))
    print("eval of the SGD weights by tcmbp:", tcmbp.eval(inst, w_sgd).errors, "errors")

    sol = tcmbp.solve(inst, threads=a.threads)
    print("focusing BP: %s, %d errors, %d sweeps" % (sol.status, sol.errors, sol.sweeps))

    kw = dict(steps=a.steps, lambda_min=0.5, lambda_max=1000.0, threads=a.threads)
    curves = {name: tcmbp.volume(inst, w_sgd, **kw), "focusing BP": tcmbp.volume(inst, sol, **kw)}

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "local_entropy.csv"), "w") as f:
        f.write("solver,lambda,distance,local_entropy,valid\n")
        for label, v in curves.items():
            for row in v.table:
                f.write("%s,%.17g,%.17g,%.17g,%d\n" % (label, row["lambda"], row["distance"], row["local_entropy"],
                                                      row["valid"]))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for (label, v), m in zip(curves.items(), "os"):
        ok = v.table["valid"] != 0
        ax.plot(v.distance[ok], v.local_entropy[ok], m + "-", label="%s (%d errors)" % (
            label, tcmbp.eval(inst, v.reference).errors))
    ax.set_xscale("log")
    ax.set_xlabel("distance d")
    ax.set_ylabel("local entropy S - S0")
    ax.set_title("tree K=%d, N=%d, alpha=%g (seed %d)" % (a.K, a.N, inst.alpha, a.seed))
    ax.legend()
    fig.tight_layout()
    path = os.path.join(a.out, "local_entropy.png")
    fig.savefig(path, dpi=120)
    print("wrote", path)
    for label, v in curves.items():
        print("%-14s d = %s" % (label, np.array2string(v.distance, precision=3)))
        print("%-14s S-S0 = %s" % ("", np.array2string(v.local_entropy, precision=4)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
