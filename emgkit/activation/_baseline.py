"""Rest baselines: the user's interval or the quietest window, and their statistics.

The baseline is the user's rest interval, else the
quietest 0.5 s of the detection statistic (reported which).  A zero spread
(digital silence) is floored at the quantisation step with a note; no usable
window at all is reported as "no rest".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from emgkit.errors import InvalidInputError

MIN_USER_BASELINE_S = 0.1
EDGE_S = 0.15  # band-pass transient at each end (about 3 / 20 Hz) kept out of automatic baselines
BLOCKS_PER_BASELINE = 10  # the automatic rest window is searched in steps of baseline_s / 10
SILENCE = 1e-9  # a baseline spread below this fraction of the channel's peak statistic is digital silence
NO_REST_FRACTION = 0.9  # bursts covering more of the record than this (auto baseline): no rest
MAD_TO_SD = 1.4826  # 1 / Phi^-1(3/4): MAD of a Gaussian times this is its SD


def parse_user_baseline(baseline, names, duration):
    """Per-channel ``(start_s, stop_s)`` or None from the ``baseline`` argument.

    ``baseline`` is None, one ``(start_s, stop_s)`` pair for every channel, or
    a mapping ``{channel name: (start_s, stop_s)}`` (channels not named get
    an automatic baseline).
    """
    if baseline is None:
        return [None] * len(names)
    if isinstance(baseline, Mapping):
        unknown = [k for k in baseline if k not in names]
        if unknown:
            raise InvalidInputError(f"baseline names unknown channel(s) {unknown}; channels are {names}")
        return [_one_interval(baseline[n], duration, n) if n in baseline else None for n in names]
    interval = _one_interval(baseline, duration, None)
    return [interval] * len(names)


def _one_interval(value, duration, name):
    where = f" for channel {name!r}" if name else ""
    try:
        start, stop = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"baseline{where} must be a rest interval (start_s, stop_s) in seconds, got {value!r}"
        ) from None
    if not (math.isfinite(start) and math.isfinite(stop)) or start >= stop:
        raise InvalidInputError(f"baseline{where} must satisfy start_s < stop_s (finite seconds), got ({start}, {stop})")
    if start < 0 or stop > duration + 1e-9:
        raise InvalidInputError(
            f"baseline{where} ({start:g}, {stop:g}) s lies outside the record (0 to {duration:.3f} s); "
            "give a rest interval inside the record, or omit baseline to find the quietest window automatically"
        )
    if stop - start < MIN_USER_BASELINE_S:
        raise InvalidInputError(
            f"baseline{where} ({start:g}, {stop:g}) s lasts {1e3 * (stop - start):.0f} ms; a rest interval needs "
            f"at least {1e3 * MIN_USER_BASELINE_S:.0f} ms to estimate the noise level"
        )
    return start, stop


def block_means(stat, block_len, exclude=None):
    """Means of consecutive blocks of ``block_len`` samples, float64, NaN for blocks touching ``exclude``.

    A partial block at the end is dropped.  Shape ``(n_channels, n // block_len)``.
    """
    n_ch, n = stat.shape
    k = n // block_len
    means = stat[:, : k * block_len].reshape(n_ch, k, block_len).mean(axis=2, dtype=np.float64)
    if exclude is not None:
        means[exclude[:, : k * block_len].reshape(n_ch, k, block_len).any(axis=2)] = np.nan
    return means


def quietest_windows(blocks, width, first, last):
    """Index of the first block of the quietest run of ``width`` blocks, per channel.

    Only runs starting at block ``first`` or later and ending at block
    ``last`` (exclusive) or earlier count; runs containing a NaN block are
    skipped.  Returns int64, -1 where no run qualifies.
    """
    n_ch, k = blocks.shape
    starts = np.full(n_ch, -1, dtype=np.int64)
    last = min(last, k)
    if last - first < width:
        return starts
    bad = np.isnan(blocks)
    csum = np.zeros((n_ch, k + 1))
    nbad = np.zeros((n_ch, k + 1))
    np.cumsum(np.where(bad, 0.0, blocks), axis=1, out=csum[:, 1:])
    np.cumsum(bad, axis=1, out=nbad[:, 1:])
    sums = csum[:, first + width : last + 1] - csum[:, first : last - width + 1]
    clean = (nbad[:, first + width : last + 1] - nbad[:, first : last - width + 1]) == 0
    for c in range(n_ch):
        if clean[c].any():
            starts[c] = first + int(np.argmin(np.where(clean[c], sums[c], np.inf)))
    return starts


def baseline_windows(ref, fs, baseline_s, user, exclude, edge_s):
    """Per channel ``(a, b, source)`` in samples, or None; plus the block means used to find them."""
    block = block_length(baseline_s, fs)
    blocks = block_means(ref, block, exclude)
    return pick_windows(blocks, block, ref.shape[1], fs, user, edge_s), blocks, block


def block_length(baseline_s, fs):
    """Samples per block of the rest-window search (``baseline_s / BLOCKS_PER_BASELINE``)."""
    return max(1, int(round(baseline_s * fs / BLOCKS_PER_BASELINE)))


def pick_windows(blocks, block, n, fs, user, edge_s):
    """Per channel ``(a, b, source)`` in samples, or None: the user's interval, else the quietest run of blocks.

    ``blocks`` are the block means of the reference statistic (NaN where
    excluded) of a record of ``n`` samples.
    """
    auto = None
    if any(u is None for u in user):
        edge = int(np.ceil(edge_s * fs / block))
        auto = quietest_windows(blocks, BLOCKS_PER_BASELINE, edge, blocks.shape[1] - edge)
    windows = []
    for c, interval in enumerate(user):
        if interval is not None:
            a = int(round(interval[0] * fs))
            windows.append((a, max(a + 2, min(n, int(round(interval[1] * fs)))), "user"))
        elif auto[c] >= 0:
            a = int(auto[c]) * block
            windows.append((a, a + BLOCKS_PER_BASELINE * block, "auto"))
        else:
            windows.append(None)
    return windows


def location_spread(segment, robust):
    """(mean, SD) or (median, 1.4826 MAD) of a 1-D segment, in float64."""
    seg = np.asarray(segment, dtype=np.float64)
    if robust:
        med = float(np.median(seg))
        return med, MAD_TO_SD * float(np.median(np.abs(seg - med)))
    return float(seg.mean()), float(seg.std())


def judge(res, starts, stops, n, auto):
    """Store bursts in ``res``, or a reason when there are none or they leave no rest."""
    covered = float(np.sum(stops - starts)) / n
    if auto and covered > NO_REST_FRACTION:
        res["reason"] = (f"no rest: activity covers {100 * covered:.0f} % of the record, so the automatic baseline "
                         "was not rest; pass baseline=(start_s, stop_s) of a known rest period")
        return
    if starts.size == 0:
        res["reason"] = ("no activity: nothing exceeded the threshold (if the muscle was active throughout, "
                         "there was no rest to compare with: pass baseline=(start_s, stop_s))")
        return
    res["starts"], res["stops"] = starts, stops


def empty_results(n_channels):
    """One result dict per channel: no bursts yet, thresholds unknown."""
    return [dict(starts=np.empty(0, np.int64), stops=np.empty(0, np.int64), baseline=None, reason=None,
                 threshold=np.nan, threshold_low=np.nan) for _ in range(n_channels)]


def unusable_reason(flat, window, baseline_s):
    """Why a channel cannot be thresholded (flat, or no rest window), or None when it can."""
    if flat:
        return "flat: the channel is constant (disconnected or not recorded)"
    if window is None:
        return (f"no rest: no {baseline_s:g} s window free of clipping and dropouts; "
                "pass baseline=(start_s, stop_s)")
    return None
