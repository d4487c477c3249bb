"""Whether an automatic rest window was rest: the check for bursts missed on tonic activity.

In a rhythmic task without rest (clapping, waving: bursts riding on tonic
activity) the quietest window of the record holds activity, so its spread
lifts the threshold over most bursts: a detector then reports a few bursts
and no reason.  The check reads the block means of the detection statistic
the detector already has (no extra pass).  A *missed rise* is a stretch of
blocks above ``EXCURSION`` times the tonic level (a running 10th percentile
of the block means over ``TONIC_SPAN_S``), in amplitude, that no detected
burst covers.  When there are at least ``MIN_MISSED`` missed rises and at
least twice as many as the bursts found (two thirds of the rhythm missed),
the bursts are withheld with a ``"no rest: ..."`` reason that points to
``method="tonic"`` (docs/activation.md, bursts on tonic activity).

Two thirds, not less: gait and jumping records with real rest show smaller
secondary rises the detector rightly leaves out (up to about as many as the
bursts found in the shared UCI recordings).  At least 8: weak bursts on a
quiet background are a few rises, not a rhythm (a simulated antagonist
co-contracting at 15 % of its level in 5 repetitions left 5 rises, and a
lower-limb channel with 2 bursts 6).
"""

from __future__ import annotations

import numpy as np

EXCURSION = 2.0  # amplitude over the tonic level that counts as a burst-like excursion
TONIC_SPAN_S = 2.0  # span of the running low percentile giving the tonic level, s
MIN_MISSED = 8  # fewer missed rises than this are a few weak bursts, not a rhythm: bursts are kept


def tonic_levels(blocks, block, fs):
    """The tonic level of every block: a running 10th percentile of the block means over ``TONIC_SPAN_S``.

    ``blocks``: block means, shape (n_channels, n_blocks), ``block`` samples
    each at ``fs`` Hz (NaN where excluded).  Returns an array of that shape.
    """
    from ._methods import tracked_level

    return tracked_level(blocks, max(1, int(round(TONIC_SPAN_S * fs / block))))


def missed_rhythm(blocks, block, fs, window, starts, stops, rate, power, level=None):
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
    level : ndarray, shape (n_blocks,), optional
        The channel's row of :func:`tonic_levels`, when the caller has it.

    Returns
    -------
    str or None
    """
    if level is None:
        level = tonic_levels(blocks[None, :], block, fs)[0]
    above = np.r_[False, blocks > EXCURSION**power * level, False]
    first = np.flatnonzero(~above[:-1] & above[1:])  # block index of each rise's start
    covered = np.zeros(blocks.size + 1, np.int64)
    np.add.at(covered, np.minimum(starts * rate // block, blocks.size), 1)
    np.add.at(covered, np.minimum(-(-stops * rate // block), blocks.size), -1)
    missed = int(np.sum(np.cumsum(covered)[:-1][first] == 0))
    if missed < max(MIN_MISSED, 2 * starts.size):
        return None
    return (f"no rest: the quietest window ({window[0] / fs:.2f}-{window[1] / fs:.2f} s) was not rest: {missed} rises "
            f"above {EXCURSION:g}x the tonic level lie outside the {starts.size} bursts found, so the threshold sat "
            "above most bursts; for rhythmic bursts on tonic activity use method='tonic', or pass "
            "baseline=(start_s, stop_s) of a known rest period")
