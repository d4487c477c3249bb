"""Bursts on tonic activity in real recordings: expectations written down before the detectors were run on them.

Issue #13, "onsets on tonic activity".  The expected bursts were counted by
hand, before the ``tonic`` method or the rhythmic no-rest check ran on these
files: the channel band-passed (20-450 Hz, Butterworth order 4, zero phase),
rectified and low-passed at 5 Hz and at 10 Hz (order 2, zero phase), plotted
in two 5 s rows with a 0.1 s grid, and every envelope peak that rises from a
trough to at least about twice the trough's level counted (its time read to
about 0.03 s).  Peaks below that (shoulders, faint bumps) are listed apart and
widen the allowed count.  The sampling rate is 1 kHz (SOURCE.md).

Expectations (reason in each test's docstring); docs/validation_real.md holds the
table and the measured outcome.  Two were not met when first run (T2, T4): they are
kept as strict xfails with the measured outcome, so they alert when the detector
changes.  Skipped when ../shared/data is absent.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from conftest import SHARED_DATA

pytestmark = pytest.mark.shared_data

EDGE_S = 0.2  # peaks this close to either end are not required (filter edges)
WIDEN_S = 0.05  # a hand-counted peak counts as found when it lies within this of a detected burst

# hand-counted envelope peaks, s (see the module docstring)
PEAKS = {
    ("sub01", "Clapping", "R-Bic"): [0.28, 0.63, 0.98, 1.30, 1.65, 2.00, 2.32, 2.65, 2.97, 3.30, 3.65, 4.02, 4.35,
                                     4.75, 5.10, 5.45, 5.78, 6.15, 6.48, 6.85, 7.20, 7.55, 7.92, 8.27, 8.60, 9.02,
                                     9.38, 9.80],
    ("sub02", "Clapping", "R-Bic"): [0.12, 0.47, 0.80, 1.17, 1.53, 1.90, 2.20, 2.55, 2.92, 3.28, 3.65, 4.00, 4.35,
                                     5.05, 5.40, 5.75, 6.08, 6.45, 6.78, 7.85, 8.20, 8.55, 8.88, 9.22, 9.57, 9.93],
    ("sub01", "Running", "R-Bic"): [0.05, 0.42, 0.72, 1.08, 1.42, 1.76, 2.12, 2.47, 2.80, 3.13, 3.48, 3.82, 4.18,
                                    4.52, 4.90, 5.25, 5.60, 5.93, 6.30, 6.65, 7.05, 7.32, 7.70, 8.02, 8.38, 8.73,
                                    9.10, 9.45, 9.85],
    ("sub01", "Running", "L-Bic"): [0.05, 0.43, 0.65, 1.08, 1.40, 1.78, 2.12, 2.47, 2.78, 3.15, 3.47, 3.85, 4.17,
                                    4.52, 4.90, 5.20, 5.55, 5.92, 6.25, 6.65, 6.98, 7.33, 7.72, 8.03, 8.40, 8.73,
                                    9.10, 9.40, 9.80],
}
FAINT = {  # bumps below the counting rule: a detector may or may not report them
    ("sub01", "Clapping", "R-Bic"): [0.05, 6.70],
    ("sub02", "Clapping", "R-Bic"): [4.75, 7.10, 7.50],
    ("sub01", "Running", "R-Bic"): [0.90, 6.50],
    ("sub01", "Running", "L-Bic"): [],
}


@cache
def _activation(sub, action, method):
    from emgkit import detect_activation
    from emgkit.datasets.readers import read_uci_physical_action

    path = SHARED_DATA / "uci_physical_action" / sub / "Normal" / "txt" / f"{action}.txt"
    if not path.is_file():
        pytest.skip(f"real recordings not available: {path} is missing (clone beside ../shared)")
    return detect_activation(read_uci_physical_action(path), method=method)


def _found(act, channel, times):
    """Share of ``times`` (away from the edges) inside a burst of ``channel`` widened by WIDEN_S."""
    on, off = act.onsets[channel], act.offsets[channel]
    keep = [t for t in times if EDGE_S <= t <= act.duration - EDGE_S]
    hits = [bool(np.any((on - WIDEN_S <= t) & (t < off + WIDEN_S))) for t in keep]
    return float(np.mean(hits)) if hits else 0.0


@pytest.mark.parametrize("key", sorted(PEAKS))
def test_tonic_method_finds_the_hand_counted_bursts(key):
    """T1: method="tonic" finds every clear burst: count within -3/+3 of the hand count (+ the faint bumps), >= 90 % of
    the counted peaks inside a burst, and no reason.  Reason: these bursts are plain to the eye (trough to peak >= 2x)."""
    sub, action, channel = key
    act = _activation(sub, action, "tonic")
    n, faint = len(PEAKS[key]), len(FAINT[key])
    assert act.reason[channel] is None
    assert n - 3 <= len(act.onsets[channel]) <= n + faint + 3
    assert _found(act, channel, PEAKS[key]) >= 0.9


@pytest.mark.xfail(strict=True, reason="measured: 16 bursts, holding 43 % (not >= 50 %) of the right biceps' counted "
                   "peaks: the left biceps' rises on its 200-300 count tonic level are about 2x, and double peaks "
                   "split or merge them")
def test_tonic_clapping_left_biceps_follows_the_claps():
    """T2: sub01 Clapping L-Bic (tonic 200-300 counts, modulated about 2x, double peaks: no confident hand count):
    either a reason, or 15-40 bursts holding at least half of the right biceps' counted peaks (both hands meet at
    each clap, so both biceps burst together)."""
    act = _activation("sub01", "Clapping", "tonic")
    if act.reason["L-Bic"] is not None:
        return
    assert 15 <= len(act.onsets["L-Bic"]) <= 40
    assert _found(act, "L-Bic", PEAKS[("sub01", "Clapping", "R-Bic")]) >= 0.5


def test_tonic_waving_right_biceps():
    """T3: sub01 Waving R-Bic: broad waves of about 0.5-0.7 s on a tonic level of 50-100 counts (noise 12-15):
    roughly 16-18 by eye, ambiguous; 10-24 bursts, or a reason."""
    act = _activation("sub01", "Waving", "tonic")
    assert act.reason["R-Bic"] is not None or 10 <= len(act.onsets["R-Bic"]) <= 24


@pytest.mark.xfail(strict=True, reason="measured: 5 of 8 channels with <= 2 bursts (R-Bic, R-Tri, R-Ham 0, L-Tri 2, "
                   "L-Thi 1; L-Bic 6, R-Thi 3, L-Ham 14): on a channel at the noise floor the tonic level is the noise, "
                   "and its rare swells pass (centre + 3.5 spread); the default detector reports 'no activity' there")
def test_tonic_quiet_standing():
    """T4: sub01 Standing (six of eight channels at the electrode noise floor, SOURCE.md / docs/noise_floor.md):
    method="tonic" tracks the noise as the tonic level; at least 6 channels get at most 2 bursts."""
    act = _activation("sub01", "Standing", "tonic")
    assert sum(len(act.onsets[c]) <= 2 for c in range(act.n_channels)) >= 6


def test_auto_untrusted_on_clapping_left_biceps():
    """A1: the default detector on sub01 Clapping L-Bic (its quietest window is tonic activity; before this change it
    reported 10 of about 28 bursts with no reason): the reason starts with "no rest"."""
    act = _activation("sub01", "Clapping", "auto")
    assert act.reason["L-Bic"] is not None and act.reason["L-Bic"].startswith("no rest")


@pytest.mark.parametrize("key", sorted(PEAKS))
def test_auto_keeps_bursts_it_finds(key):
    """A2: the rhythmic no-rest check does not withhold bursts where the default detector has real rest between
    them (troughs near the noise floor): no reason, >= 80 % of the counted peaks inside a burst."""
    sub, action, channel = key
    act = _activation(sub, action, "auto")
    assert act.reason[channel] is None
    assert _found(act, channel, PEAKS[key]) >= 0.8
