"""Screening of raw channels before detection: non-finite samples, flat channels, dropouts, clipping."""

from __future__ import annotations

import numpy as np

from emgkit.errors import InvalidInputError

CLIP_MIN_RUN = 3  # SCIENCE.md section 0: >= 3 samples at the extreme or converter range
DROPOUT_MIN_S = 0.05  # constant runs this long are dropouts / digital silence, never a rest baseline


def check_finite(data, names, nonfinite=None):
    """Raise InvalidInputError naming the channel and first bad sample of any NaN/inf.

    ``nonfinite`` (per-channel counts, e.g. from :func:`screen`) skips the scan.
    """
    if nonfinite is None:
        with np.errstate(all="ignore"):
            sums = np.add.reduce(data, axis=1, dtype=np.float64)  # NaN/inf anywhere make the sum non-finite
        rows = [r for r in np.flatnonzero(~np.isfinite(sums)) if not np.isfinite(data[r]).all()]
    else:
        rows = np.flatnonzero(np.asarray(nonfinite) > 0).tolist()
    if rows:
        bad = [~np.isfinite(data[r]) for r in rows[:5]]
        raise nonfinite_error(names, rows, [int(b.sum()) for b in bad], [int(np.argmax(b)) for b in bad])


def nonfinite_error(names, rows, counts, firsts):
    """The error for NaN/inf samples: channel ``names[rows[i]]`` has ``counts[i]``, the first at ``firsts[i]``."""
    details = [f"{names[r]!r} ({k} samples, first at sample {f})" for r, k, f in zip(rows[:5], counts, firsts)]
    return InvalidInputError(
        f"non-finite samples (NaN/inf) in channel(s) {', '.join(details)}; onset detection needs a gap-free "
        "signal: build the Recording with nonfinite='interpolate' (gaps <= 10 ms) or crop the gap out"
    )


def screen(data, fs, names, adc_range=None):
    """Per-channel screening of a raw ``(n_channels, n_samples)`` array, in one pass.

    Raises
    ------
    InvalidInputError
        NaN/inf samples, naming the channel and the first bad sample.

    Returns
    -------
    flat : ndarray of bool, shape (n_channels,)
        The channel is constant.
    exclude : ndarray of bool, shape of ``data``, or None
        Samples never used as rest (dropouts and clipped runs); None when
        there are none.
    clipped : ndarray of bool, shape of ``data``, or None
        Samples in clipped runs: >= 3 identical samples at the channel's
        extreme or at the converter limits ``adc_range``.  None when none.
    notes : list of list of str
    """
    from emgkit.kernels import constant_runs, row_extremes

    n_ch, n = data.shape
    lo, hi, longest, nonfinite = row_extremes(data)
    check_finite(data, names, nonfinite)
    flat = lo == hi
    notes = [[] for _ in range(n_ch)]
    suspects = np.flatnonzero((longest >= CLIP_MIN_RUN) & ~flat)
    if suspects.size == 0:
        return flat, None, None, notes
    min_dropout = dropout_samples(fs)
    clipped = np.zeros(data.shape, dtype=bool)
    exclude = np.zeros(data.shape, dtype=bool)
    for c in suspects:
        x = data[c]
        clipped[c] = constant_runs(x, CLIP_MIN_RUN) & np.isin(x, list(rails(lo[c], hi[c], adc_range)))
        dropout = constant_runs(x, min_dropout) & ~clipped[c] if longest[c] >= min_dropout else np.zeros(n, dtype=bool)
        exclude[c] = clipped[c] | dropout
        notes[c] = screen_notes(int(clipped[c].sum()), int(dropout.sum()), n, fs)
    return flat, exclude, clipped, notes


def dropout_samples(fs):
    """Shortest constant run counted as a dropout, in samples."""
    return max(CLIP_MIN_RUN + 1, int(round(DROPOUT_MIN_S * fs)))


def rails(lo, hi, adc_range=None):
    """Values at which a run of >= ``CLIP_MIN_RUN`` identical samples is clipping: the extremes and converter limits."""
    out = {lo, hi}
    if adc_range is not None:
        out |= {float(adc_range[0]), float(adc_range[1])}
    return out


def screen_notes(n_clipped, n_dropout, n, fs):
    """Notes of one channel with ``n_clipped`` clipped and ``n_dropout`` dropout samples out of ``n``."""
    notes = []
    frac = n_clipped / n
    if frac > 0:
        notes.append(f"clipped: {100 * frac:.2g} % of samples in runs of >= {CLIP_MIN_RUN} at the channel extremes")
    if n_dropout:
        notes.append(
            f"dropouts: {n_dropout / fs:.3g} s of constant signal (runs >= {dropout_samples(fs) / fs * 1e3:.0f} ms) "
            "kept out of the baseline"
        )
    return notes


def quantisation_step(x, adc=None):
    """Smallest amplitude step of a channel: the ADC scale if known, else the smallest gap between values."""
    if adc and adc.get("scale"):
        return abs(float(adc["scale"]))
    values = np.unique(x)
    if values.size < 2:
        return 0.0
    return float(np.diff(values).min())
