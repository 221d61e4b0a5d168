"""The ctypes layer: finding and loading libtcmbp.so, the layouts of the
public structs it shares with Python (checked against the library's own
sizes, tcm_api_sizeof), function prototypes, and errors.

Nothing here is numerics: every number comes from the C library."""
import ctypes
import ctypes.util
import os

from ctypes import (POINTER, CFUNCTYPE, Structure, c_char, c_char_p, c_double, c_int, c_int8, c_size_t,
                    c_uint64, c_void_p)

__all__ = ["lib", "Error", "InvalidError", "FileError", "FormatError", "ExistsError", "NumericError",
           "Interrupted", "check", "fail"]


# ---- errors ------------------------------------------------------------------

class Error(RuntimeError):
    """A runtime failure reported by libtcmbp: `code` is the library's status
    code (error.h), `status` its short name, str(e) the one-line message."""

    def __init__(self, message, code=0):
        super().__init__(message)
        self.code = code
        self.status = lib.tcm_status_name(code).decode() if lib is not None else ""


class InvalidError(Error, ValueError):
    """An argument the library refused (TCM_EINVAL): also a ValueError."""


class FileError(Error, OSError):
    """A file missing, unreadable or unwritable (TCM_EIO)."""


class FormatError(Error):
    """A file readable but not what was expected (TCM_EFORMAT)."""


class ExistsError(Error, FileExistsError):
    """An output exists and force=True was not given (TCM_EEXIST)."""


class NumericError(Error, ArithmeticError):
    """Non-finite values in an input or a computation (TCM_ENUMERIC)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped a run; `result` holds what was computed up to
    there (and written, with the checkpoint, where save=/checkpoint= asked)."""

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


_CLASSES = {1: InvalidError, 2: Error, 3: FileError, 4: FormatError, 5: ExistsError, 6: NumericError}


def fail(code, context=None):
    """Raise the exception of status `code` with the library's last message."""
    msg = lib.tcm_last_error().decode("utf-8", "replace") or lib.tcm_status_name(code).decode()
    if context:
        msg = "%s: %s" % (context, msg)
    raise _CLASSES.get(code, Error)(msg, code)


def check(status, context=None):
    """Raise for a non-zero library status; return nothing otherwise."""
    if status:
        fail(status, context)


# ---- struct layouts (mirrors of include/tcmbp/*.h) ----------------------------

class CWeights(Structure):
    _fields_ = [("K", c_int), ("n", c_int), ("kind", c_int), ("w", POINTER(c_double))]


class CInstance(Structure):
    _fields_ = [("N", c_int), ("K", c_int), ("M", c_int), ("n", c_int), ("arch", c_int), ("kind", c_int),
                ("patterns", POINTER(c_int8)), ("outputs", POINTER(c_int8)), ("teacher", POINTER(CWeights)),
                ("seed", c_uint64), ("generator", c_char * 32), ("rule", c_int), ("bits", POINTER(c_uint64))]


class CInstanceParams(Structure):
    _fields_ = [("N", c_int), ("K", c_int), ("M", c_int), ("alpha", c_double), ("arch", c_int), ("kind", c_int),
                ("teacher", c_int), ("K_teacher", c_int), ("seed", c_uint64), ("rule", c_int)]


class CEval(Structure):
    _fields_ = [("M", c_int), ("errors", c_int), ("error_rate", c_double), ("min_stability", c_double),
                ("mean_stability", c_double)]


class CModes(Structure):
    _fields_ = [("cavity", c_int), ("hidden", c_int), ("output", c_int), ("schedule", c_int), ("block_size", c_int),
                ("damping", c_double), ("focus_damping", c_double)]


class CThermo(Structure):
    _fields_ = [(k, c_double) for k in ("phi", "entropy", "q", "distance", "chibar", "overlap")]


class CEngine(Structure):
    _fields_ = [("ops", c_void_p), ("kind", c_int), ("inst", POINTER(CInstance)), ("K", c_int), ("n", c_int),
                ("M", c_int), ("state", c_void_p), ("algo", c_int)]


class CProgress(Structure):
    _fields_ = [("sweep", c_int), ("change", c_double), ("norm_change", c_double), ("norm_mean", c_double),
                ("seconds", c_double)]


PROGRESS_FN = CFUNCTYPE(c_int, POINTER(CProgress), c_void_p)


class CRunParams(Structure):
    _fields_ = [("modes", CModes), ("tol", c_double), ("max_sweeps", c_int), ("max_seconds", c_double),
                ("progress", PROGRESS_FN), ("user", c_void_p), ("retries", c_int)]


