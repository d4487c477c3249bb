"""The staged analysis pipeline (emgkit.analysis): stage order, table registry, notes per call, MVC conditioning, size limits."""

import ast
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

import emgkit
from emgkit.analysis import TABLES
from emgkit.analysis.tables import BUILDERS
from emgkit.datasets.simulate import simulate

PACKAGE = Path(emgkit.__file__).resolve().parent / "analysis"


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def same_tables(a, b):
    for name in TABLES:
        x, y = a.tables[name], b.tables[name]
        assert list(x.columns) == list(y.columns) and x.shape == y.shape, name
        for col in x.columns:
            u, v = x[col].to_numpy(), y[col].to_numpy()
            if x[col].dtype.kind == "f":
                assert ((np.isnan(u) & np.isnan(v)) | (u == v)).all(), (name, col)
            else:
                assert (u == v).all(), (name, col)


def test_every_table_has_one_builder():
    assert set(BUILDERS) | {"summary"} == set(TABLES)


def test_threads_keep_their_own_notes():
    """Four analyses at once in threads: each keeps exactly the notes and tables it has alone."""
    recs = [
        simulate(n_reps=4, fs=1000, seed=1),
        simulate(n_reps=4, fs=1000, seed=2, muscles=["rectus_abdominis", "erector_spinae"]),  # trunk note
        simulate(n_reps=4, fs=700, seed=3),  # band corner lowered below fs/2: its own note
        simulate(n_reps=4, fs=1000, seed=4, powerline_uv=40.0).crop(0, 0.9),  # too short for a noise floor
    ]
    configs = [None, {"filters": {"trunk_low_hz": 30.0}}, None, {"cycles": {"source": "none"}}]
    alone = [quiet(emgkit.analyze, r, config=c) for r, c in zip(recs, configs)]
    assert len({tuple(a.notes) for a in alone}) == 4  # the notes differ from recording to recording
    for _ in range(3):
        got = [None] * 4
        barrier = threading.Barrier(4)

        def work(k):
            barrier.wait()
            got[k] = emgkit.analyze(recs[k], config=configs[k])

        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        for a, b in zip(alone, got):
            assert a.notes == b.notes
            same_tables(a, b)


def test_mvc_trial_is_conditioned_like_the_task():
    """The task given as its own MVC (trunk high-pass on, no noise subtraction): reference = the task's own highest
    500 ms window mean of the envelope, built here from the public preprocessing functions."""
    rec = simulate(n_reps=4, fs=2000, muscles=["rectus_abdominis", "biceps_brachii"], seed=7)
    cfg = {"filters": {"trunk_low_hz": 30.0}, "normalization": {"subtract_noise": False, "mvc_window_ms": 500.0}}
    res = quiet(emgkit.analyze, rec, mvc=rec, config=cfg)
    x = emgkit.remove_dc(np.asarray(rec.data, dtype=np.float64))
    w = 1000
    for c, ch in enumerate(rec.channels):
        low = 30.0 if ch.muscle == "rectus_abdominis" else 20.0
        env = emgkit.linear_envelope(emgkit.bandpass(x[c], 2000.0, low=low, high=450.0), 2000.0)
        csum = np.concatenate([[0.0], np.cumsum(env)])
        expected = ((csum[w:] - csum[:-w]) / w).max()
        ratio = res.channels.loc[res.channels.channel == ch.name, "reference"].item() / expected
        assert ratio == pytest.approx(1.0, abs=1e-12), ch.name


def test_stage_modules_and_classes_stay_small():
    too_big = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > 500:
            too_big.append(f"{path.name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 300:
                too_big.append(f"{path.name}: class {node.name}")
    assert not too_big, too_big


def test_no_process_wide_warning_capture_in_the_pipeline():
    for path in PACKAGE.rglob("*.py"):
        assert "catch_warnings" not in path.read_text(encoding="utf-8"), path.name
