"""train: the reference trainers of the command line (`tcmbp train`: LAL,
eLAL, ceSGD fast and slow) with its options as keyword arguments, its
summary vocabulary and the same weights file (save=)."""
import ctypes

import numpy as np

from . import _lib
from ._lib import lib, check, fail, Interrupted
from ._session import Session
from .instance import Instance
from .results import Result
from .run import _H5Out, _call_text, _seed, check_outputs

ELAL_ONLY = ("y", "lambda0", "lambda1", "collapse_tol")
CESGD_ONLY = ("beta0", "beta1", "gamma0", "gamma1", "step")
LOG_COLUMNS = ("epoch", "errors", "loss", "distance", "lambda", "beta", "gamma", "seconds")


class TrainResult(Result):
    """Result of tcmbp.train: status (solved/unsolved), algo, stop
    (converged, max_epochs, timeout, interrupted), converged, errors, M,
    epochs, loss, distance and lambda (eLAL) or beta, gamma, step (ceSGD),
    seed, seconds; arrays weights (K x n, normalised per unit) and log (the
    /train/log columns epoch, errors, loss, distance, lambda, beta, gamma,
    seconds)."""


def _params(algo, given, seed):
    """The algorithm's defaults overridden by the options given (make_params of cmd_train.c)."""
    a = ctypes.c_int()
    if algo is None or lib.tcm_train_algo_parse(str(algo).encode(), ctypes.byref(a)):
        raise ValueError("algo must be lal, elal, cesgd-fast or cesgd-slow (got %r)" % (algo,))
    name = lib.tcm_train_algo_name(a.value).decode()
    for k in ELAL_ONLY:
        if given[k] is not None and name != "elal":
            raise ValueError("%s applies only to algo elal (got algo %s)" % (k, name))
    for k in CESGD_ONLY:
        if given[k] is not None and not name.startswith("cesgd"):
            raise ValueError("%s applies only to algo cesgd-fast and cesgd-slow (got algo %s)" % (k, name))
    if given["loss_tol"] is not None and name != "cesgd-slow":
        raise ValueError("loss_tol applies only to algo cesgd-slow (got algo %s)" % name)
    p = _lib.CTrainParams()
    check(lib.tcm_train_params_default(ctypes.byref(p), a.value))
    for k, v in given.items():
        if v is None or k == "step":
            continue
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
            raise ValueError("%s must be a number (got %r)" % (k, v))
        setattr(p, k, int(v) if k in ("batch", "max_epochs", "y") else float(v))
    if given["step"] is not None:
        st = ctypes.c_int()
        if lib.tcm_train_step_parse(str(given["step"]).encode(), ctypes.byref(st)):
            raise ValueError("step: %s" % lib.tcm_last_error().decode())
        p.step = st.value
    p.seed = seed
    if not p.max_seconds >= 0:
        raise ValueError("max_seconds must be 0 (no limit) or positive (got %g)" % p.max_seconds)
    if lib.tcm_train_params_check(ctypes.byref(p)):
        raise ValueError(lib.tcm_last_error().decode())
    return p, name


def train(inst, algo, save=None, *, eta=None, batch=None, max_epochs=None, max_seconds=None, y=None, lambda0=None,
          lambda1=None, collapse_tol=None, beta0=None, beta1=None, gamma0=None, gamma1=None, step=None,
          loss_tol=None, seed=1, threads=None, progress=None, force=False):
    """Train a continuous committee machine with a reference trainer
    (`tcmbp train`): algo 'lal', 'elal', 'cesgd-fast' or 'cesgd-slow';
    options and defaults as train --help (the paper's, per algorithm).
    save: the W.h5 file (/weights, /train, /train/log). progress receives
    a dict per logged epoch (returning True stops). Returns a TrainResult;
    Ctrl-C stops after the current epoch, writes save= and raises
    tcmbp.Interrupted carrying the result."""
    if not isinstance(inst, Instance):
        raise ValueError("the first argument must be a tcmbp.Instance (got %s)" % type(inst).__name__)
    given = dict(eta=eta, batch=batch, max_epochs=max_epochs, max_seconds=max_seconds, y=y, lambda0=lambda0,
                 lambda1=lambda1, collapse_tol=collapse_tol, beta0=beta0, beta1=beta1, gamma0=gamma0, gamma1=gamma1,
                 step=step, loss_tol=loss_tol)
    seed = _seed(seed)
    p, name = _params(algo, given, seed)
    check_outputs(force, save=save)
    cmdline = _call_text("train", dict(algo=algo, save=save, seed=seed, **given))
    with Session(threads, progress) as s:
        def on_epoch(row, user):
            r = row.contents
            return s.stop(command="train", **{c: getattr(r, c) for c in LOG_COLUMNS})
        cb = _lib.TRAIN_FN(on_epoch)
        p.progress = cb
        w = ctypes.POINTER(_lib.CWeights)()
        r = _lib.CTrainResult()
        st = lib.tcm_train_run(ctypes.byref(w), inst._ptr, ctypes.byref(p), ctypes.byref(r))
        if st:
            fail(st, "training")
        try:
            weights = np.ctypeslib.as_array(w.contents.w, shape=(w.contents.K, w.contents.n)).copy()
            log = np.zeros(r.nlog, dtype=[(c, np.int64 if c in ("epoch", "errors") else np.float64)
                                           for c in LOG_COLUMNS])
            for i in range(r.nlog):
                for c in LOG_COLUMNS:
                    log[c][i] = getattr(r.log[i], c)
            if save:
                _write(save, force, inst, w, p, r, log, cmdline, s)
        finally:
            lib.tcm_train_result_clear(ctypes.byref(r))
            lib.tcm_weights_free(w)
    s.reraise()
    sc = dict(status="solved" if r.errors == 0 else "unsolved", algo=name,
              stop=lib.tcm_train_status_name(r.status).decode(), converged=bool(r.converged), errors=r.errors,
              M=inst.M, epochs=r.epochs, loss=r.loss)
    if name == "elal":
        sc.update(distance=r.distance, **{"lambda": getattr(r, "lambda")})
    elif name != "lal":
        sc.update(beta=r.beta, gamma=r.gamma, step=lib.tcm_train_step_name(p.step).decode())
    sc.update(seed=seed, seconds=r.seconds)
    if save:
        sc["output"] = str(save)
    out = TrainResult(sc, dict(weights=weights, log=log))
    if s.interrupted:
        raise Interrupted("tcmbp.train interrupted after %d epochs" % r.epochs, out)
    return out


