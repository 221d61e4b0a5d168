"""import_dataset: the command line's `tcmbp import-dataset` (a training and
a test instance for a fully connected committee machine from a real
two-class data set, as the wide-flat-minima paper prepares Fashion-MNIST),
with its options as keyword arguments, its --json keys and the same
instance files (save=, test_save=)."""
import ctypes
import math
import os

import numpy as np

from . import _lib
from ._lib import lib, check, fail
from .instance import Instance
from .results import Result
from .run import check_outputs

IDX_SCALE_EXCEPT = (".npy", ".h5", ".hdf5", ".csv", ".txt")


class DatasetResult(Result):
    """Result of tcmbp.import_dataset: status ('written' with save=, else
    'built'), file, N, K, M, plus_class, minus_class, plus_available and
    minus_available (images of each class passing the filter), balanced,
    randomized, shuffle_seed (randomized only), seed, test_file and test_M
    (with a test set) -- the CLI's --json keys; instance and test (a
    tcmbp.Instance, test None without test_images)."""

    def __init__(self, scalars, instance, test):
        super().__init__(scalars)
        self.__dict__["instance"], self.__dict__["test"] = instance, test


def _default_scale(images):
    """255 for idx bytes, 1 for .npy, HDF5 (also FILE:/dataset) and CSV (default_scale of cmd_import_dataset.c)."""
    s = str(images)
    if ":/" in s or s.lower().endswith(IDX_SCALE_EXCEPT):
        return 1.0
    return 255.0


def _integer(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise ValueError("%s must be an integer (got %r)" % (what, v))
    return int(v)


def _pair(v, what):
    try:
        a, b = (float(x) for x in v)
    except (TypeError, ValueError):
        raise ValueError("%s must be a pair of numbers (got %r)" % (what, v)) from None
    return a, b


def _params(classes, M, test_M, unbalanced, median_range, no_filter, binarize, threshold, scale, K, seed):
    """Options -> tcm_dataset_params, with the checks and messages of make_params in cmd_import_dataset.c."""
    c0, c1 = _pair(classes, "classes")
    if c0 != math.floor(c0) or c1 != math.floor(c1) or abs(c0) > 1e9 or abs(c1) > 1e9 or c0 == c1:
        raise ValueError("classes must be two different integer labels (A, B) (A -> +1, B -> -1)")
    lo, hi = _pair(median_range, "median_range")
    if not lo <= hi:
        raise ValueError("median_range must be (LO, HI) with LO <= HI")
    K, M, test_M = _integer(K, "K"), _integer(M, "M"), _integer(test_M, "test_M")
    if K <= 0 or K % 2 == 0:
        raise ValueError("K must be odd and positive (got %d)" % K)
    if M < 0 or test_M < 0 or (not unbalanced and (M % 2 or test_M % 2)):
        raise ValueError("M and test_M must be >= 0%s" % ("" if unbalanced else " and even (balanced subsets)"))
    if binarize not in ("median", "fixed"):
        raise ValueError("binarize must be median or fixed (got %r)" % (binarize,))
    if threshold is not None and binarize != "fixed":
        raise ValueError("threshold needs binarize='fixed'")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, (int, float, np.integer, np.floating))
                              or not scale > 0 or not math.isfinite(scale)):
        raise ValueError("scale must be > 0 (got %r)" % (scale,))
    p = _lib.CDatasetParams(plus_class=int(c0), minus_class=int(c1), M=M, balanced=int(not unbalanced),
                            median_lo=1.0 if no_filter else lo, median_hi=0.0 if no_filter else hi,
                            binarize=1 if binarize == "fixed" else 0, threshold=0.5 if threshold is None
                            else float(threshold), K=K, seed=seed)
    return p, (c0, c1)