class CBPResult(Structure):
    _fields_ = [("status", c_int), ("sweeps", c_int), ("change", c_double), ("norm_change", c_double),
                ("nonfinite_sweep", c_int), ("thermo", CThermo), ("errors", c_int), ("seconds", c_double)]


class CPosition(Structure):
    _fields_ = [("next_step", c_int), ("sweeps_in_step", c_int), ("step_seconds", c_double), ("finished", c_int),
                ("solved", c_int), ("total_sweeps", c_int), ("check", c_int), ("check_start", c_int),
                ("check_entropy", c_double), ("check_distance", c_double)]


VOLUME_FN = CFUNCTYPE(c_int, c_void_p, c_int, c_int, c_void_p)
VOLUME_SAVED_FN = CFUNCTYPE(None, POINTER(CPosition), c_void_p, c_void_p)


class CVolumeParams(Structure):
    _fields_ = [("run", CRunParams), ("on_point", VOLUME_FN), ("on_position", VOLUME_SAVED_FN), ("user", c_void_p),
                ("keep_going", c_int), ("stability", c_double), ("drift_max", c_double)]


FOCUS_SWEEP_FN = CFUNCTYPE(c_int, POINTER(CProgress), c_int, c_int, c_void_p)
FOCUS_STEP_FN = CFUNCTYPE(c_int, c_void_p, POINTER(CPosition), c_void_p)


class CFocusParams(Structure):
    _fields_ = [("run", CRunParams), ("stop_at_solution", c_int), ("record", c_int), ("on_sweep", FOCUS_SWEEP_FN),
                ("on_step", FOCUS_STEP_FN), ("user", c_void_p)]


class CPolishResult(Structure):
    _fields_ = [("errors_before", c_int), ("errors", c_int), ("moves", c_int)]


class CFocusResult(Structure):
    _fields_ = [("solved", c_int), ("errors", c_int), ("interrupted", c_int), ("steps", c_int),
                ("total_sweeps", c_int), ("seconds", c_double)]


class CProtocolStep(Structure):
    _fields_ = [("coupling", c_double), ("y", c_double)]


class CProtocol(Structure):
    _fields_ = [("count", c_int), ("steps", POINTER(CProtocolStep)), ("name", c_char * 64)]


class CProtocolSpec(Structure):
    _fields_ = [("kind", c_int), ("lo", c_double), ("hi", c_double), ("steps", c_int), ("y", c_double),
                ("dx", c_double), ("drho", c_double), ("x", c_double), ("list", c_char_p)]


class CColumn(Structure):
    _fields_ = [("name", c_char_p), ("type", c_int), ("offset", c_size_t), ("derived", c_int)]


class CTable(Structure):
    _fields_ = [("ncols", c_int), ("row_size", c_size_t), ("col", CColumn * 32)]


class CRunInfo(Structure):
    _fields_ = [("command_line", c_char_p), ("instance", c_char_p), ("threads", c_int), ("wall_seconds", c_double)]


class CTrainEpoch(Structure):
    _fields_ = [("epoch", c_int), ("errors", c_int)] + \
        [(k, c_double) for k in ("loss", "distance", "lambda", "beta", "gamma", "seconds")]


TRAIN_FN = CFUNCTYPE(c_int, POINTER(CTrainEpoch), c_void_p)


class CTrainParams(Structure):
    _fields_ = [("algo", c_int), ("eta", c_double), ("batch", c_int), ("max_epochs", c_int),
                ("max_seconds", c_double), ("y", c_int)] + \
        [(k, c_double) for k in ("lambda0", "lambda1", "beta0", "beta1", "gamma0", "gamma1", "collapse_tol",
                                 "loss_tol")] + \
        [("step", c_int), ("seed", c_uint64), ("progress", TRAIN_FN), ("user", c_void_p)]


class CTrainResult(Structure):
    _fields_ = [("status", c_int), ("converged", c_int), ("epochs", c_int), ("seconds", c_double),
                ("errors", c_int)] + [(k, c_double) for k in ("loss", "distance", "lambda", "beta", "gamma")] + \
        [("log", POINTER(CTrainEpoch)), ("nlog", c_int)]


class CDatasetParams(Structure):
    _fields_ = [("plus_class", c_int), ("minus_class", c_int), ("M", c_int), ("balanced", c_int),
                ("median_lo", c_double), ("median_hi", c_double), ("binarize", c_int), ("threshold", c_double),
                ("K", c_int), ("seed", c_uint64)]


class CLanczosParams(Structure):
    _fields_ = [("max_steps", c_int), ("nwant", c_int), ("tol", c_double), ("seed", c_uint64)]


