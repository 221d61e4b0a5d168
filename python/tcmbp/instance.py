"""Instance: a storage problem (patterns, desired outputs, K, architecture,
output rule) held by libtcmbp, built from numpy arrays without a copy,
generated exactly as `tcmbp generate` does, or read from / written to the
same HDF5 files as the command line."""
import ctypes

import numpy as np

from . import _lib
from ._lib import lib, check

ARCHS = ("tree", "full")
RULES = ("majority", "parity")


def _rule_value(output_rule):
    if output_rule not in RULES:
        raise ValueError("output_rule must be majority or parity (got %r)" % (output_rule,))
    return RULES.index(output_rule)


def _arch_value(arch):
    if arch not in ARCHS:
        raise ValueError("arch must be tree or full (got %r)" % (arch,))
    return ARCHS.index(arch)


def _check_K(K, rule, what="K"):
    if not isinstance(K, (int, np.integer)) or isinstance(K, bool):
        raise ValueError("%s must be an integer (got %r)" % (what, K))
    if not lib.tcm_output_rule_allows_K(rule, int(K)):
        if rule == 0:
            raise ValueError("%s must be odd and positive (got %d): majority vote needs an odd number of units"
                             % (what, K))
        raise ValueError("%s must be positive (got %d)" % (what, K))


CHUNK = 1 << 22  # entries checked at a time: bounded temporaries for any size


def _first_bad(flat):
    """Index of the first entry of a 1-D array that is not +-1 (non-finite
    included), or -1; works in chunks so that no full-size temporary exists."""
    for lo in range(0, flat.size, CHUNK):
        c = flat[lo:lo + CHUNK]
        ok = (c == 1) | (c == -1)
        if not ok.all():
            return lo + int(np.argmin(ok))
    return -1


def _first_bad_index(arr):
    """Flat (C-order) index of the first entry of arr (1-D or 2-D, any
    strides) that is not +-1, or -1."""
    if arr.flags.c_contiguous:
        return _first_bad(arr.reshape(-1))
    if arr.ndim == 1:
        return _first_bad(arr)
    for r in range(arr.shape[0]):
        b = _first_bad(arr[r])
        if b >= 0:
            return r * arr.shape[1] + b
    return -1


def _pm1_int8(a, what, ndim):
    """a as C-contiguous int8 of +-1: the same object when it already is
    one (no copy, checked in place), else one conversion after the values
    were checked. No temporary as large as the array is made."""
    arr = np.asarray(a)
    if arr.ndim != ndim:
        raise ValueError("%s must be a %d-D array (got shape %s)" % (what, ndim, arr.shape))
    if arr.size == 0:
        raise ValueError("%s is empty (shape %s)" % (what, arr.shape))
    if arr.dtype.kind not in "iuf" and arr.dtype != np.bool_:
        raise ValueError("%s must hold +-1 as integers or floats (got dtype %s)" % (what, arr.dtype))
    bad = _first_bad_index(arr)
    if bad >= 0:
        idx = np.unravel_index(bad, arr.shape)
        v = arr[idx]
        if arr.dtype.kind == "f" and not np.isfinite(v):
            raise ValueError("%s has a non-finite entry at %s" % (what, tuple(int(i) for i in idx)))
        raise ValueError("%s must be +-1: entry %s is %r" % (what, tuple(int(i) for i in idx), v.item()))
    if arr.dtype == np.int8 and arr.flags.c_contiguous and arr.flags.aligned:
        return arr
    return np.ascontiguousarray(arr, dtype=np.int8)


