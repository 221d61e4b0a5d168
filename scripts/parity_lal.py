#!/usr/bin/python3
"""Least-action learning for the tree parity machine (the classic rule for
parity machines, e.g. Barkai, Hansel, Kanter 1990): for each misclassified
pattern, the hidden unit with the smallest |h_k| is pushed across zero by a
perceptron step; stops at zero errors. Used only by the parity study
(scripts/parity_study.sh) to get parity solutions that focusing BP does not
find; tcmbp's own trainers (LAL, eLAL, ceSGD) are majority-vote algorithms
and refuse parity instances.

usage: parity_lal.py INST.h5 OUT.npy [--seed S] [--max-epochs E]
Prints one JSON line (errors, epochs)."""
import argparse, json
import h5py
import numpy as np


def errors(w, X, s):
    """Patterns whose product of hidden signs differs from the output."""
    h = np.einsum("akn,kn->ak", X, w)
    return np.flatnonzero(np.prod(np.sign(h), axis=1) != s), h


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inst")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-epochs", type=int, default=2000)
    a = ap.parse_args()
    with h5py.File(a.inst, "r") as f:
        assert f.attrs["arch"] in ("tree", b"tree") and f.attrs["output_rule"] in ("parity", b"parity")
        K = int(f.attrs["K"])
        P = f["/patterns"][()].astype(float)
        s = f["/outputs"][()].astype(float)
    M, N = P.shape
    n = N // K
    X = P.reshape(M, K, n) / np.sqrt(n)
    rng = np.random.default_rng(a.seed)
    w = rng.standard_normal((K, n))
    for epoch in range(a.max_epochs):
        wrong, h = errors(w, X, s)
        if wrong.size == 0:
            break
        for mu in rng.permutation(wrong):
            hm = np.einsum("kn,kn->k", X[mu], w)
            if np.prod(np.sign(hm)) == s[mu]:
                continue
            k = int(np.argmin(np.abs(hm)))
            # move unit k just across zero along its input (margin 0.1 |x|^2 = 0.1)
            w[k] -= (hm[k] + 0.1 * np.sign(hm[k] or 1.0)) * X[mu, k] / (X[mu, k] @ X[mu, k])
        w *= np.sqrt(n) / np.linalg.norm(w, axis=1, keepdims=True)
    wrong, _ = errors(w, X, s)
    w *= np.sqrt(n) / np.linalg.norm(w, axis=1, keepdims=True)
    np.save(a.out, w)
    print(json.dumps({"errors": int(wrong.size), "M": M, "epochs": epoch + 1}))


if __name__ == "__main__":
    main()
