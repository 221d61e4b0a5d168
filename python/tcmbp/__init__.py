"""tcmbp: message passing for tree and fully connected committee machines,
from Python. A thin layer over libtcmbp.so (ctypes + numpy): no numerics in
Python, the command line's options as keyword arguments and its result
vocabulary (--json keys, HDF5 datasets, CSV columns) as attributes.

    import tcmbp
    inst = tcmbp.Instance.generate(N=99, K=3, alpha=0.5, seed=7)
    sol = tcmbp.solve(inst)                 # focusing BP: sol.status, sol.weights, sol.history
    vol = tcmbp.volume(inst, sol.weights)   # vol.distance, vol.local_entropy
    tcmbp.eval(inst, sol.weights).errors

See docs/PYTHON.md."""
from ._lib import (Error, InvalidError, FileError, FormatError, ExistsError, NumericError, Interrupted, lib as _clib)
from .instance import Instance
from .results import Result, BPResult, SolveResult, VolumeResult, EvalResult
from .run import bp, solve, volume, eval
from .train import train, TrainResult
from .dataset import import_dataset, DatasetResult
from .hessian import hessian, HessianResult
from .info import info, InfoResult

__version__ = _clib.tcm_version().decode()
library_path = _clib.path

__all__ = ["Instance", "bp", "solve", "volume", "eval", "train", "TrainResult", "import_dataset", "DatasetResult",
           "hessian", "HessianResult", "info", "InfoResult", "Error", "InvalidError", "FileError", "FormatError",
           "ExistsError", "NumericError", "Interrupted", "Result", "BPResult", "SolveResult", "VolumeResult",
           "EvalResult", "__version__", "library_path"]
