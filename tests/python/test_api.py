"""The Python package against the command line: the same instances, results
and files bit for bit; clear errors for bad inputs."""

import h5py
import numpy as np
import pytest

import tcmbp
from conftest import assert_same_numbers, assert_same_attrs


@pytest.fixture
def inst_file(tmp_path, cli):
    path = tmp_path / "inst.h5"
    cli("generate", "--N", 63, "--K", 3, "--alpha", 0.6, "--seed", 5, "-o", path)
    return path


def test_generate_bit_for_bit(tmp_path, cli, inst_file):
    inst = tcmbp.Instance.generate(N=63, K=3, alpha=0.6, seed=5)
    ref = tcmbp.Instance.load(inst_file)
    assert inst.patterns.tobytes() == ref.patterns.tobytes()
    assert inst.outputs.tobytes() == ref.outputs.tobytes()
    assert (inst.N, inst.K, inst.M, inst.fingerprint) == (ref.N, ref.K, ref.M, ref.fingerprint)
    inst.save(tmp_path / "py.h5")
    assert_same_numbers(tmp_path / "py.h5", inst_file)
    assert_same_attrs(tmp_path / "py.h5", inst_file)
    cli("generate", "--N", 45, "--K", 5, "--M", 30, "--teacher", "--arch", "full", "--weights", "binary",
        "--seed", 9, "-o", tmp_path / "t.h5")
    t = tcmbp.Instance.generate(N=45, K=5, M=30, teacher=True, arch="full", weights="binary", seed=9)
    t.save(tmp_path / "tpy.h5")
    assert_same_numbers(tmp_path / "tpy.h5", tmp_path / "t.h5")
    assert t.teacher.shape == (5, 45) and t.arch == "full" and t.kind == "binary"


def test_bits_storage_same_instance_as_cli(tmp_path, cli, inst_file):
    cli("generate", "--N", 63, "--K", 3, "--alpha", 0.6, "--seed", 5, "--storage", "bits", "-o", tmp_path / "b.h5")
    b = tcmbp.Instance.generate(N=63, K=3, alpha=0.6, seed=5, storage="bits")
    i8 = tcmbp.Instance.load(inst_file)
    assert b.storage == "bits" and i8.storage == "int8" and "storage='bits'" in repr(b)
    assert b.fingerprint == i8.fingerprint == tcmbp.Instance.load(tmp_path / "b.h5").fingerprint
    assert b.outputs.tobytes() == i8.outputs.tobytes()
    with pytest.raises(tcmbp.Error, match="bits"):
        b.patterns
    b.save(tmp_path / "bpy.h5")
    assert_same_numbers(tmp_path / "bpy.h5", tmp_path / "b.h5")
    r = tcmbp.bp(b, engine="amp")
    assert r.entropy == tcmbp.bp(i8, engine="amp").entropy
    with pytest.raises(tcmbp.Error, match="bits"):
        tcmbp.bp(b)  # BP needs the int8 entries
    with pytest.raises(ValueError, match="storage"):
        tcmbp.Instance.generate(N=63, K=3, storage="packed")


def test_views_keep_the_instance_alive():
    import gc
    p = tcmbp.Instance.generate(N=63, K=3, alpha=0.6, seed=5).patterns  # the instance itself is dropped
    gc.collect()
    junk = [tcmbp.Instance.generate(N=63, K=3, alpha=0.6, seed=s) for s in range(20)]  # reuse freed memory
    assert p.tobytes() == tcmbp.Instance.generate(N=63, K=3, alpha=0.6, seed=5).patterns.tobytes()
    del junk


