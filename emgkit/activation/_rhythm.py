"""Whether an automatic rest window was rest: the check for bursts missed on tonic activity.

In a rhythmic task without rest (clapping, waving: bursts riding on tonic
activity) the quietest window of the record holds activity, so its spread
lifts the threshold over most bursts: a detector then reports a few bursts
and no reason.  The check reads the block means of the detection statistic
the detector already has (no extra pass).  A *missed rise* is a stretch of
blocks above ``EXCURSION`` times the tonic level (a running 10th percentile
of the block means over ``TONIC_SPAN_S``), in amplitude, that no detected
burst covers.  The bursts are withheld, with a ``"no rest: ..."`` reason
that points to ``method="tonic"`` (docs/activation.md, bursts on tonic
activity), when there are at least ``MIN_MISSED`` missed rises and either

* at least twice as many as the bursts found (two thirds of the rhythm
  missed), or
* at least half as many, and the rest window is not stationary: its
  loudest block is at least ``UNSTEADY`` times its quietest in amplitude
  (white noise, hum, ECG and a drifting floor stay within about 1.7x in the
  validation scenes).

A missed burst on a quiet background (a low SNR, a rising noise floor)
leaves the rest window steady and is not taken for tonic activity.
"""

from __future__ import annotations

import numpy as np

UNSTEADY = 1.7  # loudest / quietest block of the rest window, in amplitude, above which it holds activity
EXCURSION = 2.0  # amplitude over the tonic level that counts as a burst-like excursion
TONIC_SPAN_S = 2.0  # span of the running low percentile giving the tonic level, s
MIN_MISSED = 5  # fewer uncovered excursions than this never withhold bursts


def missed_rhythm(blocks, block, fs, window, starts, stops, rate, power):
    """The ``"no rest: ..."`` reason when rises of the rhythm were missed (see the module), else None.

    Parameters
    ----------
    blocks : ndarray, shape (n_blocks,)
        Block means of the channel's detection statistic (NaN where excluded).
    block : int
        Samples per block.
    fs : float
        Sampling rate, Hz.
    window : (a, b, source)
        The automatic rest window in samples.
    starts, stops : ndarray of int64
        Detected bursts, in units of ``rate`` samples.
    rate : int
        Samples per unit of ``starts`` and ``stops``.
    power : int
        Power of the amplitude the statistic scales with (2 for TKEO and
        ``y^2``, 1 for rectified signals).

    Returns
    -------
    str or None
    """
    from ._methods import tracked_level

    a, b = window[0] // block, max(window[0] // block + 1, window[1] // block)
    rest = blocks[a:b]
    rest = rest[np.isfinite(rest)]
    level = tracked_level(blocks[None, :], max(1, int(round(TONIC_SPAN_S * fs / block))))[0]
    above = np.r_[False, blocks > EXCURSION**power * level, False]
    first = np.flatnonzero(~above[:-1] & above[1:])  # block index of each rise's start
    covered = np.zeros(blocks.size + 1, np.int64)
    np.add.at(covered, np.minimum(starts * rate // block, blocks.size), 1)
    np.add.at(covered, np.minimum(-(-stops * rate // block), blocks.size), -1)
    missed = int(np.sum(np.cumsum(covered)[:-1][first] == 0))
    ratio = (rest.max() / rest.min()) ** (1 / power) if rest.size >= 2 and rest.min() > 0 else 1.0
    if missed < MIN_MISSED or (missed < 2 * starts.size and not (ratio >= UNSTEADY and 2 * missed >= starts.size)):
        return None
    unsteady = f" holds activity (its {1e3 * block / fs:.0f} ms levels differ {ratio:.1f}x)" if ratio >= UNSTEADY else ""
    return (f"no rest: the quietest window ({window[0] / fs:.2f}-{window[1] / fs:.2f} s){unsteady or ' was not rest'}: "
            f"{missed} rises above {EXCURSION:g}x the tonic level lie outside the {starts.size} bursts found, so the "
            "threshold sat above most bursts; for rhythmic bursts on tonic activity use method='tonic', or pass "
            "baseline=(start_s, stop_s) of a known rest period")
