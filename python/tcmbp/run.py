"""bp, solve, volume and eval: the command line's subcommands as functions,
with its options as keyword arguments (the same names with underscores,
the same defaults, including those that depend on the weight kind and the
architecture), its result vocabulary, and the same HDF5 files (save=)."""
import ctypes
import math

import numpy as np

from . import _lib
from ._lib import lib, check, fail, Error, Interrupted
from ._session import Session
from .instance import Instance
from .results import BPResult, SolveResult, VolumeResult, EvalResult, Result, table_array

CONT_TREE, CONT_FULL, BIN_TREE, BIN_FULL = 1, 2, 4, 8
CONT, BIN, ALL = 3, 12, 15

# Defaults that hold whatever the instance (src/cli/engine_cli.h CLI_ENGINE_OPTS_INIT).
ENGINE_DEFAULTS = dict(weights=None, engine="bp", cavity="exact", hidden="clt", output_factor="exact", schedule="parallel",
                       block_size=64, damping=0.5, tol=1e-6, max_sweeps=1000, max_seconds=0.0, patterns=None,
                       init=None, init_random=0.0)
# The instance-dependent default tables of each command (cmd_bp.c, cmd_solve.c, cmd_volume.c).
BP_DEFAULTS = [("max_sweeps", ALL, 1000)]
SOLVE_DEFAULTS = [("protocol", CONT, "paper"), ("max_sweeps", CONT, 200), ("tol", CONT, 1e-6),
                  ("init_random", CONT, 0.0), ("init_random", BIN, 0.1),
                  ("protocol", BIN_TREE, "standard-reinforcement"), ("max_sweeps", BIN_TREE, 1),
                  ("tol", BIN_TREE, 1e-3), ("protocol", BIN_FULL, "standard-reinforcement"), ("dx", BIN_FULL, 0.04),
                  ("max_sweeps", BIN_FULL, 1000), ("tol", BIN_FULL, 0.1)]
# The stability check's defaults (TCM_VOLUME_STABILITY, TCM_VOLUME_DRIFT_MAX in driver.h; volume --stability).
VOLUME_STABILITY, VOLUME_DRIFT_MAX = 10.0, 1e-4
VOLUME_DEFAULTS = [("cavity", CONT, "ep"), ("lambda_min", CONT, 0.5), ("lambda_max", CONT, 1000.0),
                   ("max_sweeps", CONT, 500), ("lambda_min", BIN, 0.05), ("lambda_max", BIN, 5.0),
                   ("max_sweeps", BIN, 1000)]
SOLVE_OPTS = dict(protocol="paper", lambda_min=0.5, lambda_max=30.0, gamma_min=0.1, gamma_max=10.0, steps=30,
                  y=10.0, dx=0.002, drho=0.01, x=0.5, steps_list=None)
ENGINE_DOC = """Engine options (as bp/solve/volume --help): weights ('continuous' | 'binary'; default the
    instance's kind), engine ('bp' | 'amp'; default 'bp'), cavity, hidden, output_factor, schedule, block_size, damping, tol, max_sweeps,
    max_seconds, patterns, init (a result file with /checkpoint), init_random; seed (default 1),
    threads (default OpenMP's), progress (callable receiving a dict after every sweep; returning True
    stops the run), force (overwrite save= files)."""


# ---- options -------------------------------------------------------------------

def _where(kind, arch):
    full = arch == 1
    return (BIN_FULL if full else BIN_TREE) if kind == 1 else (CONT_FULL if full else CONT_TREE)


def _resolve(inst, given, table, extra_defaults=None):
    """Options after the command's defaults for the instance's kind and
    architecture: given holds the user's values (None: not given). Returns
    (options, kind)."""
    if not isinstance(inst, Instance):
        raise ValueError("the first argument must be a tcmbp.Instance (got %s)" % type(inst).__name__)
    kind = inst._c.kind if given.get("weights") is None else \
        _lib.parse_choice("tcm_weight_kind_names", "weights", given["weights"])
    where = _where(kind, inst._c.arch)
    o = dict(ENGINE_DEFAULTS, **(extra_defaults or {}))
    o.update({k: v for k, v in given.items() if v is not None})
    for name, mask, value in table:
        if mask & where and given.get(name) is None:
            o[name] = value
    return o, kind


def _number(o, name, integer=False):
    v = o[name]
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or \
            (integer and not float(v).is_integer()) or not math.isfinite(v):
        raise ValueError("%s must be a finite %s (got %r)" % (name, "integer" if integer else "number", v))
    return int(v) if integer else float(v)


def _check_engine(o, kind, given, inst):
    """The checks of cli_engine_open (check_kind_options, check_values), as ValueError."""
    kn = lib.tcm_weight_kind_name(kind).decode()
    if kind == 1 and given.get("cavity") is not None:
        raise ValueError("cavity is an option of continuous weights; for %s weights use hidden" % kn)
    if kind == 0 and given.get("hidden") is not None:
        raise ValueError("hidden is an option of binary weights; for %s weights use cavity" % kn)
    for name in ("damping", "tol", "max_seconds", "init_random"):
        o[name] = _number(o, name)
    for name in ("block_size", "max_sweeps"):
        o[name] = _number(o, name, True)
    if not 0 <= o["damping"] < 1:
        raise ValueError("damping must be in [0, 1) (got %g)" % o["damping"])
    if o["tol"] <= 0:
        raise ValueError("tol must be > 0 (got %g)" % o["tol"])
    if o["max_sweeps"] < 0:
        raise ValueError("max_sweeps must be >= 0 (got %d)" % o["max_sweeps"])
    if o["block_size"] < 1:
        raise ValueError("block_size must be >= 1 (got %d)" % o["block_size"])
    if o["max_seconds"] < 0:
        raise ValueError("max_seconds must be >= 0 (got %g)" % o["max_seconds"])
    if o["init_random"] < 0 or (kind == 1 and o["init_random"] > 1):
        raise ValueError("init_random must be in [0, %s] for %s weights (got %g)"
                         % ("1" if kind == 1 else "inf", kn, o["init_random"]))
    if o["patterns"] is not None:
        o["patterns"] = _number(o, "patterns", True)
        if o["patterns"] < 0:
            raise ValueError("patterns must be >= 0 (got %d)" % o["patterns"])
        if o["patterns"] > inst.M:
            raise ValueError("patterns %d exceeds the instance's %d patterns" % (o["patterns"], inst.M))
    if given.get("init") is not None and given.get("init_random") is not None:
        raise ValueError("init and init_random exclude each other")