class CLanczosResult(Structure):
    _fields_ = [("steps", c_int), ("converged", c_int), ("residual", c_double), ("found", c_int)]


MATVEC_FN = CFUNCTYPE(None, c_void_p, POINTER(c_double), POINTER(c_double))

_LAYOUTS = {"tcm_train_params": CTrainParams, "tcm_train_epoch": CTrainEpoch, "tcm_train_result": CTrainResult,
            "tcm_weights": CWeights, "tcm_instance": CInstance, "tcm_instance_params": CInstanceParams,
            "tcm_eval": CEval, "tcm_engine_modes": CModes, "tcm_engine_thermo": CThermo, "tcm_engine": CEngine,
            "tcm_progress": CProgress, "tcm_run_params": CRunParams, "tcm_bp_result": CBPResult,
            "tcm_run_position": CPosition, "tcm_volume_params": CVolumeParams, "tcm_focus_params": CFocusParams,
            "tcm_focus_result": CFocusResult, "tcm_protocol_step": CProtocolStep, "tcm_protocol": CProtocol,
            "tcm_protocol_spec": CProtocolSpec, "tcm_column": CColumn, "tcm_table": CTable,
            "tcm_run_info": CRunInfo, "tcm_dataset_params": CDatasetParams, "tcm_lanczos_params": CLanczosParams,
            "tcm_lanczos_result": CLanczosResult}

# ---- prototypes ----------------------------------------------------------------