def _build(images, labels, scale, p):
    """Read a data set and cut an instance (build of cmd_import_dataset.c):
    (tcmbp.Instance pointer, [plus, minus] counts passing the filter)."""
    ds = ctypes.c_void_p()
    classes = (ctypes.c_int * 2)(p.plus_class, p.minus_class)
    sc = _default_scale(images) if scale is None else float(scale)
    inst = ctypes.POINTER(_lib.CInstance)()
    counts = (ctypes.c_int(), ctypes.c_int())
    st = lib.tcm_dataset_read(ctypes.byref(ds), os.fsencode(images), os.fsencode(labels), classes, 2, sc)
    try:
        if st == 0:
            st = lib.tcm_dataset_count(ds, ctypes.byref(p), ctypes.byref(counts[0]), ctypes.byref(counts[1]))
        if st == 0:
            st = lib.tcm_dataset_instance(ctypes.byref(inst), ds, ctypes.byref(p))
        if st:
            fail(st, str(images))
    finally:
        lib.tcm_dataset_free(ds)
    return inst, [counts[0].value, counts[1].value]


def import_dataset(images, labels, save=None, *, test_images=None, test_labels=None, test_save=None, classes=(3, 4),
                   M=500, test_M=0, unbalanced=False, median_range=(0.25, 0.75), no_filter=False, binarize="median",
                   threshold=None, scale=None, randomize=False, shuffle_seed=None, K=9, seed=1, force=False):
    """A training instance (and a test instance) from a real two-class data
    set (`tcmbp import-dataset`): keep classes (A -> +1, B -> -1), drop
    images whose median lies outside median_range (no_filter: keep all),
    draw a seeded subset of M (balanced M/2 per class unless unbalanced; 0:
    all), binarize at each image's median (or binarize='fixed' at
    threshold), pixel values divided by scale (default 255 for idx files,
    else 1); randomize: the paper's pixel shuffle of the training patterns
    (shuffle_seed, default seed). images/labels: idx (gzip or plain),
    .npy, FILE.h5[:/dataset] or .csv paths. save/test_save: the instance
    files (-o, --test-output). Returns a DatasetResult (.instance, .test)."""
    from .run import _seed
    seed = _seed(seed)
    if shuffle_seed is not None and not randomize:
        raise ValueError("shuffle_seed needs randomize=True")
    shuffle_seed = seed if shuffle_seed is None else _seed(shuffle_seed)
    if (test_images is None) != (test_labels is None):
        raise ValueError("test_images and test_labels go together")
    if test_save is not None and test_images is None:
        raise ValueError("test_save needs test_images and test_labels")
    p, (c0, c1) = _params(classes, M, test_M, unbalanced, median_range, no_filter, binarize, threshold, scale, K,
                          seed)
    for what, path in (("images", images), ("labels", labels), ("test_images", test_images),
                       ("test_labels", test_labels)):
        if path is not None and not os.path.exists(path):
            raise _lib.FileError("%s: %s does not exist" % (what, path), 3)
    check_outputs(force, save=save, test_save=test_save)
    ptr, counts = _build(images, labels, scale, p)
    tr = Instance(ptr, True, source=str(save) if save is not None else "(imported from %s)" % images)
    if randomize:
        check(lib.tcm_dataset_randomize(ptr, shuffle_seed))
    te = None
    if test_images is not None:
        tp = _lib.CDatasetParams.from_buffer_copy(p)
        tp.M = _integer(test_M, "test_M")
        tptr, _ = _build(test_images, test_labels, scale, tp)
        te = Instance(tptr, True, source=str(test_save) if test_save is not None else
                      "(imported from %s)" % test_images)
    if save is not None:
        tr.save(save, force)
    if test_save is not None:
        te.save(test_save, force)
    sc = dict(status="written" if save is not None else "built")
    if save is not None:
        sc["file"] = str(save)
    sc.update(N=tr.N, K=tr.K, M=tr.M, plus_class=int(c0), minus_class=int(c1), plus_available=counts[0],
              minus_available=counts[1], balanced=not unbalanced, randomized=bool(randomize))
    if randomize:
        sc["shuffle_seed"] = shuffle_seed
    sc["seed"] = seed
    if te is not None:
        if test_save is not None:
            sc["test_file"] = str(test_save)
        sc["test_M"] = te.M
    return DatasetResult(sc, tr, te)