class _Engine:
    """An engine over an instance with its run parameters (cli_engine_open)."""

    def __init__(self, inst, o, kind):
        self.inst, self.kind = inst, kind
        modes = _lib.CModes(cavity=_lib.parse_choice("tcm_cavity_mode_names", "cavity", o["cavity"]),
                            hidden=_lib.parse_choice("tcm_hidden_mode_names", "hidden", o["hidden"]),
                            output=_lib.parse_choice("tcm_output_mode_names", "output_factor", o["output_factor"]),
                            schedule=_lib.parse_choice("tcm_schedule_names", "schedule", o["schedule"]),
                            block_size=o["block_size"], damping=o["damping"])
        self.run = _lib.CRunParams(modes=modes, tol=o["tol"], max_sweeps=o["max_sweeps"],
                                   max_seconds=o["max_seconds"])
        M = -1 if o["patterns"] is None else o["patterns"]
        algo = _lib.parse_choice("tcm_engine_algo_names", "engine", o["engine"])
        self.ptr = lib.tcm_engine_alloc_algo(inst._ptr, kind, algo, M, 0)
        if not self.ptr:
            fail(lib.tcm_last_error_code())
        self.name = lib.tcm_weight_kind_name(kind).decode()

    def __del__(self):
        if getattr(self, "ptr", None):
            lib.tcm_engine_free(self.ptr)
            self.ptr = None

    @property
    def M(self):
        return self.ptr.contents.M

    def init(self, o, seed):
        """--init / --init-random (cli_engine_init)."""
        if o["init"] is not None:
            check(lib.tcm_results_read_checkpoint(self.ptr, str(o["init"]).encode()), "init")
        elif o["init_random"] > 0:
            check(lib.tcm_api_engine_randomize(self.ptr, o["init_random"], seed))

    def weights(self):
        """The engine's configuration as a K x n float64 array."""
        w = lib.tcm_engine_weights(self.ptr)
        if not w:
            fail(lib.tcm_last_error_code())
        try:
            return np.ctypeslib.as_array(w.contents.w, shape=(w.contents.K, w.contents.n)).copy()
        finally:
            lib.tcm_weights_free(w)

    def marginals(self):
        """The /bp datasets of the current state: {name: array}."""
        e = self.ptr.contents
        a, b, chi = np.empty((e.K, e.n)), np.empty((e.K, e.n)), np.empty(e.K)
        dp = ctypes.POINTER(ctypes.c_double)
        check(lib.tcm_api_engine_marginals(self.ptr, a.ctypes.data_as(dp), b.ctypes.data_as(dp),
                                           chi.ctypes.data_as(dp)))
        nm = (ctypes.c_char_p * 3)()
        count = lib.tcm_api_marginal_names(self.kind, nm)
        return dict(zip([nm[j].decode() for j in range(count)], (a, b, chi)))


def _seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**64:
        raise ValueError("seed must be an integer in [0, 2^64) (got %r)" % (seed,))
    return int(seed)


def _call_text(cmd, kwargs):
    args = ", ".join("%s=%r" % (k, v) for k, v in kwargs.items() if v is not None and not callable(v)
                     and not isinstance(v, (np.ndarray, Result)))
    return "python: tcmbp.%s(%s)" % (cmd, args)


# ---- result files ---------------------------------------------------------------

def check_outputs(force, resume=False, checkpoint=None, **outputs):
    """Before any work (as cli_check_paths): every output path can be
    written (ExistsError unless force, or resume for a result being
    replaced), and a checkpoint exists when resuming. None paths are skipped."""
    import os
    for what, path in outputs.items():
        if path is not None:
            check(lib.tcm_atomic_check_target(str(path).encode(), int(bool(force or resume))), what)
    if checkpoint is not None:
        if resume and not os.path.exists(str(checkpoint)):
            raise _lib.FileError("checkpoint %s does not exist (nothing to resume)" % checkpoint, 3)
        if not resume:
            check(lib.tcm_atomic_check_target(str(checkpoint).encode(), int(bool(force))), "checkpoint")


class _H5Out:
    """A result file opened with the run provenance (cli_engine_open_result);
    commit() or abort()."""

    def __init__(self, path, file_kind, force, eng, cmdline, session):
        self.h = ctypes.c_void_p()
        check(lib.tcm_h5_out_open(ctypes.byref(self.h), str(path).encode(), file_kind.encode(), int(bool(force))))
        ri = _lib.CRunInfo(cmdline.encode(), eng.inst._source.encode(), session.threads_used, session.elapsed())
        self.do(lib.tcm_results_write_run_info, ctypes.byref(ri), eng.inst._ptr, eng.name.encode())

    def do(self, f, *args):
        self.status(f(self.h, *args))

    def table(self, t, group, rows, n):
        """Write a table (tcm_table_write_h5 takes the table first)."""
        self.status(lib.tcm_table_write_h5(ctypes.byref(t), self.h, group, rows, n))

    def status(self, st):
        """Abort the file and raise for a failed write."""
        if st:
            msg, code = lib.tcm_last_error().decode(), st
            lib.tcm_h5_out_abort(self.h)
            self.h = None
            raise _lib._CLASSES.get(code, Error)(msg, code)

    def attrs(self, obj, items):
        for name, v in items:
            if isinstance(v, str):
                self.do(lib.tcm_h5_out_attr_string, obj.encode(), name.encode(), v.encode())
            elif isinstance(v, float):
                self.do(lib.tcm_h5_out_attr_double, obj.encode(), name.encode(), v)
            else:
                self.do(lib.tcm_h5_out_attr_int, obj.encode(), name.encode(), int(v))

    def commit(self):
        h, self.h = self.h, None
        check(lib.tcm_h5_out_commit(h))