P = POINTER
_PROTOS = {
    "tcm_last_error": (c_char_p, []), "tcm_last_error_code": (c_int, []), "tcm_error_clear": (None, []),
    "tcm_status_name": (c_char_p, [c_int]), "tcm_version": (c_char_p, []),
    "tcm_api_sizeof": (c_size_t, [c_char_p]),
    "tcm_api_engine_randomize": (c_int, [P(CEngine), c_double, c_uint64]),
    "tcm_api_engine_marginals": (c_int, [P(CEngine), P(c_double), P(c_double), P(c_double)]),
    "tcm_api_marginal_names": (c_int, [c_int, P(c_char_p)]),
    "tcm_names_parse": (c_int, [P(c_char_p), c_char_p, c_char_p, P(c_int)]),
    "tcm_instance_generate": (c_int, [P(P(CInstance)), P(CInstanceParams)]),
    "tcm_instance_generate_as": (c_int, [P(P(CInstance)), P(CInstanceParams), c_int]),
    "tcm_instance_require_int8": (c_int, [P(CInstance)]),
    "tcm_instance_free": (None, [P(CInstance)]),
    "tcm_instance_validate": (c_int, [P(CInstance)]),
    "tcm_instance_alpha": (c_double, [P(CInstance)]),
    "tcm_instance_fingerprint": (c_uint64, [P(CInstance)]),
    "tcm_output_rule_allows_K": (c_int, [c_int, c_int]),
    "tcm_h5_read_instance": (c_int, [c_char_p, P(P(CInstance))]),
    "tcm_h5_write_instance": (c_int, [c_char_p, P(CInstance), c_int]),
    "tcm_weights_alloc": (P(CWeights), [c_int, c_int, c_int]),
    "tcm_weights_free": (None, [P(CWeights)]),
    "tcm_weights_normalize": (c_int, [P(CWeights)]),
    "tcm_weights_validate": (c_int, [P(CWeights)]),
    "tcm_weights_load": (c_int, [P(P(CWeights)), c_char_p, c_int, c_int, c_int]),
    "tcm_weights_eval": (c_int, [P(CWeights), P(CInstance), P(CEval), P(c_int8), P(c_double)]),
    "tcm_engine_alloc": (P(CEngine), [P(CInstance), c_int, c_int, c_int]),
    "tcm_engine_alloc_algo": (P(CEngine), [P(CInstance), c_int, c_int, c_int, c_int]),
    "tcm_engine_free": (None, [P(CEngine)]),
    "tcm_engine_weights": (P(CWeights), [P(CEngine)]),
    "tcm_polish_weights": (c_int, [P(CWeights), P(CInstance), c_int, P(CPolishResult)]),
    "tcm_weight_kind_name": (c_char_p, [c_int]),
    "tcm_bp_status_name": (c_char_p, [c_int]),
    "tcm_driver_bp": (c_int, [P(CEngine), P(CRunParams), P(CBPResult)]),
    "tcm_driver_focus": (c_int, [P(CEngine), P(CProtocol), P(CFocusParams), P(CPosition), c_void_p,
                                 P(CFocusResult)]),
    "tcm_driver_volume": (c_int, [P(CEngine), P(c_double), P(c_double), c_int, P(CVolumeParams), P(CPosition),
                                  c_void_p]),
    "tcm_volume_ladder": (c_int, [P(c_double), c_int, c_double, c_double]),
    "tcm_volume_stopped": (c_int, [P(CPosition), c_int]),
    "tcm_protocol_make": (c_int, [P(P(CProtocol)), P(CProtocolSpec)]),
    "tcm_protocol_free": (None, [P(CProtocol)]),
    "tcm_results_read_checkpoint": (c_int, [P(CEngine), c_char_p]),
    "tcm_results_write_checkpoint": (c_int, [c_void_p, P(CEngine)]),
    "tcm_results_write_bp": (c_int, [c_void_p, c_char_p, P(CEngine), P(CRunParams), P(CBPResult)]),
    "tcm_results_write_params": (c_int, [c_void_p, c_char_p, P(CEngine), P(CRunParams)]),
    "tcm_results_write_run_info": (c_int, [c_void_p, P(CRunInfo), P(CInstance), c_char_p]),
    "tcm_results_history_table": (None, [P(CEngine), P(CTable)]),
    "tcm_results_volume_table": (None, [P(CEngine), P(CTable)]),
    "tcm_table_value": (c_double, [P(CTable), c_int, c_void_p, c_size_t]),
    "tcm_table_write_h5": (c_int, [P(CTable), c_void_p, c_char_p, c_void_p, c_size_t]),
    "tcm_table_write_csv": (c_int, [P(CTable), c_void_p, c_void_p, c_size_t]),
    "tcm_focus_checkpoint_save": (c_int, [c_char_p, P(CEngine), P(CRunParams), P(CProtocol), P(CPosition),
                                          c_void_p]),
    "tcm_focus_checkpoint_load": (c_int, [c_char_p, P(CEngine), P(CRunParams), P(CProtocol), P(CPosition),
                                          c_void_p]),
    "tcm_volume_checkpoint_save": (c_int, [c_char_p, P(CEngine), P(CRunParams), P(c_double), P(c_double), c_int,
                                           P(CPosition), c_void_p]),
    "tcm_volume_checkpoint_load": (c_int, [c_char_p, P(CEngine), P(CRunParams), P(c_double), P(c_double), c_int,
                                           P(CPosition), c_void_p]),
    "tcm_h5_out_open": (c_int, [P(c_void_p), c_char_p, c_char_p, c_int]),
    "tcm_h5_out_commit": (c_int, [c_void_p]), "tcm_h5_out_abort": (None, [c_void_p]),
    "tcm_h5_out_group": (c_int, [c_void_p, c_char_p]),
    "tcm_h5_out_double": (c_int, [c_void_p, c_char_p, c_int, P(c_size_t), P(c_double)]),
    "tcm_h5_out_int8": (c_int, [c_void_p, c_char_p, c_int, P(c_size_t), P(c_int8)]),
    "tcm_h5_out_weights": (c_int, [c_void_p, P(CWeights)]),
    "tcm_h5_out_attr_string": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p]),
    "tcm_h5_out_attr_int": (c_int, [c_void_p, c_char_p, c_char_p, ctypes.c_int64]),
    "tcm_h5_out_attr_double": (c_int, [c_void_p, c_char_p, c_char_p, c_double]),
    "tcm_atomic_open": (c_int, [P(c_void_p), c_char_p, c_int]),
    "tcm_atomic_stream": (c_void_p, [c_void_p]),
    "tcm_atomic_check_target": (c_int, [c_char_p, c_int]),
    "tcm_atomic_commit": (c_int, [c_void_p]), "tcm_atomic_abort": (None, [c_void_p]),
    "tcm_train_params_default": (c_int, [P(CTrainParams), c_int]),
    "tcm_train_params_check": (c_int, [P(CTrainParams)]),
    "tcm_train_run": (c_int, [P(P(CWeights)), P(CInstance), P(CTrainParams), P(CTrainResult)]),
    "tcm_train_result_clear": (None, [P(CTrainResult)]),
    "tcm_train_algo_name": (c_char_p, [c_int]), "tcm_train_algo_parse": (c_int, [c_char_p, P(c_int)]),
    "tcm_train_step_name": (c_char_p, [c_int]), "tcm_train_step_parse": (c_int, [c_char_p, P(c_int)]),
    "tcm_train_status_name": (c_char_p, [c_int]),
    "tcm_h5_out_table": (c_int, [c_void_p, c_char_p, c_int, P(c_char_p), c_size_t, P(P(c_double))]),
    "tcm_api_free": (None, [c_void_p]),
    "tcm_dataset_read": (c_int, [P(c_void_p), c_char_p, c_char_p, P(c_int), c_int, c_double]),
    "tcm_dataset_free": (None, [c_void_p]),
    "tcm_dataset_count": (c_int, [c_void_p, P(CDatasetParams), P(c_int), P(c_int)]),
    "tcm_dataset_instance": (c_int, [P(P(CInstance)), c_void_p, P(CDatasetParams)]),
    "tcm_dataset_randomize": (c_int, [P(CInstance), c_uint64]),
    "tcm_hessian_alloc": (c_void_p, [P(CWeights), P(CInstance), c_double, c_int]),
    "tcm_hessian_free": (None, [c_void_p]), "tcm_hessian_dim": (c_int, [c_void_p]),
    "tcm_hessian_loss": (c_double, [c_void_p]), "tcm_hessian_errors": (c_int, [c_void_p]),
    "tcm_hessian_gradient": (None, [c_void_p, P(c_double)]),
    "tcm_hessian_dense": (None, [c_void_p, P(c_double)]),
    "tcm_spectrum_dense": (c_int, [c_int, P(c_double), P(c_double)]),
    "tcm_spectrum_lanczos": (c_int, [c_int, MATVEC_FN, c_void_p, P(CLanczosParams), P(c_double),
                                     P(CLanczosResult)]),
    "tcm_h5_describe": (c_int, [c_char_p, P(c_void_p)]),
    "tcm_h5_in_open": (c_int, [P(c_void_p), c_char_p]), "tcm_h5_in_close": (None, [c_void_p]),
    "tcm_h5_in_has": (c_int, [c_void_p, c_char_p]),
    "tcm_h5_in_shape": (c_int, [c_void_p, c_char_p, P(c_int), P(c_size_t)]),
    "tcm_h5_in_attr_int": (c_int, [c_void_p, c_char_p, c_char_p, P(ctypes.c_int64)]),
    "tcm_h5_in_attr_string": (c_int, [c_void_p, c_char_p, c_char_p, c_char_p, c_size_t]),
    "omp_get_max_threads": (c_int, []), "omp_set_num_threads": (None, [c_int]),
}

