"""import_dataset, hessian and info against the command line: the same
files bit for bit, the same --json keys and values; bad inputs raise
ValueError or tcmbp.Error subclasses."""
import subprocess

import numpy as np
import pytest

import tcmbp
from conftest import CLI, assert_same_numbers, assert_same_attrs


@pytest.fixture
def npy_data(tmp_path):
    """A small three-class data set as .npy pairs (training and test):
    grey images whose medians spread around 0.5, so the filter drops some."""
    rng = np.random.default_rng(3)
    paths = {}
    for part, count in (("train", 60), ("test", 30)):
        img = rng.random((count, 7, 7)) * rng.uniform(0.6, 1.4, (count, 1, 1))
        lab = rng.integers(0, 3, count)
        np.save(tmp_path / ("%s_img.npy" % part), img)
        np.save(tmp_path / ("%s_lab.npy" % part), lab)
        paths[part] = (tmp_path / ("%s_img.npy" % part), tmp_path / ("%s_lab.npy" % part))
    return paths


def test_import_dataset_same_as_cli(tmp_path, cli, npy_data):
    (img, lab), (timg, tlab) = npy_data["train"], npy_data["test"]
    js = cli("import-dataset", "--images", img, "--labels", lab, "--classes", "1,2", "--M", 10, "--K", 3,
             "--seed", 4, "--test-images", timg, "--test-labels", tlab, "--test-output", tmp_path / "cte.h5",
             "-o", tmp_path / "ctr.h5")
    r = tcmbp.import_dataset(img, lab, tmp_path / "ptr.h5", classes=(1, 2), M=10, K=3, seed=4, test_images=timg,
                             test_labels=tlab, test_save=tmp_path / "pte.h5")
    for a, b in (("ptr.h5", "ctr.h5"), ("pte.h5", "cte.h5")):
        assert_same_numbers(tmp_path / a, tmp_path / b)
        assert_same_attrs(tmp_path / a, tmp_path / b)
    d = r.to_dict()
    for k in ("file", "test_file"):
        d[k], js[k] = str(d[k]).split("/")[-1][1:], js[k].split("/")[-1][1:]  # ptr.h5 / ctr.h5 -> tr.h5
    assert list(d) == list(js) and d == js
    assert r.instance.M == 10 and r.test.M == js["test_M"] and r.instance.arch == "full"
    ref = tcmbp.Instance.load(tmp_path / "ctr.h5")
    assert r.instance.patterns.tobytes() == ref.patterns.tobytes()
    # randomized, unbalanced, fixed threshold, no filter, in memory only
    js = cli("import-dataset", "--images", img, "--labels", lab, "--M", 15, "--K", 5, "--unbalanced", "--no-filter",
             "--binarize", "fixed", "--threshold", 0.45, "--randomize", "--shuffle-seed", 7, "--classes", "0,2",
             "-o", tmp_path / "crand.h5")
    r = tcmbp.import_dataset(img, lab, M=15, K=5, unbalanced=True, no_filter=True, binarize="fixed", threshold=0.45,
                             randomize=True, shuffle_seed=7, classes=(0, 2))
    ref = tcmbp.Instance.load(tmp_path / "crand.h5")
    assert r.instance.patterns.tobytes() == ref.patterns.tobytes()
    assert r.instance.outputs.tobytes() == ref.outputs.tobytes()
    assert r.status == "built" and r.test is None
    assert {k: v for k, v in r.to_dict().items() if k != "status"} == \
        {k: v for k, v in js.items() if k not in ("status", "file")}


def test_import_dataset_bad_input(tmp_path, npy_data):
    img, lab = npy_data["train"]
    for kw in (dict(K=4), dict(M=7), dict(classes=(1, 1)), dict(classes=(1.5, 2)), dict(median_range=(0.6, 0.4)),
               dict(binarize="otsu"), dict(threshold=0.3), dict(scale=0), dict(shuffle_seed=3),
               dict(test_images=img), dict(test_save=tmp_path / "t.h5"), dict(M="10"), dict(seed=-1)):
        with pytest.raises(ValueError):
            tcmbp.import_dataset(img, lab, **kw)
    with pytest.raises(tcmbp.InvalidError, match="too few|class"):  # 1000 balanced images: more than there are
        tcmbp.import_dataset(img, lab, M=1000, classes=(1, 2))
    with pytest.raises(tcmbp.FileError):
        tcmbp.import_dataset(tmp_path / "missing.npy", lab)
    bad = tmp_path / "short_lab.npy"
    np.save(bad, np.zeros(5, dtype=np.int64))
    with pytest.raises(tcmbp.FormatError, match="label"):
        tcmbp.import_dataset(img, bad)
    tcmbp.import_dataset(img, lab, tmp_path / "x.h5", M=10, classes=(1, 2))
    with pytest.raises(tcmbp.ExistsError):
        tcmbp.import_dataset(img, lab, tmp_path / "x.h5", M=10, classes=(1, 2))
    tcmbp.import_dataset(img, lab, tmp_path / "x.h5", M=10, classes=(1, 2), force=True)


