"""info: the command line's `tcmbp info FILE` (the kind, schema version and
creator of any tcmbp HDF5 file, an instance's sizes, a weights file's
shape) with its --json keys, and the text description of its plain form."""
import ctypes
import os

from . import _lib
from ._lib import lib, check
from .instance import Instance
from .results import Result


class InfoResult(Result):
    """Result of tcmbp.info: status ('ok'), file, file_kind, schema_version,
    creator; for instances N, K, M, n, alpha, arch, weights, generator,
    output_rule, seed, teacher, storage; for files with /weights weights_K,
    weights_n -- the CLI's --json keys; text: the plain `tcmbp info FILE`
    description (str(result) as well)."""

    def __str__(self):
        return self._scalars["text"]


def _describe(path):
    """The library's text description of the file (tcm_h5_describe)."""
    p = ctypes.c_void_p()
    check(lib.tcm_h5_describe(os.fsencode(path), ctypes.byref(p)))
    try:
        text = ctypes.string_at(p.value).decode("utf-8", "replace")
    finally:
        lib.tcm_api_free(p)
    return text if not text or text.endswith("\n") else text + "\n"


def _root_keys(path):
    """file_kind, creator, schema_version and the /weights shape, missing ones empty or 0 (info_json)."""
    h = ctypes.c_void_p()
    check(lib.tcm_h5_in_open(ctypes.byref(h), os.fsencode(path)))
    kind, creator = ctypes.create_string_buffer(64), ctypes.create_string_buffer(128)
    version = ctypes.c_int64(0)
    shape = None
    try:
        lib.tcm_h5_in_attr_string(h, b"/", b"file_kind", kind, 64)
        lib.tcm_h5_in_attr_string(h, b"/", b"creator", creator, 128)
        lib.tcm_h5_in_attr_int(h, b"/", b"schema_version", ctypes.byref(version))
        rank, dims = ctypes.c_int(0), (ctypes.c_size_t * 4)()
        if lib.tcm_h5_in_has(h, b"/weights") and lib.tcm_h5_in_shape(h, b"/weights", ctypes.byref(rank), dims) == 0 \
                and rank.value >= 1:
            shape = (dims[0], dims[1] if rank.value >= 2 else 1)
    finally:
        lib.tcm_h5_in_close(h)
        lib.tcm_error_clear()  # missing attributes are not errors here
    return kind.value.decode(), creator.value.decode(), version.value, shape


def info(path):
    """Describe a tcmbp HDF5 file (`tcmbp info FILE`, its --json keys and
    .text, the plain output). tcmbp.Error subclasses for a missing or
    unreadable file or a damaged instance."""
    path = os.fspath(path)
    text = _describe(path)
    kind, creator, version, shape = _root_keys(path)
    inst = Instance.load(path) if kind == "instance" else None
    sc = dict(status="ok", file=str(path), file_kind=kind, schema_version=version, creator=creator)
    if inst is not None:
        c = inst._c
        sc.update(N=inst.N, K=inst.K, M=inst.M, n=inst.n, alpha=inst.alpha, arch=inst.arch, weights=inst.kind,
                  generator=inst.generator, output_rule=inst.output_rule, seed=inst.seed,
                  teacher=bool(c.teacher), storage=inst.storage)
    if shape is not None:
        sc.update(weights_K=shape[0], weights_n=shape[1])
    sc["text"] = text
    return InfoResult(sc)