# ---- bp --------------------------------------------------------------------------

def _check_retries(retries):
    """The retries option of bp and volume (an integer >= 0)."""
    if isinstance(retries, bool) or not isinstance(retries, (int, np.integer)) or retries < 0:
        raise ValueError("retries must be an integer >= 0 (got %r)" % (retries,))


def bp(inst, save=None, checkpoint=False, *, weights=None, engine=None, cavity=None, hidden=None, output_factor=None,
       schedule=None, block_size=None, damping=None, tol=None, max_sweeps=None, max_seconds=None, patterns=None,
       init=None, init_random=None, retries=0, seed=1, threads=None, progress=None, force=False):
    """Plain belief propagation (`tcmbp bp`): entropy, free entropy phi,
    overlap q and the errors of the marginals' configuration.

    save: result file (the CLI's -o; group /bp); checkpoint: also store the
    messages there (always done when interrupted); retries: rounds of
    max_sweeps more with the damping moved half way to 1 each, while not
    converged (the CLI's --retries). Returns a BPResult.
    Ctrl-C stops at the next sweep and raises tcmbp.Interrupted (a
    KeyboardInterrupt) carrying the result, after writing save=.
    """ + ENGINE_DOC
    given = dict(weights=weights, engine=engine, cavity=cavity, hidden=hidden, output_factor=output_factor, schedule=schedule,
                 block_size=block_size, damping=damping, tol=tol, max_sweeps=max_sweeps, max_seconds=max_seconds,
                 patterns=patterns, init=init, init_random=init_random)
    o, kind = _resolve(inst, given, BP_DEFAULTS)
    _check_engine(o, kind, given, inst)
    if checkpoint and not save:
        raise ValueError("checkpoint stores the messages in the save= file: give save=PATH")
    seed = _seed(seed)
    check_outputs(force, save=save)
    _check_retries(retries)
    cmdline = _call_text("bp", dict(save=save, checkpoint=checkpoint or None, seed=seed, retries=retries, **given))
    with Session(threads, progress) as s:
        eng = _Engine(inst, o, kind)
        eng.run.retries = retries
        eng.init(o, seed)

        def on_progress(pr, user):
            p = pr.contents
            return s.stop(command="bp", sweep=p.sweep, change=p.change, norm_change=p.norm_change,
                          seconds=p.seconds)

        cb = _lib.PROGRESS_FN(on_progress)
        eng.run.progress = cb
        res = _lib.CBPResult()
        check(lib.tcm_driver_bp(eng.ptr, ctypes.byref(eng.run), ctypes.byref(res)))
        eng.run.progress = _lib.PROGRESS_FN()
        if save:
            h = _H5Out(save, "bp", force, eng, cmdline, s)
            h.do(lib.tcm_results_write_bp, b"/bp", eng.ptr, ctypes.byref(eng.run), ctypes.byref(res))
            if checkpoint or res.status == 4:
                h.do(lib.tcm_results_write_checkpoint, eng.ptr)
            h.commit()
    s.reraise()
    t = res.thermo
    sc = dict(status=lib.tcm_bp_status_name(res.status).decode(), kind=eng.name, sweeps=res.sweeps,
              change=res.change, entropy=t.entropy, phi=t.phi, q=t.q)
    if not math.isnan(t.chibar):
        sc["chibar"] = t.chibar
    sc.update(errors=res.errors, patterns=eng.M)
    if res.nonfinite_sweep:
        sc["nonfinite_sweep"] = res.nonfinite_sweep
    sc["seconds"] = res.seconds
    if save:
        sc["output"] = str(save)
    arrays = dict(weights=eng.weights(), **eng.marginals())
    out = BPResult(sc, arrays)
    if s.interrupted:
        raise Interrupted("tcmbp.bp interrupted after %d sweeps" % res.sweeps, out)
    return out


# ---- weights from Python ------------------------------------------------------------

def _weights(source, K, n, kind, what):
    """A tcm_weights (owned by the caller) of kind from a numpy array (K x n
    or flat; float or int8), a Result with .weights, or a weights source
    path as the CLI takes; continuous weights normalised per unit, binary
    ones checked to be +-1. Returns (pointer, source text)."""
    if isinstance(source, Result):
        source = source.weights
    if isinstance(source, (str, bytes)) or hasattr(source, "__fspath__"):
        text = str(source)
        ptr = ctypes.POINTER(_lib.CWeights)()
        check(lib.tcm_weights_load(ctypes.byref(ptr), text.encode(), K, n, kind))
    else:
        text = "(numpy array)"
        arr = np.asarray(source)
        if arr.dtype.kind not in "iuf":
            raise ValueError("%s must be a numeric array (got dtype %s)" % (what, arr.dtype))
        if arr.size != K * n or (arr.ndim == 2 and arr.shape != (K, n)) or arr.ndim > 2:
            raise ValueError("%s has shape %s; the instance needs %d x %d (K x n) or %d values"
                             % (what, arr.shape, K, n, K * n))
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise ValueError("%s has a non-finite entry at index %d" % (what, int(np.argmax(~np.isfinite(arr.ravel())))))
        if kind == 1 and not np.all((arr == 1) | (arr == -1)):
            raise ValueError("%s must be +-1 for binary weights" % what)
        ptr = lib.tcm_weights_alloc(K, n, kind)
        if not ptr:
            fail(lib.tcm_last_error_code())
        np.ctypeslib.as_array(ptr.contents.w, shape=(K, n))[...] = arr.reshape(K, n)
    st = lib.tcm_weights_normalize(ptr) if kind == 0 else lib.tcm_weights_validate(ptr)
    if st:
        msg = lib.tcm_last_error().decode()
        lib.tcm_weights_free(ptr)
        raise ValueError("%s %s: %s" % (what, text, msg))
    return ptr, text