NAME_TABLES = ("tcm_weight_kind_names", "tcm_cavity_mode_names", "tcm_hidden_mode_names", "tcm_output_mode_names",
               "tcm_schedule_names", "tcm_protocol_kind_names", "tcm_storage_names")


def _candidates():
    """Where libtcmbp.so is looked for, in order: $TCMBP_LIBRARY, next to
    this package, the library installed with it (_installed.py, written by
    cmake --install), then the dynamic linker's search."""
    env = os.environ.get("TCMBP_LIBRARY")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    out = [os.path.join(here, f) for f in sorted(os.listdir(here)) if f.startswith("libtcmbp.so")]
    try:
        from . import _installed
        out.append(_installed.LIBRARY)
    except ImportError:
        pass
    found = ctypes.util.find_library("tcmbp")
    out += [found] if found else []
    return out + ["libtcmbp.so.0", "/usr/local/lib/libtcmbp.so.0"]


def _load():
    """Load the first library that opens; check its struct layouts."""
    errors = []
    for path in _candidates():
        try:
            handle = ctypes.CDLL(path)
        except OSError as e:
            errors.append("%s (%s)" % (path, e))
            continue
        for name, (res, args) in _PROTOS.items():
            f = getattr(handle, name)
            f.restype, f.argtypes = res, args
        for name, layout in _LAYOUTS.items():
            size = handle.tcm_api_sizeof(name.encode())
            if size != ctypes.sizeof(layout):
                raise ImportError("tcmbp: %s has sizeof(%s) = %d but the Python binding expects %d: the library and "
                                  "the package are from different versions" % (path, name, size,
                                                                              ctypes.sizeof(layout)))
        handle.path = path
        return handle
    raise ImportError("tcmbp: cannot load libtcmbp.so; set TCMBP_LIBRARY=/path/to/libtcmbp.so "
                      "(tried: %s)" % "; ".join(errors))


lib = None
lib = _load()


def names(table):
    """The names of an enum table (e.g. "tcm_cavity_mode_names") as a list."""
    arr = (c_char_p * 64).in_dll(lib, table)
    out = []
    for v in arr:
        if v is None:
            break
        out.append(v.decode())
    return out


def parse_choice(table, what, value):
    """The enum value of name `value` in `table`; ValueError naming `what`
    and the choices otherwise."""
    choices = names(table)
    if value not in choices:
        raise ValueError("%s must be one of %s (got %r)" % (what, ", ".join(choices), value))
    return choices.index(value)
