"""Onset detection on the real recordings in ../shared/data: physiological sanity, kept as regression tests.

Skipped when ../shared/data is absent.  Tolerances are deliberately loose:
they check where the bursts are, not the last millisecond.
"""

import warnings

import numpy as np
import pytest

from emgkit.activation import METHODS, detect_activation
from emgkit.errors import SignalQualityWarning

pytestmark = pytest.mark.shared_data


def overlaps(act, c, a, b):
    on, off = act.onsets[c], act.offsets[c]
    return bool(np.any((on < b) & (off > a)))


@pytest.fixture
def readers():
    from emgkit.datasets import readers

    return readers


@pytest.mark.parametrize("method", METHODS)
def test_biosppy_emg_1_clear_bursts(shared_data, readers, method):
    """BioSPPy's emg_1.txt: clear bursts near 1.5 s, 15.5-17 s and 25.5-27 s (SOURCE.md)."""
    rec = readers.read_opensignals(shared_data / "biosppy_single" / "emg_1.txt")
    act = detect_activation(rec, method=method)
    for a, b in [(1.4, 2.0), (15.4, 17.2), (25.5, 26.0), (26.25, 26.8)]:
        assert overlaps(act, 0, a, b), f"{method}: no burst in {a}-{b} s"
    if method in ("auto", "tkeo"):
        for a, b in [(2.5, 9.0), (27.5, 35.0), (46.0, 63.5)]:  # 0.25 s RMS at the rest level throughout
            assert not overlaps(act, 0, a, b), f"{method}: a burst in the rest period {a}-{b} s"


def test_biosppy_emg_1_onset_times(shared_data, readers):
    rec = readers.read_opensignals(shared_data / "biosppy_single" / "emg_1.txt")
    act = detect_activation(rec)
    on, off = act.onsets[0], act.offsets[0]
    assert 1.40 <= on[0] <= 1.52 and 1.80 <= off[0] <= 1.95
    main = np.flatnonzero(on > 15.0)[0]
    assert 15.40 <= on[main] <= 15.52 and 17.0 <= off[main] <= 17.4
    assert act.baseline[0].source == "auto" and 2.5 <= act.baseline[0].start_s <= 14.0


def test_biosppy_emg_faint_activity(shared_data, readers):
    """emg.txt has only faint activity (about 37-40 s and 50-58 s): detections must mostly fall there."""
    rec = readers.read_opensignals(shared_data / "biosppy_single" / "emg.txt")
    act = detect_activation(rec)
    on, off = act.onsets[0], act.offsets[0]
    assert 1 <= len(on) <= 20
    inside = sum(max(0.0, min(b, w1) - max(a, w0)) for a, b in zip(on, off) for w0, w1 in [(36, 41), (49, 59)])
    assert inside / np.sum(off - on) > 0.7


@pytest.mark.parametrize("name", ["1Nsen", "3Nsen"])
def test_uci_leg_extension_quadriceps(shared_data, readers, name):
    """Leg extension from sitting: the quadriceps (RF, VM) are on while the knee is extended, off while seated."""
    rec = readers.read_uci_lower_limb(shared_data / "uci_lower_limb" / f"{name}.txt")
    angle = readers.aux_signal(rec)
    act = detect_activation(rec)
    mask = act.mask()
    extended = np.abs(angle - np.median(angle[:500])) > 30.0
    for muscle in ("RF", "VM"):
        c = next(i for i, ch in enumerate(act.channels) if ch.name.upper().startswith(muscle) or
                 ch.muscle == {"RF": "rectus_femoris", "VM": "vastus_medialis"}[muscle])
        assert mask[c, extended].mean() > 0.8, f"{act.channel_names[c]} off during extension"
        assert not mask[c, :1000].any(), f"{act.channel_names[c]} on while seated at the start"


@pytest.mark.parametrize("name", ["1Nmar", "2Nmar", "3Nmar", "1Amar", "2Amar", "3Amar"])
def test_uci_gait_bursts_every_stride(shared_data, readers, name):
    """Gait: every leg muscle bursts repeatedly (strides of about 1 s), with rest between bursts."""
    rec = readers.read_uci_lower_limb(shared_data / "uci_lower_limb" / f"{name}.txt")
    act = detect_activation(rec)
    for c in range(rec.n_channels):
        assert act.reason[c] is None
        assert len(act.onsets[c]) >= 0.5 * rec.duration, f"{act.channel_names[c]}: too few bursts for gait"
        share = np.sum(act.offsets[c] - act.onsets[c]) / rec.duration
        assert 0.1 < share < 0.9


def test_uci_physical_action_clipping_is_reported(shared_data, readers):
    """Running saturates the thigh channels at +-4000 counts: a warning, notes, and no crash."""
    rec = readers.read_uci_physical_action(shared_data / "uci_physical_action" / "sub01" / "Normal" / "txt" / "Running.txt")
    with pytest.warns(SignalQualityWarning, match="clipped samples in .*'R-Thi' \\(7\\d %\\)"):
        act = detect_activation(rec)
    r_thi = act.channel_names.index("R-Thi")
    assert any(n.startswith("clipped") for n in act.notes[r_thi])
    for c in range(rec.n_channels):
        assert (len(act.onsets[c]) > 0) != (act.reason[c] is not None)
    assert len(act.onsets["R-Bic"]) > 5  # the arms swing: unclipped channels keep their bursts


def test_uci_physical_action_quiet_standing(shared_data, readers):
    rec = readers.read_uci_physical_action(shared_data / "uci_physical_action" / "sub01" / "Normal" / "txt" / "Standing.txt")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SignalQualityWarning)  # nothing clips while standing
        act = detect_activation(rec)
    quiet = [c for c in range(rec.n_channels) if act.reason[c] is not None]
    assert len(quiet) >= 6 and all(act.reason[c].startswith("no activity") for c in quiet)