class Instance:
    """A storage instance: M patterns of N inputs (+-1) with desired outputs
    (+-1) for a machine of K hidden units (tree or fully connected; majority
    or parity output rule).

    Build one with Instance.from_arrays, Instance.generate or Instance.load.
    Properties: N, K, M, n (inputs per unit), alpha, arch, kind (the default
    weight kind of the solvers), output_rule, seed, generator, patterns and
    outputs (read-only numpy views of the library's memory, no copy),
    teacher (K_t x n_t array or None), fingerprint."""

    def __init__(self, ptr, owned, keep=(), source="(numpy arrays)"):
        self._ptr = ptr          # POINTER(CInstance)
        self._source = source    # the "instance" attribute of result files
        self._owned = owned      # freed with tcm_instance_free
        self._keep = keep        # arrays (and the struct) the library borrows

    def __del__(self):
        if getattr(self, "_owned", False) and self._ptr:
            lib.tcm_instance_free(self._ptr)
            self._ptr = None

    # ---- constructors -----------------------------------------------------
    @classmethod
    def from_arrays(cls, patterns, outputs, K, arch="tree", output_rule="majority", weights="continuous"):
        """An instance over patterns (M x N of +-1, any integer or float
        dtype) and outputs (M of +-1) for K hidden units. C-contiguous int8
        arrays are used in place (no copy: do not modify them while the
        instance lives); anything else is converted once. weights is the
        default weight kind of the solvers. ValueError for a wrong shape,
        non-finite or non-+-1 entries, an even K (majority) or N not a
        multiple of K (tree)."""
        rule, archv = _rule_value(output_rule), _arch_value(arch)
        kind = _lib.parse_choice("tcm_weight_kind_names", "weights", weights)
        _check_K(K, rule)
        p = _pm1_int8(patterns, "patterns", 2)
        o = _pm1_int8(outputs, "outputs", 1)
        M, N = p.shape
        if o.shape[0] != M:
            raise ValueError("outputs has %d entries for %d patterns (patterns is %d x %d)" % (o.shape[0], M, M, N))
        if archv == 0 and N % K:
            raise ValueError("N = %d (columns of patterns) must be divisible by K = %d for a tree" % (N, K))
        if N > 2**31 - 1 or M > 2**31 - 1:
            raise ValueError("patterns is too large (%d x %d)" % (M, N))
        c = _lib.CInstance(N=N, K=int(K), M=M, n=N // K if archv == 0 else N, arch=archv, kind=kind,
                           patterns=p.ctypes.data_as(ctypes.POINTER(ctypes.c_int8)),
                           outputs=o.ctypes.data_as(ctypes.POINTER(ctypes.c_int8)), teacher=None, seed=0,
                           generator=b"imported", rule=rule)
        ptr = ctypes.pointer(c)
        st = lib.tcm_instance_validate(ptr)
        if st:
            raise ValueError("instance: %s" % lib.tcm_last_error().decode())
        return cls(ptr, False, (p, o, c))

    @classmethod
    def generate(cls, N=999, K=3, alpha=None, M=None, arch="tree", weights="continuous", teacher=False,
                 K_teacher=0, output_rule="majority", seed=1, storage="int8"):
        """A random instance, the same bit for bit as `tcmbp generate` with
        the same options (--N, --K, --alpha (default 1) or --M, --arch, --weights,
        --teacher, --K-teacher, --output-rule, --seed, --storage). storage="bits"
        holds the patterns as bits (1/8 byte per entry): for engine='amp' only
        (docs/FORMAT.md); the other functions refuse such an instance."""
        storagev = _lib.parse_choice("tcm_storage_names", "storage", storage)
        rule, archv = _rule_value(output_rule), _arch_value(arch)
        kind = _lib.parse_choice("tcm_weight_kind_names", "weights", weights)
        _check_K(K, rule)
        if not isinstance(N, (int, np.integer)) or N < 1:
            raise ValueError("N must be a positive integer (got %r)" % (N,))
        if archv == 0 and N % K:
            raise ValueError("N must be divisible by K for a tree (got N=%d, K=%d)" % (N, K))
        if M is not None and alpha is not None:
            raise ValueError("give alpha or M, not both")
        alpha = 1.0 if alpha is None else alpha
        if M is not None and (not isinstance(M, (int, np.integer)) or M < 1):
            raise ValueError("M must be a positive integer (got %r)" % (M,))
        if M is None and not (alpha > 0 and np.isfinite(alpha)):
            raise ValueError("alpha must be positive and finite (got %r)" % (alpha,))
        if K_teacher:
            _check_K(K_teacher, rule, "K_teacher")
            if not teacher:
                raise ValueError("K_teacher needs teacher=True")
            if archv == 0 and N % K_teacher:
                raise ValueError("N must be divisible by K_teacher for a tree (got N=%d, K_teacher=%d)"
                                 % (N, K_teacher))
        if not 0 <= seed < 2**64:
            raise ValueError("seed must be in [0, 2^64) (got %r)" % (seed,))
        p = _lib.CInstanceParams(N=int(N), K=int(K), M=int(M or 0), alpha=float(alpha), arch=archv, kind=kind,
                                 teacher=int(bool(teacher)), K_teacher=int(K_teacher), seed=int(seed), rule=rule)
        ptr = ctypes.POINTER(_lib.CInstance)()
        check(lib.tcm_instance_generate_as(ctypes.byref(ptr), ctypes.byref(p), storagev), "generate")
        return cls(ptr, True, source="(generated, seed %d)" % seed)

    @classmethod
    def load(cls, path):
        """Read an instance file (HDF5, as written by `tcmbp generate` or
        `tcmbp import`). tcmbp.Error subclasses for missing or bad files."""
        ptr = ctypes.POINTER(_lib.CInstance)()
        check(lib.tcm_h5_read_instance(str(path).encode(), ctypes.byref(ptr)))
        return cls(ptr, True, source=str(path))

    def save(self, path, force=False):
        """Write the instance file (atomically); ExistsError if path exists
        and force is False."""
        check(lib.tcm_h5_write_instance(str(path).encode(), self._ptr, int(bool(force))))

    # ---- properties ---------------------------------------------------------
    @property
    def _c(self):
        return self._ptr.contents

    N = property(lambda self: self._c.N, doc="inputs per pattern")
    K = property(lambda self: self._c.K, doc="hidden units")
    M = property(lambda self: self._c.M, doc="patterns")
    n = property(lambda self: self._c.n, doc="inputs per unit: N/K (tree) or N (full)")
    arch = property(lambda self: ARCHS[self._c.arch], doc="'tree' or 'full'")
    kind = property(lambda self: lib.tcm_weight_kind_name(self._c.kind).decode(),
                    doc="default weight kind of the solvers ('continuous' or 'binary')")
    output_rule = property(lambda self: RULES[self._c.rule], doc="'majority' or 'parity'")
    seed = property(lambda self: self._c.seed, doc="generation seed (0 if imported)")
    generator = property(lambda self: self._c.generator.decode(), doc="'random', 'teacher' or 'imported'")

    @property
    def alpha(self):
        """Patterns per weight: M/N (tree) or M/(N K) (fully connected)."""
        return lib.tcm_instance_alpha(self._ptr)

    @property
    def fingerprint(self):
        """The 64-bit fingerprint stored in results and checkpoints (hex)."""
        return "%016x" % lib.tcm_instance_fingerprint(self._ptr)

    def _view(self, ptr, shape):
        """A read-only numpy view of library memory that keeps this instance
        (the memory's owner) alive as long as the view lives."""
        count = int(np.prod(shape))
        buf = (ctypes.c_int8 * count).from_address(ctypes.addressof(ptr.contents))
        buf._owner = self
        arr = np.frombuffer(buf, dtype=np.int8, count=count).reshape(shape)
        arr.flags.writeable = False
        return arr

    @property
    def storage(self):
        """'int8' or 'bits' (patterns held one bit per entry)."""
        return "bits" if self._c.bits else "int8"

    @property
    def patterns(self):
        """M x N int8 read-only view of the patterns (the library's memory).
        tcmbp.Error for a bits instance (no int8 patterns are held)."""
        check(lib.tcm_instance_require_int8(self._ptr), "patterns")
        return self._view(self._c.patterns, (self.M, self.N))

    @property
    def outputs(self):
        """M int8 read-only view of the desired outputs."""
        return self._view(self._c.outputs, (self.M,))

    @property
    def teacher(self):
        """The teacher's weights (K_t x n_t, a copy) or None."""
        t = self._c.teacher
        if not t:
            return None
        w = t.contents
        return np.ctypeslib.as_array(w.w, shape=(w.K, w.n)).copy()

    def __repr__(self):
        return ("Instance(N=%d, K=%d, M=%d, alpha=%.6g, arch=%r, output_rule=%r, kind=%r, generator=%r, seed=%d%s)"
                % (self.N, self.K, self.M, self.alpha, self.arch, self.output_rule, self.kind, self.generator,
                   self.seed, ", storage='bits'" if self.storage == "bits" else ""))
