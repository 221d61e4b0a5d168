"""Result objects: plain attributes named like the command line's --json
keys, HDF5 datasets and CSV columns, a repr of the scalars, to_dict()."""
import numpy as np


class Result:
    """Scalars (status, errors, sweeps, ...) and numpy arrays (weights,
    marginals, tables) of one run, as attributes. A table (history,
    volume) is a numpy structured array whose fields are the CSV/HDF5
    column names; its columns are attributes too (vol.distance), except
    where a summary scalar has the name (vol.status is the run's status;
    the points' statuses are vol.table["status"])."""

    _kind = "Result"

    def __init__(self, scalars, arrays=None, table=None, table_name=None):
        self._scalars = dict(scalars)
        self._arrays = dict(arrays or {})
        if table is not None:
            self._arrays[table_name] = table
        self._table_name = table_name

    def __getattr__(self, name):
        d = self.__dict__
        if name.startswith("_"):
            raise AttributeError(name)
        if name in d.get("_arrays", {}):
            return d["_arrays"][name]
        if name in d.get("_scalars", {}):
            return d["_scalars"][name]
        t = d.get("_table_name")
        if t and name in (d["_arrays"][t].dtype.names or ()):
            return d["_arrays"][t][name]
        raise AttributeError("%s has no attribute %r" % (type(self).__name__, name))

    def __dir__(self):
        out = set(super().__dir__()) | set(self._scalars) | set(self._arrays)
        if self._table_name:
            out |= set(self._arrays[self._table_name].dtype.names or ())
        return sorted(out)

    def to_dict(self):
        """Every scalar and array by name (tables as dicts of column arrays)."""
        out = dict(self._scalars)
        for k, v in self._arrays.items():
            if v is not None and v.dtype.names:
                out[k] = {c: v[c].copy() for c in v.dtype.names}
            else:
                out[k] = v
        return out

    def __repr__(self):
        parts = ["%s=%r" % (k, v) for k, v in self._scalars.items()]
        for k, v in self._arrays.items():
            if v is None:
                continue
            desc = "%d rows" % len(v) if v.dtype.names else "x".join(str(s) for s in v.shape) + " " + str(v.dtype)
            parts.append("%s=<%s>" % (k, desc))
        return "%s(%s)" % (type(self).__name__, ", ".join(parts))


class BPResult(Result):
    """Result of tcmbp.bp: status, kind, sweeps, change, entropy, phi, q,
    chibar (continuous), errors, patterns, nonfinite_sweep, seconds;
    arrays weights (the configuration), mean, variance, chi (continuous)
    or magnetization, field (binary)."""


class SolveResult(Result):
    """Result of tcmbp.solve: status, kind, errors, M, steps, sweeps,
    protocol, the last step's coupling (lambda or gamma), y and engine
    extras, seconds; arrays weights (the solution, K x n) and history (one
    row per protocol step, the /solve/history columns)."""


class VolumeResult(Result):
    """Result of tcmbp.volume: status, kind, points, converged_points,
    valid_points, stable_points, min_distance, reference_normalized,
    reference_errors, sweeps, check_sweeps (those of the stability check,
    included in sweeps), seconds; arrays reference (as measured around:
    normalised per unit for continuous weights) and table (the /volume
    columns lambda, distance, entropy, s0, local_entropy, converged, valid,
    reliable, status, sweeps, change, q, limit, legendre, damping, stable,
    drift_entropy, drift_distance, check_sweeps, ..., seconds), each column
    also an attribute."""


class EvalResult(Result):
    """Result of tcmbp.eval: status, kind, output_rule, normalized, M,
    errors, error_rate, min_stability, mean_stability; arrays outputs (M
    machine outputs, 0 on a tie), fields (M x K) and wrong (M)."""


def table_array(lib, table, rows, nrows):
    """The rows of a C table (tcm_table + row memory) as a structured numpy
    array (int columns as int64, double ones as float64)."""
    t = table
    names = [t.col[c].name.decode() for c in range(t.ncols)]
    dtype = [(nm, np.int64 if t.col[c].type == 1 else np.float64) for c, nm in enumerate(names)]
    out = np.zeros(nrows, dtype=dtype)
    for c, nm in enumerate(names):
        col = out[nm]
        for r in range(nrows):
            col[r] = lib.tcm_table_value(t, c, rows, r)
    return out
