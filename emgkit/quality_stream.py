"""Former streaming twin of :mod:`emgkit.quality`, kept for its public names.

:func:`emgkit.quality.assess` walks any recording in pieces, and
:mod:`emgkit.clipping` holds the one definition of clipping; these
functions call them.
"""

from __future__ import annotations

from . import clipping
from ._chunks import runs_to_mask
from .quality import CHUNK, assess

__all__ = ["assess_stream", "clipped_runs", "clipped_runs_stream", "runs_to_mask"]


def assess_stream(source, channels, *, unit="V", meta=None, chunk=CHUNK):
    """``emgkit.quality.assess(source, channels, unit=unit, meta=meta, chunk=chunk)``."""
    return assess(source, channels, unit=unit, meta=meta, chunk=chunk)


def clipped_runs_stream(source, adc_range=None, *, min_run=clipping.MIN_RUN, chunk=CHUNK):
    """Clipped runs of a chunked source: ``emgkit.clipping.scan(source, adc_range, ...)[1]``.

    Parameters
    ----------
    source : emgkit._chunks.ArraySource or FileSource
        Raw samples, ``(n_channels, n_samples)``.
    adc_range : (lo, hi) or array of shape (n_channels, 2), optional
        Converter limits (:func:`emgkit.clipping.adc_limits` reads them from metadata).
    min_run : int >= 1, default 3
    chunk : int >= 1, default 262144
        Samples per read.

    Returns
    -------
    list of (starts, stops)
        Per channel, the runs of :func:`emgkit.clipping.clipped_runs` of all samples.
    """
    return clipping.scan(source, adc_range, min_run=min_run, chunk=chunk)[1]


def clipped_runs(mask):
    """Runs of True in every row of a boolean mask: :func:`emgkit.clipping.runs_of`."""
    return clipping.runs_of(mask)
