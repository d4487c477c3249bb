""":func:`detect_activation_stream`: the detector on a record read chunk by chunk, never whole."""

from __future__ import annotations

from ._detect import check_source, conditioned_plan, detect_source
from ._walk import run

__all__ = ["detect_activation_stream"]


def detect_activation_stream(source, channels, *, unit="V", meta=None, method="auto", baseline=None, chunk=60000,
                             conditioned=False, notes=None, **options):
    """:func:`emgkit.detect_activation` on a source read chunk by chunk, never whole.

    Gives the Activation ``detect_activation(Recording(source.read(0, n),
    source.fs, channels, unit=unit, meta=meta), method=method,
    baseline=baseline, conditioned=conditioned, **options)`` would (to about
    1e-12 relative in thresholds and amplitudes, the same burst samples), for
    records that do not fit in memory: it is
    :func:`emgkit.activation.detect_source` with pieces of ``chunk`` samples.

    Parameters
    ----------
    source : ArraySource or FileSource (:mod:`emgkit._chunks`)
        Raw EMG (or an envelope, with ``conditioned=True``): ``fs`` (Hz),
        ``n_channels``, ``n_samples`` and ``read(a, b, rows=None)``.
    channels : sequence of Channel or str
        One per source row (names unique).
    unit : str, default "V"
        Unit of the samples (of the burst amplitudes).
    meta : dict, optional
        As :class:`emgkit.Recording`; ``"adc_range"`` and ``"adc"`` are used.
    method : {"auto", "tkeo", "hodges", "bonato", "tonic"}, default "auto"
        As :func:`emgkit.detect_activation`.
    baseline : (start_s, stop_s) or dict, optional
        As :func:`emgkit.detect_activation`.
    chunk : int >= 1, default 60000
        Samples per piece (rounded down to whole rest-search blocks of
        ``baseline_s / 10``); each read adds filter margins on both sides
        (about 1.7 s at a 20 Hz high-pass).
    conditioned : bool, default False
        As :func:`emgkit.detect_activation`: ``source`` holds an envelope.
    notes : emgkit._notes.Notes, optional
        Where caveats go; None: they are warned at the caller's line.
    **options
        As :func:`emgkit.detect_activation`.

    Returns
    -------
    Activation

    Raises
    ------
    InvalidInputError
        As :func:`emgkit.detect_activation`; also for a bad ``chunk`` or a
        channel list that does not match the source.

    Examples
    --------
    >>> from emgkit._chunks import ArraySource
    >>> from emgkit.datasets.simulate import simulate
    >>> rec = simulate(n_reps=3, muscles=["biceps_brachii"], sides=["L"], ramp_s=0.0, seed=1)
    >>> act = detect_activation_stream(ArraySource(rec.data, rec.fs), rec.channels, chunk=5000)
    >>> act.onsets["L biceps_brachii"].round(1), act.offsets["L biceps_brachii"].round(1)
    (array([ 2.,  6., 10.]), array([ 4.,  8., 12.]))
    """
    if not conditioned:
        return detect_source(source, channels, unit=unit, meta=meta, method=method, baseline=baseline, chunk=chunk,
                             notes=notes, **options)
    channels, meta = check_source(source, channels, unit, meta)
    return run(source, channels, unit, meta, conditioned_plan(method, options, unit), baseline, chunk, notes)
