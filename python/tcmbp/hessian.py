"""hessian: the command line's `tcmbp hessian` (eigenvalues of the Hessian
of the smoothed mean-square-error loss with tanh(beta x) units,
docs/HESSIAN.md) with its options as keyword arguments, its --json keys and
the same output file (save=)."""
import ctypes
import math

import numpy as np

from . import _lib
from ._lib import lib, check, fail
from ._session import Session
from .instance import Instance
from .results import Result
from .run import _H5Out, _seed, _weights, check_outputs

# Largest K n for which method='auto' takes the full spectrum (HESSIAN_AUTO_FULL_DIM of cmd_hessian.c).
AUTO_FULL_DIM = 2000
OUTPUT_UNITS = ("linear", "tanh")
METHODS = ("auto", "full", "lanczos")


class HessianResult(Result):
    """Result of tcmbp.hessian: status (converged / not_converged), method,
    beta, output_unit, dim, max_eigenvalue, min_eigenvalue (full) or
    top_eigenvalues, lanczos_steps, residual (Lanczos), loss, grad_norm,
    smooth_errors -- the CLI's --json keys; array eigenvalues (full:
    ascending, all dim; Lanczos: the largest, descending: the file's
    /hessian/eigenvalues)."""


def _check(beta, output_unit, method, top, lanczos_steps, tol):
    """The usage checks of cmd_hessian.c, as ValueError."""
    for name, v in (("beta", beta), ("tol", tol)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or math.isnan(v):
            raise ValueError("%s must be a number (got %r)" % (name, v))
    if not beta > 0 or not math.isfinite(beta):
        raise ValueError("beta must be > 0 (got %r)" % (beta,))
    if output_unit not in OUTPUT_UNITS:
        raise ValueError("output_unit must be linear or tanh (got %r)" % (output_unit,))
    if method not in METHODS:
        raise ValueError("method must be auto, full or lanczos (got %r)" % (method,))
    for name, v in (("top", top), ("lanczos_steps", lanczos_steps)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError("top and lanczos_steps must be integers >= 1 (got %s=%r)" % (name, v))
    if not tol >= 0:
        raise ValueError("tol must be >= 0 (got %r)" % (tol,))


def _grad_norm(h, dim):
    """|dL/dw|, summed in index order as cmd_hessian.c does."""
    g = np.empty(dim)
    lib.tcm_hessian_gradient(h, g.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
    s = 0.0
    for v in g.tolist():
        s += v * v
    return math.sqrt(s)


def _spectrum(h, dim, full, top, lanczos_steps, tol, seed):
    """(eigenvalues, lanczos result or None): dense + dsyevd, or Lanczos on tcm_hessian_matvec."""
    dp = ctypes.POINTER(ctypes.c_double)
    if full:
        H = np.empty((dim, dim))
        ev = np.empty(dim)
        lib.tcm_hessian_dense(h, H.ctypes.data_as(dp))
        check(lib.tcm_spectrum_dense(dim, H.ctypes.data_as(dp), ev.ctypes.data_as(dp)))
        return ev, None
    p = _lib.CLanczosParams(max_steps=lanczos_steps, nwant=min(top, dim), tol=float(tol), seed=seed)
    ev = np.empty(p.nwant)
    lz = _lib.CLanczosResult()
    fn = ctypes.cast(lib.tcm_hessian_matvec, _lib.MATVEC_FN)
    check(lib.tcm_spectrum_lanczos(dim, fn, h, ctypes.byref(p), ev.ctypes.data_as(dp), ctypes.byref(lz)))
    return ev[:lz.found].copy(), lz


def hessian(inst, weights, beta, save=None, *, output_unit="linear", method="auto", top=5, lanczos_steps=300,
            tol=1e-8, seed=1, threads=None, force=False):
    """Eigenvalues of the Hessian of the smoothed loss at a configuration
    (`tcmbp hessian INST W --beta B`): weights a K x n array (normalised
    per unit first), a Result with .weights or a weights source path;
    method 'full' (the whole spectrum, LAPACK), 'lanczos' (the top largest),
    'auto' (full when K n <= 2000); seed: the Lanczos start vector. save:
    the -o file (/hessian/eigenvalues and attributes). Returns a
    HessianResult."""
    if not isinstance(inst, Instance):
        raise ValueError("the first argument must be a tcmbp.Instance (got %s)" % type(inst).__name__)
    _check(beta, output_unit, method, top, lanczos_steps, tol)
    seed = _seed(seed)
    check_outputs(force, save=save)
    w, text = _weights(weights, inst.K, inst.n, 0, "weights")
    h = None
    try:
        with Session(threads):
            h = lib.tcm_hessian_alloc(w, inst._ptr, float(beta), OUTPUT_UNITS.index(output_unit))
            if not h:
                fail(lib.tcm_last_error_code())
            dim = lib.tcm_hessian_dim(h)
            full = method == "full" or (method == "auto" and dim <= AUTO_FULL_DIM)
            gnorm = _grad_norm(h, dim)
            ev, lz = _spectrum(h, dim, full, top, lanczos_steps, tol, seed)
        sc = _summary(h, dim, full, ev, lz, beta, output_unit, gnorm)
        if save is not None:
            _write(save, force, inst, text, h, dim, full, ev, lz, sc)
            sc["output"] = str(save)
        return HessianResult(sc, dict(eigenvalues=ev))
    finally:
        if h:
            lib.tcm_hessian_free(h)
        lib.tcm_weights_free(w)


def _summary(h, dim, full, ev, lz, beta, output_unit, gnorm):
    """The --json keys of cmd_hessian.c's summary, in its order."""
    sc = dict(status="converged" if full or lz.converged else "not_converged", method="full" if full else "lanczos",
              beta=float(beta), output_unit=output_unit, dim=dim,
              max_eigenvalue=float(ev[-1] if full else ev[0]))
    if full:
        sc["min_eigenvalue"] = float(ev[0])
    else:
        sc.update(top_eigenvalues=[float(v) for v in ev], lanczos_steps=lz.steps, residual=lz.residual)
    sc.update(loss=lib.tcm_hessian_loss(h), grad_norm=gnorm, smooth_errors=lib.tcm_hessian_errors(h))
    return sc


def _write(path, force, inst, text, h, dim, full, ev, lz, sc):
    """The -o file of cmd_hessian.c (write_out)."""
    out = _H5Out.__new__(_H5Out)
    out.h = ctypes.c_void_p()
    check(lib.tcm_h5_out_open(ctypes.byref(out.h), str(path).encode(), b"hessian", int(bool(force))))
    out.do(lib.tcm_h5_out_group, b"/hessian")
    dims = (ctypes.c_size_t * 1)(len(ev))
    buf = np.ascontiguousarray(ev, dtype=np.float64)
    out.do(lib.tcm_h5_out_double, b"/hessian/eigenvalues", 1, dims, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_double)))
    items = [("instance", inst._source), ("weights", text), ("method", sc["method"]),
             ("order", "ascending" if full else "descending"), ("loss_kind", "mse_tanh"),
             ("output_unit", sc["output_unit"]), ("beta", sc["beta"]), ("loss", sc["loss"]),
             ("grad_norm", sc["grad_norm"]), ("max_eigenvalue", sc["max_eigenvalue"]),
             ("smooth_errors", sc["smooth_errors"]), ("dim", dim)]
    if not full:
        items += [("lanczos_steps", lz.steps), ("converged", lz.converged), ("residual", float(lz.residual))]
    out.attrs("/hessian", items)
    out.commit()