# ---- solve -----------------------------------------------------------------------------

def _protocol(o, kind, given, coupling):
    """The protocol of the solve options (make_protocol in cmd_solve.c)."""
    other = "lambda" if kind == 1 else "gamma"
    for end in ("min", "max"):
        if given.get("%s_%s" % (other, end)) is not None:
            raise ValueError("%s_%s: the focusing coupling of %s weights is %s (%s_min, %s_max)"
                             % (other, end, lib.tcm_weight_kind_name(kind).decode(), coupling, coupling, coupling))
    pk = _lib.parse_choice("tcm_protocol_kind_names", "protocol", o["protocol"])
    if o["protocol"] == "list" and not o["steps_list"]:
        raise ValueError('protocol list needs steps_list="%s:y,..." or a file' % coupling)
    steps = _number(o, "steps", True)
    spec = _lib.CProtocolSpec(pk, _number(o, coupling + "_min"), _number(o, coupling + "_max"), steps,
                              _number(o, "y"), _number(o, "dx"), _number(o, "drho"), _number(o, "x"),
                              str(o["steps_list"]).encode() if o["steps_list"] else None)
    ptr = ctypes.POINTER(_lib.CProtocol)()
    if lib.tcm_protocol_make(ctypes.byref(ptr), ctypes.byref(spec)):
        raise ValueError("protocol %s: %s" % (o["protocol"], lib.tcm_last_error().decode()))
    return ptr


def solve(inst, save=None, *, protocol=None, lambda_min=None, lambda_max=None, gamma_min=None, gamma_max=None,
          steps=None, y=None, dx=None, drho=None, x=None, steps_list=None, init_amplitude=None,
          no_stop_at_solution=False, no_record=False, checkpoint=None, checkpoint_every=0.0, resume=False,
          weights=None, engine=None, cavity=None, hidden=None, output_factor=None, schedule=None, block_size=None, damping=None,
          tol=None, max_sweeps=None, max_seconds=None, patterns=None, init=None, init_random=None, seed=1,
          polish=True, threads=None, progress=None, force=False):
    """Focusing BP (`tcmbp solve`): the configuration of the marginals after
    a protocol of (coupling, y) steps, stopping at a solution.

    polish (default True, the CLI's default; False = --no-polish): when the
    protocol ends with 1 to 50 training errors, the greedy clean-up of
    solve --polish; weights (and save=) are then the polished
    configuration, history the protocol's, and the result has
    errors_before_polish and polish_moves. A solved run is never touched.

    Protocol options as solve --help (protocol: paper | ladder | scoping |
    standard-reinforcement | pseudo-reinforcement | list; defaults by
    weight kind and architecture as the CLI's). save: the SOL.h5 file
    (/weights, /solve, /solve/history); checkpoint: CK.h5 written after
    every step (at most every checkpoint_every seconds), at the end and on
    Ctrl-C; resume=True continues it bit for bit. Returns a SolveResult;
    Ctrl-C stops within a sweep, writes save= and checkpoint=, and raises
    tcmbp.Interrupted carrying the result.
    """ + ENGINE_DOC
    given = dict(weights=weights, engine=engine, cavity=cavity, hidden=hidden, output_factor=output_factor, schedule=schedule,
                 block_size=block_size, damping=damping, tol=tol, max_sweeps=max_sweeps, max_seconds=max_seconds,
                 patterns=patterns, init=init, init_random=init_random, protocol=protocol, lambda_min=lambda_min,
                 lambda_max=lambda_max, gamma_min=gamma_min, gamma_max=gamma_max, steps=steps, y=y, dx=dx,
                 drho=drho, x=x, steps_list=steps_list)
    if init_amplitude is not None:
        if init_random is not None and init_random != init_amplitude:
            raise ValueError("init_amplitude and init_random disagree (%g, %g)" % (init_amplitude, init_random))
        given["init_random"] = init_amplitude
    table = SOLVE_DEFAULTS if init_amplitude is None else [d for d in SOLVE_DEFAULTS if d[0] != "init_random"]
    o, kind = _resolve(inst, given, table, SOLVE_OPTS)
    _check_engine(o, kind, dict(given, init_random=init_random), inst)
    if resume and not checkpoint:
        raise ValueError("resume needs checkpoint=PATH")
    if checkpoint_every < 0:
        raise ValueError("checkpoint_every must be >= 0 (got %g)" % checkpoint_every)
    if resume and (init is not None or init_random is not None or init_amplitude is not None):
        raise ValueError("resume excludes init and init_random")
    if o["max_sweeps"] < 1:
        raise ValueError("max_sweeps must be >= 1 (got %d)" % o["max_sweeps"])
    seed = _seed(seed)
    if not isinstance(polish, (bool, np.bool_)):
        raise ValueError("polish must be True or False (got %r)" % (polish,))
    check_outputs(force, resume, checkpoint, save=save)
    cmdline = _call_text("solve", dict(save=save, checkpoint=checkpoint, seed=seed, polish=bool(polish), **given))
    with Session(threads, progress, o["max_seconds"]) as s:
        eng = _Engine(inst, o, kind)
        table_c = _lib.CTable()
        lib.tcm_results_history_table(eng.ptr, ctypes.byref(table_c))
        coupling = table_c.col[1].name.decode()
        proto = _protocol(o, kind, given, coupling)
        try:
            return _focus(s, eng, o, proto, table_c, dict(save=save, checkpoint=checkpoint, resume=resume,
                          every=checkpoint_every, stop=not no_stop_at_solution, record=not no_record, seed=seed,
                          force=force, init_random=o["init_random"], init=init, dx=o["dx"], drho=o["drho"],
                          x=o["x"], polish=bool(polish)), cmdline)
        finally:
            lib.tcm_protocol_free(proto)