def test_properties_and_views(inst_file):
    inst = tcmbp.Instance.load(inst_file)
    assert inst.alpha == pytest.approx(inst.M / 63)
    with pytest.raises(ValueError):
        inst.patterns[0, 0] = 1  # read-only view
    p = np.array(inst.patterns)
    a = tcmbp.Instance.from_arrays(p, inst.outputs.copy(), K=3)
    assert np.shares_memory(a.patterns, p), "C-contiguous int8 patterns must not be copied"
    f = tcmbp.Instance.from_arrays(p.astype(np.float32), inst.outputs.astype(np.int64), K=3)
    assert f.patterns.tobytes() == p.tobytes() and f.fingerprint == inst.fingerprint
    nc = np.asfortranarray(p)
    assert tcmbp.Instance.from_arrays(nc, inst.outputs, K=3).patterns.tobytes() == p.tobytes()
    assert "N=63" in repr(inst)


def test_bp_same_as_cli(tmp_path, cli, inst_file):
    js = cli("bp", inst_file, "-o", tmp_path / "cli.h5")
    inst = tcmbp.Instance.load(inst_file)
    r = tcmbp.bp(inst, save=tmp_path / "py.h5")
    assert_same_numbers(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert_same_attrs(tmp_path / "py.h5", tmp_path / "cli.h5")
    for k in ("status", "sweeps", "entropy", "phi", "q", "chibar", "errors", "patterns"):
        assert getattr(r, k) == js[k], k
    with h5py.File(tmp_path / "cli.h5", "r") as f:
        for k in ("mean", "variance", "chi"):
            assert getattr(r, k).tobytes() == f["/bp/" + k][()].tobytes()
    rb = tcmbp.bp(inst, weights="binary", damping=0.3, save=tmp_path / "pyb.h5", checkpoint=True)
    cli("bp", inst_file, "--weights", "binary", "--damping", 0.3, "-o", tmp_path / "clib.h5", "--checkpoint")
    assert_same_numbers(tmp_path / "pyb.h5", tmp_path / "clib.h5")
    assert_same_attrs(tmp_path / "pyb.h5", tmp_path / "clib.h5")
    assert rb.field.shape == (3, 21) and set(r.to_dict()) >= {"status", "weights", "mean"}


@pytest.mark.parametrize("kind", ["continuous", "binary"])
def test_solve_same_as_cli(tmp_path, cli, inst_file, kind):
    js = cli("solve", inst_file, "--weights", kind, "-o", tmp_path / "cli.h5", "--threads", 1)
    inst = tcmbp.Instance.load(inst_file)
    s = tcmbp.solve(inst, weights=kind, save=tmp_path / "py.h5", threads=2)
    assert_same_numbers(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert_same_attrs(tmp_path / "py.h5", tmp_path / "cli.h5")
    for k in ("status", "errors", "steps", "sweeps", "protocol", "M"):
        assert getattr(s, k) == js[k], k
    with h5py.File(tmp_path / "cli.h5", "r") as f:
        assert s.weights.tobytes() == f["/weights"][()].astype(np.float64).tobytes()
        for c in f["/solve/history"]:
            if c != "seconds":
                assert np.array_equal(s.history[c], f["/solve/history/" + c][()]), c


@pytest.mark.parametrize("kind", ["continuous", "binary"])
def test_amp_engine_same_as_cli(tmp_path, cli, inst_file, kind):
    """engine='amp' is the CLI's --engine amp: the same /bp file bit for bit."""
    js = cli("bp", inst_file, "--engine", "amp", "--weights", kind, "-o", tmp_path / "cli.h5")
    r = tcmbp.bp(tcmbp.Instance.load(inst_file), engine="amp", weights=kind, save=tmp_path / "py.h5")
    assert_same_numbers(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert_same_attrs(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert r.entropy == js["entropy"] and r.sweeps == js["sweeps"]
    with pytest.raises(ValueError, match="engine must be one of"):
        tcmbp.bp(tcmbp.Instance.load(inst_file), engine="ep")



def test_solve_polish_default_same_as_cli(tmp_path, cli):
    """The clean-up is the default, as the CLI's: a short protocol that
    leaves 2 errors is polished to a solution (the same file as the CLI's);
    polish=False is --no-polish; a solved run is the same either way."""
    path = tmp_path / "p99.h5"
    cli("generate", "--N", 99, "--K", 3, "--alpha", 1.0, "--seed", 12, "-o", path)
    inst = tcmbp.Instance.load(path)
    short = ["--protocol", "ladder", "--steps", 1, "--max-sweeps", 15]
    for tag, kw, opts in (("default", {}, []), ("off", dict(polish=False), ["--no-polish"])):
        js = cli("solve", path, *short, *opts, "-o", tmp_path / ("cli_%s.h5" % tag), "--threads", 1)
        r = tcmbp.solve(inst, protocol="ladder", steps=1, max_sweeps=15, save=tmp_path / ("py_%s.h5" % tag), **kw)
        assert_same_numbers(tmp_path / ("py_%s.h5" % tag), tmp_path / ("cli_%s.h5" % tag))
        assert_same_attrs(tmp_path / ("py_%s.h5" % tag), tmp_path / ("cli_%s.h5" % tag))
        for k in ("status", "errors", "errors_before_polish", "polish_moves"):
            assert getattr(r, k, None) == js.get(k), k
    assert js["status"] == "unsolved" and js["errors"] == 2 and r.errors == 2
    d = tcmbp.solve(inst, protocol="ladder", steps=1, max_sweeps=15)
    assert d.status == "solved" and d.errors_before_polish == 2 and d.polish_moves == 2
    a, b = tcmbp.solve(inst), tcmbp.solve(inst, polish=False)
    assert a.status == "solved" and a.weights.tobytes() == b.weights.tobytes()
    with pytest.raises(ValueError, match="polish"):
        tcmbp.solve(inst, polish=1)

@pytest.mark.parametrize("arch", ["tree", "full"])
def test_solve_defaults_per_architecture(tmp_path, cli, arch):
    """The instance-dependent defaults (cmd_solve.c's table, copied in run.py)
    agree with the CLI's for both architectures of binary weights: every
    attribute (dx, tol, max_sweeps_per_step...) and number of the files."""
    path = tmp_path / "b.h5"
    cli("generate", "--N", 45, "--K", 3, "--alpha", 0.3, "--seed", 4, "--arch", arch, "--weights", "binary", "-o", path)
    cli("solve", path, "-o", tmp_path / "cli.h5", "--threads", 1)
    tcmbp.solve(tcmbp.Instance.load(path), save=tmp_path / "py.h5", threads=1)
    assert_same_numbers(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert_same_attrs(tmp_path / "py.h5", tmp_path / "cli.h5")


def test_volume_same_as_cli(tmp_path, cli, inst_file):
    cli("solve", inst_file, "-o", tmp_path / "sol.h5")
    js = cli("volume", inst_file, "--reference", tmp_path / "sol.h5", "--steps", 4, "-o", tmp_path / "cli.h5",
             "--csv", tmp_path / "cli.csv")
    inst = tcmbp.Instance.load(inst_file)
    with h5py.File(tmp_path / "sol.h5", "r") as f:
        w = f["/weights"][()]
    v = tcmbp.volume(inst, w, steps=4,
                     save=tmp_path / "py.h5", csv=tmp_path / "py.csv")
    assert_same_numbers(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert_same_attrs(tmp_path / "py.h5", tmp_path / "cli.h5", skip={"source", "reference"})
    assert v.status == js["status"] and v.points == js["points"] and v.reference_errors == js["reference_errors"]
    assert v.local_entropy[-1] == js["local_entropy"] and v.distance.shape == (4,)
    # a ladder whose points cannot converge stops at the first (status stopped), as the CLI's
    vs = tcmbp.volume(inst, w, lambdas=[1.0, 10.0], tol=1e-300, max_sweeps=3, retries=1)
    js2 = cli("volume", inst_file, "--reference", tmp_path / "sol.h5", "--lambdas", "1,10", "--tol", "1e-300",
              "--max-sweeps", 3, "--retries", 1)
    assert vs.status == js2["status"] == "stopped" and vs.points == js2["points"] == 1
    assert vs.stopped_lambda == js2["stopped_lambda"] == 1.0 and vs.table["damping"][0] == 0.75
    assert vs.table["sweeps"][0] == 6 and not vs.table["valid"][0]
    assert v.sweeps == js["sweeps"] and list(v.table["sweeps"]) != [] and v.table["status"].shape == (4,)
    # a flat float32 copy of the reference (as from torch): one conversion, the same curve
    v32 = tcmbp.volume(inst, w.astype(np.float32).ravel(), steps=4)
    assert v32.status == "done" and np.allclose(v32.local_entropy, v.local_entropy, atol=1e-5)
    header = open(tmp_path / "cli.csv").readline()
    assert open(tmp_path / "py.csv").readline() == header
    v2 = tcmbp.volume(inst, str(tmp_path / "sol.h5"), lambdas=[1.0, 10.0])
    assert list(v2.table["lambda"]) == [1.0, 10.0]


def test_volume_stability_same_as_cli(tmp_path, cli, inst_file):
    """The stability check as the CLI's: at a loose tolerance it marks points
    stable = 0 (not valid); off (0), no drifts; bad values refused."""
    cli("solve", inst_file, "-o", tmp_path / "sol.h5")
    inst = tcmbp.Instance.load(inst_file)
    for tag, kw, opts in (("loose", dict(tol=0.1), ["--tol", 0.1]),
                          ("off", dict(tol=0.1, stability=0), ["--tol", 0.1, "--stability", 0]),
                          ("factor", dict(stability=3.0, drift_max=1e-9), ["--stability", 3, "--drift-max", 1e-9])):
        js = cli("volume", inst_file, "--reference", tmp_path / "sol.h5", "--steps", 3, "-o",
                 tmp_path / ("cli_%s.h5" % tag), *opts)
        v = tcmbp.volume(inst, str(tmp_path / "sol.h5"), steps=3, save=tmp_path / ("py_%s.h5" % tag), **kw)
        assert_same_numbers(tmp_path / ("py_%s.h5" % tag), tmp_path / ("cli_%s.h5" % tag))
        assert_same_attrs(tmp_path / ("py_%s.h5" % tag), tmp_path / ("cli_%s.h5" % tag), skip={"source", "reference"})
        assert v.stable_points == js["stable"] and v.check_sweeps == js["check_sweeps"]
        assert v.valid_points == js["valid"]
        if tag == "loose":
            assert v.stable_points < 3 and not v.table["valid"][0] and v.table["converged"].all()
        if tag == "off":
            assert v.check_sweeps == 0 and np.isnan(v.table["drift_entropy"]).all() and v.stable_points == 3
    for bad in (dict(stability=0.5), dict(stability=float("nan")), dict(drift_max=-1.0), dict(stability=True)):
        with pytest.raises(ValueError, match="stability|drift_max"):
            tcmbp.volume(inst, str(tmp_path / "sol.h5"), steps=2, **bad)


def test_eval_same_as_cli(tmp_path, cli, inst_file):
    cli("solve", inst_file, "-o", tmp_path / "sol.h5")
    js = cli("eval", inst_file, tmp_path / "sol.h5", "--outputs", tmp_path / "cli.h5")
    inst = tcmbp.Instance.load(inst_file)
    e = tcmbp.eval(inst, str(tmp_path / "sol.h5"), save=tmp_path / "py.h5")
    assert_same_numbers(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert_same_attrs(tmp_path / "py.h5", tmp_path / "cli.h5")
    for k in ("status", "errors", "error_rate", "min_stability", "mean_stability", "M"):
        assert getattr(e, k) == js[k], k


def test_threads_honoured_and_results_independent(inst_file):
    inst = tcmbp.Instance.load(inst_file)
    before = tcmbp._lib.lib.omp_get_max_threads()
    seen = set()
    spy = lambda d: seen.add(tcmbp._lib.lib.omp_get_max_threads())  # noqa: E731
    a, b = tcmbp.bp(inst, threads=1, progress=spy), tcmbp.bp(inst, threads=3, progress=spy)
    assert seen == {1, 3} and tcmbp._lib.lib.omp_get_max_threads() == before
    assert a.mean.tobytes() == b.mean.tobytes() and a.entropy == b.entropy
    with pytest.raises(ValueError, match="threads"):
        tcmbp.bp(inst, threads=0)


def test_binary_volume_same_as_cli(tmp_path, cli, inst_file):
    cli("solve", inst_file, "--weights", "binary", "-o", tmp_path / "sol.h5")
    cli("volume", inst_file, "--weights", "binary", "--reference", tmp_path / "sol.h5", "--steps", 3, "-o",
        tmp_path / "cli.h5")
    inst = tcmbp.Instance.load(inst_file)
    sol = tcmbp.solve(inst, weights="binary")
    v = tcmbp.volume(inst, sol.weights.astype(np.int8), weights="binary", steps=3, save=tmp_path / "py.h5")
    assert_same_numbers(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert_same_attrs(tmp_path / "py.h5", tmp_path / "cli.h5", skip={"source", "reference"})
    assert v.kind == "binary" and "overlap" in v.table.dtype.names


def test_bad_inputs():
    p = np.where(np.random.default_rng(0).random((10, 9)) < 0.5, 1, -1)
    o = np.ones(10)
    with pytest.raises(ValueError, match="odd"):
        tcmbp.Instance.from_arrays(p, o, K=2)
    with pytest.raises(ValueError, match="divisible"):
        tcmbp.Instance.from_arrays(p, o, K=5)
    with pytest.raises(ValueError, match="2-D"):
        tcmbp.Instance.from_arrays(p.ravel(), o, K=3)
    with pytest.raises(ValueError, match="10 entries for 9 patterns"):
        tcmbp.Instance.from_arrays(p[:9], o, K=3)
    q = p.astype(float)
    q[3, 4] = np.nan
    with pytest.raises(ValueError, match=r"non-finite entry at \(3, 4\)"):
        tcmbp.Instance.from_arrays(q, o, K=3)
    with pytest.raises(ValueError, match=r"outputs must be \+-1: entry \(2,\) is 0"):
        tcmbp.Instance.from_arrays(p, np.r_[1, 1, 0, np.ones(7)], K=3)
    qf = np.asfortranarray(p)
    qf[5, 7] = 3
    with pytest.raises(ValueError, match=r"patterns must be \+-1: entry \(5, 7\) is 3"):
        tcmbp.Instance.from_arrays(qf, o, K=3)
    with pytest.raises(ValueError, match=r"entry \(2, 7\) is 3"):  # every other row: a strided view
        tcmbp.Instance.from_arrays(np.ascontiguousarray(qf)[1::2], o[:5], K=3)
    with pytest.raises(ValueError, match="arch"):
        tcmbp.Instance.from_arrays(p, o, K=3, arch="ring")
    with pytest.raises(ValueError, match="alpha or M"):
        tcmbp.Instance.generate(N=9, alpha=1, M=3)
    inst = tcmbp.Instance.from_arrays(p, o, K=3)
    with pytest.raises(ValueError, match=r"damping must be in \[0, 1\)"):
        tcmbp.bp(inst, damping=1.0)
    with pytest.raises(ValueError, match="cavity is an option of continuous"):
        tcmbp.bp(inst, weights="binary", cavity="fast")
    with pytest.raises(ValueError, match="cavity must be one of exact, fast, ep"):
        tcmbp.bp(inst, cavity="slow")
    with pytest.raises(ValueError, match="exceeds the instance's 10 patterns"):
        tcmbp.bp(inst, patterns=11)
    with pytest.raises(ValueError, match="gamma_min: the focusing coupling of continuous weights is lambda"):
        tcmbp.solve(inst, gamma_min=1.0)
    with pytest.raises(ValueError, match=r"reference has shape \(2, 3\); the instance needs 3 x 3"):
        tcmbp.volume(inst, np.ones((2, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        tcmbp.eval(inst, np.full(9, np.nan))
    with pytest.raises(ValueError, match="Instance"):
        tcmbp.bp("inst.h5")


def test_runtime_errors(tmp_path):
    with pytest.raises(tcmbp.FileError, match="missing.h5"):
        tcmbp.Instance.load(tmp_path / "missing.h5")
    inst = tcmbp.Instance.generate(N=9, K=3, M=5)
    inst.save(tmp_path / "i.h5")
    with pytest.raises(tcmbp.ExistsError) as e:
        inst.save(tmp_path / "i.h5")
    assert isinstance(e.value, tcmbp.Error) and "\n" not in str(e.value)
    inst.save(tmp_path / "i.h5", force=True)
    seen = []
    with pytest.raises(tcmbp.ExistsError, match="i.h5"):  # refused before any sweep
        tcmbp.solve(inst, save=tmp_path / "i.h5", progress=seen.append)
    assert seen == []
    with pytest.raises(tcmbp.FileError, match="nothing to resume"):
        tcmbp.solve(inst, checkpoint=tmp_path / "ck.h5", resume=True)
    with pytest.raises(tcmbp.Error, match="nothere"):
        tcmbp.eval(inst, str(tmp_path / "nothere.npy"))


def test_progress_callback_and_stop():
    inst = tcmbp.Instance.generate(N=63, K=3, alpha=0.6, seed=5)
    seen = []
    r = tcmbp.bp(inst, progress=seen.append, tol=1e-12, max_sweeps=20)
    assert len(seen) >= 10 and seen[0]["command"] == "bp" and "change" in seen[0]
    r = tcmbp.bp(inst, progress=lambda d: d["sweep"] >= 3, tol=1e-12)
    assert r.status == "interrupted" and r.sweeps == 3

    def boom(d):
        raise RuntimeError("from the callback")
    with pytest.raises(RuntimeError, match="from the callback"):
        tcmbp.bp(inst, progress=boom)


@pytest.mark.parametrize("algo,extra", [("cesgd-fast", ["--max-epochs", 30]), ("elal", ["--y", 3, "--max-epochs", 20])])
def test_train_same_as_cli(tmp_path, cli, inst_file, algo, extra):
    js = cli("train", inst_file, "--algo", algo, "--seed", 4, "-o", tmp_path / "cli.h5", *extra)
    inst = tcmbp.Instance.load(inst_file)
    kw = {extra[i].lstrip("-").replace("-", "_"): extra[i + 1] for i in range(0, len(extra), 2)}
    t = tcmbp.train(inst, algo, save=tmp_path / "py.h5", seed=4, **kw)
    assert_same_numbers(tmp_path / "py.h5", tmp_path / "cli.h5")
    assert_same_attrs(tmp_path / "py.h5", tmp_path / "cli.h5")
    for k in ("status", "algo", "stop", "converged", "errors", "epochs", "loss", "seed"):
        assert getattr(t, k) == js[k], k
    with h5py.File(tmp_path / "cli.h5", "r") as f:
        assert t.weights.tobytes() == f["/weights"][()].tobytes()
        assert dict(f["/train"].attrs)["algorithm"] == algo
    with pytest.raises(ValueError, match="y applies only to algo elal"):
        tcmbp.train(inst, "lal", y=3)
    with pytest.raises(ValueError, match="algo must be"):
        tcmbp.train(inst, "adam")


def test_progress_tqdm(capsys):
    inst = tcmbp.Instance.generate(N=63, K=3, alpha=0.6, seed=5)
    r = tcmbp.bp(inst, progress="tqdm", tol=1e-12, max_sweeps=15)
    err = capsys.readouterr().err
    assert r.sweeps == 15 and "bp" in err and "sweep" in err, err
    with pytest.raises(ValueError, match="callable or"):
        tcmbp.bp(inst, progress="bar")
