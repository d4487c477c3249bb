"""Activity gating: a comparison is made only where there is activity to compare.

A channel is **at its noise floor** when the onset detector found no burst
(and not activity throughout), or when its floor is noise-like (trusted) and
even its loud stretches stay within the noise: the 95th percentile of its 0.5 s window RMS (band-passed) is below
:data:`ACTIVE_RATIO` = 1.5 times its noise RMS (:class:`emgkit.noise_floor.NoiseFloor`
``loud_rms`` and ``noise_rms``; stationary noise alone gives 1.0-1.1, slowly
drifting noise up to about 1.3; at 1.5 the muscle's own RMS,
``sqrt(1.5**2 - 1)`` = 1.1 times the noise, is below 1 dB SNR).
Pairs whose two channels are both at their floor are "not compared: no
activity" (no SI, no CCI, no flag); a left/right difference of mean activity
smaller than the two sides' noise floors combined (``sqrt(f_L**2 + f_R**2)``,
envelope units) is within the noise and gets no flag (docs/imbalance.md#activity-gating).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Activity", "activity", "ACTIVE_RATIO", "NO_ACTIVITY"]

ACTIVE_RATIO = 1.5  # loud windows (95th percentile) below this many noise RMS: the channel is within its noise
NO_ACTIVITY = "not compared: no activity"


@dataclass(frozen=True)
class Activity:
    """Activity of every analysed channel against its noise floor.

    Attributes
    ----------
    at_floor : ndarray of bool, shape (n_channels,)
    loud_to_noise : ndarray, shape (n_channels,)
        95th-percentile window RMS over noise RMS (NaN when there is no floor).
    floor : ndarray, shape (n_channels,)
        Noise floor of the envelope, recording unit (NaN when none was found).
    why : list of str
        Per channel, a few words: ``"no bursts"``, ``"loud windows 1.3x the noise RMS"`` or ``""``.
    """

    at_floor: np.ndarray
    loud_to_noise: np.ndarray
    floor: np.ndarray
    why: list

    def label(self, c) -> str:
        """``"active"`` or ``"no activity (...)"`` for the channels table and report."""
        return f"no activity ({self.why[c]})" if self.at_floor[c] else "active"

    def pair_gate(self, names, i, j) -> str:
        """``"not compared: no activity (...)"`` when channels ``i`` and ``j`` are both at their floor, else ''."""
        if self.at_floor[i] and self.at_floor[j]:
            return f"{NO_ACTIVITY} ({names[i]}: {self.why[i]}; {names[j]}: {self.why[j]})"
        return ""

    def within_noise(self, i, j, left, right, scale_i, scale_j) -> str:
        """Reason a left/right difference of mean activity is within the noise ('' when it is not).

        ``left``/``right`` are mean amplitudes in amplitude units; ``scale_*``
        converts the envelope (recording unit) to them.
        """
        fi, fj = self.floor[i] * scale_i, self.floor[j] * scale_j
        if not (math.isfinite(fi) and math.isfinite(fj) and math.isfinite(left) and math.isfinite(right)):
            return ""
        noise = math.hypot(fi, fj)
        if noise > 0 and abs(right - left) <= noise:
            return (f"the difference of mean activity ({abs(right - left):.3g}) is within the noise floors of the two sides "
                    f"(combined {noise:.3g}): not measurable")
        return ""


def activity(s) -> Activity:
    """Activity of the analysed channels of stages ``s`` (detection and noise floors)."""
    det, nf = s.detection, s.norm.noise
    n = len(s.selection.names)
    if nf is None:
        loud = np.full(n, np.nan)
        floor = np.full(n, np.nan)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            loud = np.where(nf.noise_rms > 0, nf.loud_rms / nf.noise_rms, np.nan)
        floor = np.where(nf.floor > 0, nf.floor, np.nan)
    at, why = np.zeros(n, dtype=bool), [""] * n
    for c in range(n):
        if det.silent[c] or det.flat[c]:
            at[c], why[c] = True, "flat" if det.flat[c] else "no bursts: " + (det.activation.reason[c] or "none detected").split(":")[0]
        elif nf is not None and nf.trusted[c] and math.isfinite(loud[c]) and loud[c] < ACTIVE_RATIO:
            at[c], why[c] = True, f"loud windows {loud[c]:.1f}x the noise RMS, below {ACTIVE_RATIO:g}x"
    return Activity(at, loud, floor, why)