def _focus(s, eng, o, proto, table_c, a, cmdline):
    """Run (or resume) the protocol; write save= and checkpoint=; the result."""
    count = proto.contents.count
    history = (ctypes.c_char * (table_c.row_size * count))()
    pos = _lib.CPosition()
    if not a["resume"]:
        eng.init(o, a["seed"])
    p = _lib.CFocusParams(run=eng.run, stop_at_solution=int(a["stop"]), record=int(a["record"]))
    p.run.max_seconds = 0.0  # max_seconds bounds the whole protocol (Session)
    ck = str(a["checkpoint"]).encode() if a["checkpoint"] else None
    state = {"last_save": s.elapsed(), "save_failed": False}
    steps_c = proto.contents.steps

    def on_sweep(pr, step, errors, user):
        q = pr.contents
        return s.stop(command="solve", step=step, steps=count, coupling=steps_c[step].coupling, y=steps_c[step].y,
                      sweep=q.sweep, change=q.change, errors=errors, seconds=s.elapsed())

    def on_step(row, position, user):
        if ck and s.elapsed() - state["last_save"] >= a["every"]:
            if lib.tcm_focus_checkpoint_save(ck, eng.ptr, ctypes.byref(eng.run), proto, position, history):
                state["save_failed"] = True
            state["last_save"] = s.elapsed()
        return s.stop(command="solve", step=position.contents.next_step - 1, steps=count, seconds=s.elapsed())

    p.on_sweep, p.on_step = _lib.FOCUS_SWEEP_FN(on_sweep), _lib.FOCUS_STEP_FN(on_step)
    if a["resume"]:
        check(lib.tcm_focus_checkpoint_load(ck, eng.ptr, ctypes.byref(eng.run), proto, ctypes.byref(pos), history),
              "resume")
    res = _lib.CFocusResult()
    check(lib.tcm_driver_focus(eng.ptr, proto, ctypes.byref(p), ctypes.byref(pos), history, ctypes.byref(res)))
    w_c = lib.tcm_engine_weights(eng.ptr)
    if not w_c:
        fail(lib.tcm_last_error_code())
    try:
        cleanup = _polish(eng, res, w_c) if a["polish"] else None
        status = ("timeout" if s.timed_out else "interrupted") if res.interrupted else \
            ("solved" if res.solved else "unsolved")
        hist = table_array(lib, table_c, history, res.steps)
        w = np.ctypeslib.as_array(w_c.contents.w, shape=(w_c.contents.K, w_c.contents.n)).copy()
        if a["save"]:
            _write_solution(s, eng, p, proto, table_c, history, res, status, a, cmdline, w_c, cleanup)
    finally:
        lib.tcm_weights_free(w_c)
    if ck:
        check(lib.tcm_focus_checkpoint_save(ck, eng.ptr, ctypes.byref(eng.run), proto, ctypes.byref(pos), history),
              "writing the checkpoint %s" % a["checkpoint"])
    if state["save_failed"]:
        raise _lib.FileError("a step checkpoint could not be written to %s" % a["checkpoint"], 3)
    s.reraise()
    out = SolveResult(_solve_summary(s, eng, proto, table_c, res, status, hist, a, cleanup),
                      dict(weights=w, history=hist))
    if s.interrupted:
        raise Interrupted("tcmbp.solve interrupted at step %d" % (res.steps + 1), out)
    return out


# The clean-up's limits (SOLVE_POLISH_MOVES, SOLVE_POLISH_MAX_ERRORS of cmd_solve.c).
POLISH_MOVES, POLISH_MAX_ERRORS = 1000, 50


def _polish(eng, res, w_c):
    """The clean-up of cmd_solve.c's polish() on w_c, in place, when the run
    ended with 1 to POLISH_MAX_ERRORS errors; res then has the polished
    errors. Returns (errors_before_polish, polish_moves), or None if it did not run."""
    if res.solved or res.interrupted or res.errors > POLISH_MAX_ERRORS:
        return None
    view = _lib.CInstance.from_buffer_copy(eng.inst._c)
    view.M = eng.M
    pr = _lib.CPolishResult()
    check(lib.tcm_polish_weights(w_c, ctypes.byref(view), POLISH_MOVES, ctypes.byref(pr)), "polish")
    before = res.errors
    res.errors, res.solved = pr.errors, int(pr.errors == 0)
    return before, pr.moves


def _solve_summary(s, eng, proto, table_c, res, status, hist, a, cleanup=None):
    """The --json keys of solve (print_summary of cmd_solve.c)."""
    coupling = table_c.col[1].name.decode()
    sc = dict(status=status, kind=eng.name, errors=res.errors, M=eng.M, steps=res.steps, sweeps=res.total_sweeps,
              protocol=proto.contents.name.decode())
    if res.steps > 0:
        last = hist[res.steps - 1]
        sc[coupling], sc["y"] = float(last[coupling]), float(last["y"])
        ncommon = 7  # step, coupling, y, sweeps, status, change, errors (results.c)
        for name in hist.dtype.names[ncommon:]:
            if name not in ("converged", "seconds"):
                sc[name] = float(last[name])
    if cleanup:
        sc["errors_before_polish"], sc["polish_moves"] = cleanup
    sc["seconds"] = s.elapsed()
    if a["save"]:
        sc["output"] = str(a["save"])
    if a["checkpoint"]:
        sc["checkpoint"] = str(a["checkpoint"])
    return sc