@pytest.fixture
def hess_inst(tmp_path, cli):
    path = tmp_path / "h.h5"
    cli("generate", "--N", 20, "--K", 3, "--M", 24, "--arch", "full", "--teacher", "--seed", 2, "-o", path)
    return path


@pytest.mark.parametrize("opts", [dict(method="full"), dict(method="lanczos", top=3, seed=5),
                                  dict(output_unit="tanh", method="auto")])
def test_hessian_same_as_cli(tmp_path, cli, hess_inst, opts):
    w = "%s:/teacher" % hess_inst
    args = []
    for k, v in opts.items():
        args += ["--" + {"output_unit": "output-unit"}.get(k, k), v]
    js = cli("hessian", hess_inst, w, "--beta", 1.5, "-o", tmp_path / "c.h5", *args)
    inst = tcmbp.Instance.load(hess_inst)
    r = tcmbp.hessian(inst, w, 1.5, tmp_path / "p.h5", **opts)
    assert_same_numbers(tmp_path / "p.h5", tmp_path / "c.h5")
    assert_same_attrs(tmp_path / "p.h5", tmp_path / "c.h5", skip=("weights",))
    d = r.to_dict()
    ev = d.pop("eigenvalues")
    d["output"], js["output"] = "x", "x"
    assert list(d) == list(js) and d == js
    with __import__("h5py").File(tmp_path / "c.h5", "r") as f:
        assert ev.tobytes() == f["/hessian/eigenvalues"][()].tobytes()
    # the weights as an array (normalised first, as the CLI normalises the file's)
    r2 = tcmbp.hessian(inst, inst.teacher, 1.5, **opts)
    assert r2.eigenvalues.tobytes() == ev.tobytes()


def test_hessian_bad_input(hess_inst):
    inst = tcmbp.Instance.load(hess_inst)
    w = inst.teacher
    cases = [((w, 0), {}), ((w, float("nan")), {}), ((w, 1), dict(method="dense")),
             ((w, 1), dict(output_unit="sigmoid")), ((w, 1), dict(top=0)), ((w, 1), dict(lanczos_steps=1.5)),
             ((w, 1), dict(tol=-1)), ((w[:, :5], 1), {}), ((np.full_like(w, np.nan), 1), {}),
             ((w, 1), dict(threads=0))]
    for args, kw in cases:
        with pytest.raises(ValueError):
            tcmbp.hessian(inst, *args, **kw)
    with pytest.raises(ValueError):
        tcmbp.hessian("h.h5", w, 1)
    with pytest.raises(tcmbp.Error):
        tcmbp.hessian(inst, str(hess_inst) + ":/nothing", 1)


def test_info_same_as_cli(tmp_path, cli, hess_inst):
    cli("train", hess_inst, "--algo", "lal", "-o", tmp_path / "w.h5")
    cli("generate", "--N", 21, "--K", 3, "--M", 10, "--storage", "bits", "-o", tmp_path / "b.h5")
    for path in (hess_inst, tmp_path / "w.h5", tmp_path / "b.h5"):
        js = cli("info", path)
        text = subprocess.run([CLI, "info", str(path)], capture_output=True, text=True, check=True).stdout
        r = tcmbp.info(path)
        d = r.to_dict()
        assert d.pop("text") == text == str(r)
        assert list(d) == list(js) and d == js
        if path.name == "b.h5":
            assert r.storage == "bits"
    assert tcmbp.info(hess_inst).storage == "int8"
    r = tcmbp.info(tmp_path / "w.h5")
    assert r.file_kind == "weights" and (r.weights_K, r.weights_n) == (3, 20)
    with pytest.raises(tcmbp.FileError):
        tcmbp.info(tmp_path / "missing.h5")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(tcmbp.Error):
        tcmbp.info(tmp_path / "junk.h5")
