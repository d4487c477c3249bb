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
        details = []
        for r in rows[:5]:
            bad = ~np.isfinite(data[r])
            details.append(f"{names[r]!r} ({int(bad.sum())} samples, first at sample {int(np.argmax(bad))})")
        raise InvalidInputError(
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
    min_dropout = max(CLIP_MIN_RUN + 1, int(round(DROPOUT_MIN_S * fs)))
    clipped = np.zeros(data.shape, dtype=bool)
    exclude = np.zeros(data.shape, dtype=bool)
    for c in suspects:
        x = data[c]
        rails = {lo[c], hi[c]}
        if adc_range is not None:
            rails |= {float(adc_range[0]), float(adc_range[1])}
        clipped[c] = constant_runs(x, CLIP_MIN_RUN) & np.isin(x, list(rails))
        dropout = constant_runs(x, min_dropout) & ~clipped[c] if longest[c] >= min_dropout else np.zeros(n, dtype=bool)
        exclude[c] = clipped[c] | dropout
        frac = clipped[c].mean()
        if frac > 0:
            notes[c].append(f"clipped: {100 * frac:.2g} % of samples in runs of >= {CLIP_MIN_RUN} at the channel extremes")
        if dropout.any():
            notes[c].append(
                f"dropouts: {dropout.sum() / fs:.3g} s of constant signal (runs >= {min_dropout / fs * 1e3:.0f} ms) "
                "kept out of the baseline"
            )
    return flat, exclude, clipped, notes


def quantisation_step(x, adc=None):
    """Smallest amplitude step of a channel: the ADC scale if known, else the smallest gap between values."""
    if adc and adc.get("scale"):
        return abs(float(adc["scale"]))
    values = np.unique(x)
    if values.size < 2:
        return 0.0
    return float(np.diff(values).min())