def _write_solution(s, eng, p, proto, table_c, history, res, status, a, cmdline, w, cleanup):
    """SOL.h5 as write_solution and solve_attrs of cmd_solve.c (w: the configuration written)."""
    h = _H5Out(a["save"], "solve", a["force"] or a["resume"], eng, cmdline, s)
    h.do(lib.tcm_h5_out_weights, w)
    h.do(lib.tcm_h5_out_group, b"/solve")
    h.attrs("/solve", [("status", status), ("weights", eng.name), ("errors", res.errors), ("steps", res.steps),
                       ("sweeps", res.total_sweeps), ("seconds", float(s.elapsed())),
                       ("protocol", proto.contents.name.decode()), ("protocol_steps", proto.contents.count),
                       ("dx", float(a["dx"])), ("drho", float(a["drho"])), ("x", float(a["x"])),
                       ("init_amplitude", 0.0 if a["init"] or a["resume"] else float(a["init_random"])),
                       ("init", str(a["init"]) if a["init"] else ""), ("seed", a["seed"] - 2**64 if a["seed"] >= 2**63 else a["seed"]),
                       ("stop_at_solution", p.stop_at_solution), ("max_sweeps_per_step", p.run.max_sweeps)])
    h.do(lib.tcm_results_write_params, b"/solve", eng.ptr, ctypes.byref(p.run))
    h.attrs("/solve", [("polish", int(a["polish"]))] +
            ([("errors_before_polish", cleanup[0]), ("polish_moves", cleanup[1])] if cleanup else []))
    h.table(table_c, b"/solve/history", history, res.steps)
    if res.interrupted:
        h.do(lib.tcm_results_write_checkpoint, eng.ptr)
    h.commit()


# ---- volume ------------------------------------------------------------------------------

def volume(inst, reference, save=None, *, csv=None, lambda_min=None, lambda_max=None, steps=25, lambdas=None,
           checkpoint=None, resume=False, weights=None, engine=None, cavity=None, hidden=None, output_factor=None, schedule=None,
           block_size=None, damping=None, tol=None, max_sweeps=None, max_seconds=None, patterns=None, init=None,
           init_random=None, retries=2, keep_going=False, stability=VOLUME_STABILITY, drift_max=VOLUME_DRIFT_MAX,
           seed=1, threads=None, progress=None, force=False):
    """The local-entropy curve around a reference (`tcmbp volume`): a
    warm-started ladder of couplings lambda (lambdas=[...] or steps
    geometric values from lambda_min to lambda_max), per point distance,
    entropy, s0, local_entropy = S - S0, convergence, validity, the
    small-distance limit and the Legendre check (the CLI's columns).

    retries: a point not converged after max_sweeps goes on for up to
    retries rounds of max_sweeps, round r with damping 1 - (1 - D)/2^r;
    a point still not converged ends the ladder (status 'stopped') unless
    keep_going=True.

    stability: the stability check (the CLI's --stability): a point
    converged at tol sweeps on to tol/stability; its values are those at
    tol/stability, the columns drift_entropy |dS| and drift_distance |dd|/d
    the change from tol, and a drift above drift_max (or no convergence at
    tol/stability) gives stable = 0 and valid = 0; 0 turns it off.

    reference: a K x n (or flat) numpy array of float32/float64/int8 (e.g.
    model.weight.detach().numpy()), a SolveResult, or a weights source path
    (FILE.h5, FILE.h5:/dataset, FILE.npy, text). save: OUT.h5 (/volume,
    /reference); csv: the table as CSV; checkpoint/resume as solve's.
    Returns a VolumeResult; Ctrl-C stops within a sweep, writes what was
    asked and raises tcmbp.Interrupted carrying the points done.
    """ + ENGINE_DOC
    given = dict(weights=weights, engine=engine, cavity=cavity, hidden=hidden, output_factor=output_factor, schedule=schedule,
                 block_size=block_size, damping=damping, tol=tol, max_sweeps=max_sweeps, max_seconds=max_seconds,
                 patterns=patterns, init=init, init_random=init_random, lambda_min=lambda_min, lambda_max=lambda_max)
    o, kind = _resolve(inst, given, VOLUME_DEFAULTS, dict(lambda_min=0.5, lambda_max=1000.0))
    _check_engine(o, kind, given, inst)
    if resume and not checkpoint:
        raise ValueError("resume needs checkpoint=PATH")
    if resume and (init is not None or o["init_random"] > 0):
        raise ValueError("resume excludes init and init_random")
    if o["max_sweeps"] < 1:
        raise ValueError("max_sweeps must be >= 1 (got %d)" % o["max_sweeps"])
    lam = _ladder(lambdas, steps, _number(o, "lambda_min"), _number(o, "lambda_max"))
    seed = _seed(seed)
    _check_retries(retries)
    stability, drift_max = _check_stability(stability, drift_max)
    check_outputs(force, resume, checkpoint, save=save, csv=csv)
    cmdline = _call_text("volume", dict(save=save, csv=csv, checkpoint=checkpoint, seed=seed, steps=steps,
                                        retries=retries, keep_going=keep_going or None, stability=stability,
                                        drift_max=drift_max, **given))
    with Session(threads, progress, o["max_seconds"]) as s:
        eng = _Engine(inst, o, kind)
        eng.run.retries = retries
        e = eng.ptr.contents
        ref, ref_text = _weights(reference, e.K, e.n, kind, "reference")
        try:
            return _ladder_run(s, eng, o, ref, ref_text, lam, dict(save=save, csv=csv, checkpoint=checkpoint,
                               resume=resume, seed=seed, force=force, keep_going=bool(keep_going),
                               stability=stability, drift_max=drift_max), cmdline)
        finally:
            lib.tcm_weights_free(ref)


