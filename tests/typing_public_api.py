"""What a user's type checker sees of emgkit's public API: checked by mypy (``.ci/run``), never run.

``emgkit`` ships ``py.typed``; these lines fail the type check when a public
signature loses its hints or the names stop reaching type checkers through the
lazy ``emgkit/__init__.py``.  Not collected by pytest (no ``test_`` prefix).
"""

from pathlib import Path
from typing import assert_type

import numpy as np

import emgkit
from emgkit._reader import RecordingFile
from emgkit._versions import versions
from emgkit.pairs import Pairing


def signals(rec: emgkit.Recording, arr: np.ndarray) -> None:
    # the signal functions give back the kind they are given
    assert_type(emgkit.remove_dc(rec), emgkit.Recording)
    assert_type(emgkit.bandpass(rec), emgkit.Recording)
    assert_type(emgkit.bandpass(arr, fs=2000.0, low=20.0, high=450.0), np.ndarray)
    assert_type(emgkit.notch(arr, 2000.0), np.ndarray)
    assert_type(emgkit.rectify(rec), emgkit.Recording)
    assert_type(emgkit.normalize(rec, "peak"), emgkit.Recording)
    assert_type(emgkit.rms_envelope(rec, window_ms=100.0), emgkit.Recording)
    assert_type(emgkit.linear_envelope(arr, 2000.0), np.ndarray)
    assert_type(rec.select(["L biceps"]).crop(1.0, 2.0), emgkit.Recording)


def indices() -> None:
    assert_type(emgkit.symmetry_index(100.0, 120.0), float)
    assert_type(emgkit.symmetry_angle(1.0, 2.0), float)
    assert_type(emgkit.limb_symmetry_index(85.0, 100.0), float)
    assert_type(emgkit.symmetry_index([1.0, 2.0], [2.0, 3.0]), float | np.ndarray)
    assert_type(emgkit.cocontraction_index(np.ones(4), np.ones(4)), float | np.ndarray)


def files(path: Path, rec: emgkit.Recording) -> None:
    assert_type(emgkit.read(path, channels=["L biceps"], start=0.0, stop=1.0), emgkit.Recording)
    assert_type(emgkit.open("trial.h5"), RecordingFile)
    assert_type(emgkit.write(rec, path, overwrite=True), Path)
    assert_type(emgkit.relabel(rec, {"CH1": "L quadriceps"}), emgkit.Recording)
    assert_type(emgkit.relabel(emgkit.open(path), "channels.toml"), RecordingFile)
    assert_type(emgkit.load_config(None), emgkit.Config)
    assert_type(emgkit.find_pairs(rec, exclude=["Trig"]), Pairing)
    assert_type(emgkit.parse_channel_name("L biceps"), tuple[str | None, str | None])
    assert_type(versions(), dict[str, str])
    assert_type(emgkit.show_versions(as_json=True), None)