def _write(path, force, inst, w, p, r, log, cmdline, s):
    """W.h5 as write_output of cmd_train.c: provenance, /weights, /train, /train/log."""
    h = _H5Out.__new__(_H5Out)
    h.h = ctypes.c_void_p()
    check(lib.tcm_h5_out_open(ctypes.byref(h.h), str(path).encode(), b"weights", int(bool(force))))
    ri = _lib.CRunInfo(cmdline.encode(), inst._source.encode(), s.threads_used, s.elapsed())
    h.do(lib.tcm_results_write_run_info, ctypes.byref(ri), inst._ptr, None)
    K, n = w.contents.K, w.contents.n
    arr = np.ctypeslib.as_array(w.contents.w, shape=(K, n))
    norm = "per-unit: sum_i w_ki^2 = n"
    for k in range(K):
        sq = 0.0
        for v in arr[k].tolist():  # in order, as the C loop sums
            sq += v * v
        if not abs(sq - n) <= 1e-9 * n:
            norm = "none"
    dims = (ctypes.c_size_t * 2)(K, n)
    h.do(lib.tcm_h5_out_double, b"/weights", 2, dims, w.contents.w)
    for obj in ("/weights", "/"):
        h.attrs(obj, [("K", K), ("n", n), ("kind", "continuous"), ("normalization", norm)])
    h.do(lib.tcm_h5_out_group, b"/train")
    name = lib.tcm_train_algo_name(p.algo).decode()
    items = [("algorithm", name), ("eta", p.eta), ("batch", p.batch), ("max_epochs", p.max_epochs),
             ("max_seconds", p.max_seconds), ("seed", p.seed - 2**64 if p.seed >= 2**63 else p.seed)]
    if name == "elal":
        items += [("y", p.y), ("lambda0", p.lambda0), ("lambda1", p.lambda1), ("collapse_tol", p.collapse_tol)]
    if name.startswith("cesgd"):
        items += [("beta0", p.beta0), ("beta1", p.beta1), ("gamma0", p.gamma0), ("gamma1", p.gamma1),
                  ("step", lib.tcm_train_step_name(p.step).decode())]
    if name == "cesgd-slow":
        items += [("loss_tol", p.loss_tol)]
    items += [("status", lib.tcm_train_status_name(r.status).decode()), ("converged", r.converged),
              ("epochs", r.epochs), ("seconds", r.seconds), ("errors", r.errors), ("loss", r.loss),
              ("distance", r.distance), ("lambda", getattr(r, "lambda")), ("beta", r.beta), ("gamma", r.gamma)]
    h.attrs("/train", items)
    cols = [np.ascontiguousarray(log[c], dtype=np.float64) for c in LOG_COLUMNS]
    dp = ctypes.POINTER(ctypes.c_double)
    colp = (dp * 8)(*[c.ctypes.data_as(dp) for c in cols])
    names = (ctypes.c_char_p * 8)(*[c.encode() for c in LOG_COLUMNS])
    h.do(lib.tcm_h5_out_table, b"/train/log", 8, names, len(log), colp)
    h.commit()