def _check_stability(stability, drift_max):
    """The stability check's options (as cmd_volume.c): 0 or a factor > 1, a drift >= 0."""
    for name, v in (("stability", stability), ("drift_max", drift_max)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
            raise ValueError("%s must be a finite number (got %r)" % (name, v))
    if stability != 0 and not stability > 1:
        raise ValueError("stability must be 0 (no check) or > 1 (got %g)" % stability)
    if drift_max < 0:
        raise ValueError("drift_max must be >= 0 (got %g)" % drift_max)
    return float(stability), float(drift_max)


def _ladder(lambdas, steps, lo, hi):
    """The couplings: an explicit list or the geometric ladder (make_ladder)."""
    if lambdas is not None:
        lam = np.array(lambdas, dtype=np.float64).ravel()
        if lam.size == 0:
            raise ValueError("lambdas is empty")
        if not np.isfinite(lam).all():
            raise ValueError("lambdas must be finite")
        if (lam < 0).any():
            raise ValueError("lambdas: couplings must be >= 0 (got %g)" % lam[lam < 0][0])
        return np.ascontiguousarray(lam)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError("steps must be an integer >= 1 (got %r)" % (steps,))
    lam = np.empty(int(steps))
    if lib.tcm_volume_ladder(lam.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), int(steps), lo, hi):
        raise ValueError("lambda_min/lambda_max: %s" % lib.tcm_last_error().decode())
    return lam


def _ladder_run(s, eng, o, ref, ref_text, lam, a, cmdline):
    """Run (or resume) the ladder; write save=, csv= and checkpoint=; the result."""
    dp = ctypes.POINTER(ctypes.c_double)
    count, lamp, wref = len(lam), lam.ctypes.data_as(dp), ref.contents.w
    t = _lib.CTable()
    lib.tcm_results_volume_table(eng.ptr, ctypes.byref(t))
    points = (ctypes.c_char * (t.row_size * count))()
    pos = _lib.CPosition()
    ck = str(a["checkpoint"]).encode() if a["checkpoint"] else None
    state = {"save_failed": False}
    if not a["resume"]:
        eng.init(o, a["seed"])

    def on_sweep(pr, user):
        q = pr.contents
        j = min(pos.next_step, count - 1)
        return s.stop(command="volume", point=pos.next_step, points=count, **{"lambda": float(lam[j])},
                      sweep=q.sweep, change=q.change, seconds=s.elapsed())

    def on_point(pt, index, n, user):
        return s.stop(command="volume", point=index, points=n, seconds=s.elapsed())

    def on_position(position, pts, user):
        if ck and lib.tcm_volume_checkpoint_save(ck, eng.ptr, ctypes.byref(eng.run), wref, lamp, count, position,
                                                 points):
            state["save_failed"] = True

    p = _lib.CVolumeParams(run=eng.run, keep_going=int(a["keep_going"]), stability=a["stability"],
                           drift_max=a["drift_max"])
    p.run.max_seconds = 0.0
    cbs = (_lib.PROGRESS_FN(on_sweep), _lib.VOLUME_FN(on_point), _lib.VOLUME_SAVED_FN(on_position))
    p.run.progress, p.on_point, p.on_position = cbs
    if a["resume"]:
        check(lib.tcm_volume_checkpoint_load(ck, eng.ptr, ctypes.byref(eng.run), wref, lamp, count,
                                             ctypes.byref(pos), points), "resume")
    failed = lib.tcm_driver_volume(eng.ptr, wref, lamp, count, ctypes.byref(p), ctypes.byref(pos), points)
    why = lib.tcm_last_error().decode() if failed else ""
    stopped = lib.tcm_volume_stopped(ctypes.byref(pos), count)
    status = "failed" if failed else "stopped" if stopped else "done" if pos.finished else \
        "timeout" if s.timed_out else "interrupted"
    n = pos.next_step
    table = table_array(lib, t, points, n)
    if a["save"]:
        _write_volume(s, eng, ref, ref_text, t, points, n, status, a, cmdline)
    if a["csv"]:
        _write_csv(t, points, n, a["csv"], a["force"] or a["resume"])
    if ck and not pos.finished:
        check(lib.tcm_volume_checkpoint_save(ck, eng.ptr, ctypes.byref(eng.run), wref, lamp, count,
                                             ctypes.byref(pos), points), "writing the checkpoint %s" % a["checkpoint"])
    if state["save_failed"]:
        raise _lib.FileError("a checkpoint could not be written to %s" % a["checkpoint"], 3)
    if failed:
        j = min(n, count - 1)
        raise _lib._CLASSES.get(failed, Error)("at point %d (lambda %g; the %d points before it were written): %s"
                                               % (j + 1, lam[j], n, why), failed)
    s.reraise()
    refw = np.ctypeslib.as_array(wref, shape=(ref.contents.K, ref.contents.n)).copy()
    out = VolumeResult(_volume_summary(s, eng, ref, table, status, n, a), dict(reference=refw), table, "table")
    if s.interrupted:
        raise Interrupted("tcmbp.volume interrupted after %d of %d points" % (n, count), out)
    return out


def _volume_summary(s, eng, ref, table, status, n, a):
    """The --json keys of volume (print_summary of cmd_volume.c; the counts
    converged and valid renamed, since those are table columns)."""
    valid = table["valid"] != 0
    sc = dict(status=status, kind=eng.name, points=n, converged_points=int(table["converged"].sum()),
              valid_points=int(valid.sum()), stable_points=int(table["stable"].sum()),
              min_distance=float(table["distance"][valid].min()) if valid.any() else -1.0,
              reference_normalized="per_unit" if eng.kind == 0 else "none",
              reference_errors=_reference_errors(eng, ref), sweeps=int(table["sweeps"].sum()),
              check_sweeps=int(table["check_sweeps"].sum()))
    if status == "stopped":  # (the CLI's lambda/entropy/local_entropy keys are the table's columns here)
        sc["stopped_lambda"] = float(table["lambda"][n - 1])
    sc["seconds"] = s.elapsed()
    for key in ("save", "csv", "checkpoint"):
        if a[key]:
            sc["output" if key == "save" else key] = str(a[key])
    return sc


def _reference_errors(eng, ref):
    """Training errors of the reference on the patterns used (-1 if it cannot be evaluated)."""
    if eng.M == 0:
        return 0
    used = _lib.CInstance.from_buffer_copy(eng.inst._c)
    used.M = eng.M
    ev = _lib.CEval()
    return ev.errors if lib.tcm_weights_eval(ref, ctypes.byref(used), ctypes.byref(ev), None, None) == 0 else -1


def _write_volume(s, eng, ref, ref_text, t, points, n, status, a, cmdline):
    """OUT.h5 as write_h5 of cmd_volume.c."""
    h = _H5Out(a["save"], "volume", a["force"] or a["resume"], eng, cmdline, s)
    r = ref.contents
    dims = (ctypes.c_size_t * 2)(r.K, r.n)
    norm = "per-unit: sum_i w_ki^2 = n" if eng.kind == 0 else "none: signs +-1"
    h.do(lib.tcm_h5_out_double, b"/reference", 2, dims, r.w)
    h.attrs("/reference", [("source", ref_text), ("normalization", norm)])
    h.table(t, b"/volume", points, n)
    h.attrs("/volume", [("status", status), ("weights", eng.name), ("reference", ref_text)])
    h.do(lib.tcm_results_write_params, b"/volume", eng.ptr, ctypes.byref(eng.run))
    h.attrs("/volume", [("patterns_used", eng.M), ("stability", a["stability"]), ("drift_max", a["drift_max"])])
    h.commit()


def _write_csv(t, points, n, path, force):
    """The CSV table, written atomically (write_csv of cmd_volume.c)."""
    af = ctypes.c_void_p()
    check(lib.tcm_atomic_open(ctypes.byref(af), str(path).encode(), int(bool(force))), "csv %s" % path)
    f = lib.tcm_atomic_stream(af)
    st = lib.tcm_table_write_csv(ctypes.byref(t), f, points, n) if f else lib.tcm_last_error_code()
    if st:
        lib.tcm_atomic_abort(af)
        fail(st, "csv %s" % path)
    check(lib.tcm_atomic_commit(af), "csv %s" % path)


# ---- eval ----------------------------------------------------------------------------------

def eval(inst, weights, kind=None, save=None, force=False):
    """Evaluate a configuration on the instance (`tcmbp eval`): errors,
    error_rate, min/mean stability, and per pattern outputs, fields (M x K)
    and wrong. weights: a K x n (or flat) array, a Result, or a weights
    source path; kind: read it as 'continuous' (normalised per unit) or
    'binary' (+-1), default the instance's kind. save: the --outputs file
    (/eval/outputs, /eval/fields, /eval/wrong)."""
    if not isinstance(inst, Instance):
        raise ValueError("the first argument must be a tcmbp.Instance (got %s)" % type(inst).__name__)
    k = inst._c.kind if kind is None else _lib.parse_choice("tcm_weight_kind_names", "kind", kind)
    check_outputs(force, save=save)
    w, text = _weights(weights, inst.K, inst.n, k, "weights")
    try:
        ev = _lib.CEval()
        outputs, fields = np.empty(inst.M, dtype=np.int8), np.empty((inst.M, inst.K))
        check(lib.tcm_weights_eval(w, inst._ptr, ctypes.byref(ev), outputs.ctypes.data_as(ctypes.POINTER(ctypes.c_int8)),
                                   fields.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        wrong = (outputs != inst.outputs).astype(np.int8)
        kn = lib.tcm_weight_kind_name(k).decode()
        sc = dict(status="solved" if ev.errors == 0 else "unsolved", instance=inst._source, weights_source=text,
                  kind=kn, output_rule=inst.output_rule, normalized="per_unit" if k == 0 else "none", M=ev.M,
                  errors=ev.errors, error_rate=ev.error_rate, min_stability=ev.min_stability,
                  mean_stability=ev.mean_stability)
        if save:
            _write_eval(save, force, inst, text, kn, ev, outputs, fields, wrong)
            sc["outputs_file"] = str(save)
        return EvalResult(sc, dict(outputs=outputs, fields=fields, wrong=wrong))
    finally:
        lib.tcm_weights_free(w)


def _write_eval(path, force, inst, text, kn, ev, outputs, fields, wrong):
    """The --outputs file of cmd_eval.c."""
    h = ctypes.c_void_p()
    check(lib.tcm_h5_out_open(ctypes.byref(h), str(path).encode(), b"eval", int(bool(force))))
    out = _H5Out.__new__(_H5Out)
    out.h = h
    dims = (ctypes.c_size_t * 2)(inst.M, inst.K)
    out.do(lib.tcm_h5_out_group, b"/eval")
    i8, dp = ctypes.POINTER(ctypes.c_int8), ctypes.POINTER(ctypes.c_double)
    out.do(lib.tcm_h5_out_int8, b"/eval/outputs", 1, dims, outputs.ctypes.data_as(i8))
    out.do(lib.tcm_h5_out_double, b"/eval/fields", 2, dims, fields.ctypes.data_as(dp))
    out.do(lib.tcm_h5_out_int8, b"/eval/wrong", 1, dims, wrong.ctypes.data_as(i8))
    out.attrs("/eval", [("instance", inst._source), ("weights", text), ("kind", kn),
                        ("output_rule", inst.output_rule), ("errors", ev.errors),
                        ("min_stability", float(ev.min_stability)), ("mean_stability", float(ev.mean_stability))])
    out.commit()
