"""Per-channel signal quality: clipping, flat channels, powerline share, baseline noise.

:func:`assess` gives one row per channel (``Recording.quality()`` and
``emgkit info`` show it) of anything that holds a recording: a
:class:`~emgkit.Recording`, an open file (:func:`emgkit.open`) or a chunked
source.  It walks the samples in pieces, twice:

1. per-channel statistics (:class:`emgkit.clipping.StatsScan`: extremes,
   mean, SD, quantisation step);
2. each piece, read with a margin: the clipped runs
   (:class:`emgkit.clipping.ClipScan`, the one definition of clipping), the
   Welch frames of the powerline share (2 s frames on one global grid,
   assembled across pieces), and the baseline noise (emgkit's zero-phase
   filter kernel over the piece and its margins, settled within them, then
   0.5 s windows on one global grid).

The same code runs on a whole array (one piece) and on a file (many), so
the two agree to rounding.  :func:`scan` also returns the statistics and
the clipped runs, and takes them (and an already high-passed signal) when a
caller has them, so that an analysis pipeline scans each channel once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import clipping
from ._chunks import ArraySource, FileSource, blocks, settle_samples
from .clipping import clipped_mask
from .errors import InvalidInputError
from .recording import Recording

__all__ = ["assess", "scan", "QualityScan", "LineSpectra", "clipped_mask", "powerline_share"]

MIN_CLIP_RUN = clipping.MIN_RUN  # samples: shortest clipping run (emgkit.clipping holds the definition)
LINE_HALF_WIDTH_HZ = 1.0  # power within +-1 Hz of each harmonic
SHARE_BAND_HZ = (20.0, 450.0)  # reference band of the powerline share
BASELINE_WINDOW_S = 0.5  # quietest window for the baseline noise
BASELINE_HOP_S = 0.05
BASELINE_HIGHPASS_HZ = 20.0
# thresholds that put a note in the issues column
CLIP_NOTE = 0.001  # fraction of samples
LINE_NOTE = 0.10  # share of 20-450 Hz power
MIN_FS_SPECTRA = 1000.0  # below this spectra are unreliable
CHUNK = 1 << 18  # samples per piece (131 s at 2 kHz): 34 MB per copy for 16 channels; margins re-read ~1 %


@dataclass(frozen=True)
class QualityScan:
    """What :func:`scan` measured.

    Attributes
    ----------
    table : pandas.DataFrame
        The quality table (:func:`assess`).
    stats : emgkit.clipping.ChannelStats
        Per-channel extremes, mean (the DC level), SD and quantisation step.
    clipped : list of (starts, stops)
        Per channel, int64 arrays of the clipped samples ``[start, stop)``
        (:mod:`emgkit.clipping`); ``emgkit._chunks.RunMask(clipped, n)``
        reads them as a mask.
    """

    table: object
    stats: clipping.ChannelStats
    clipped: list


def assess(rec, channels=None, *, unit="V", meta=None, chunk=CHUNK, stats=None, clipped=None, highpassed=None,
           notes=None):
    """Per-channel quality table of a recording, an open file or a chunked source.

    Parameters
    ----------
    rec : Recording, emgkit.io.RecordingFile or chunked source
        Raw samples (before filtering).  A source (``emgkit._chunks.ArraySource``
        or ``FileSource``: ``n_channels``, ``n_samples``, ``fs`` and
        ``read(a, b)``) needs ``channels``; a Recording or an open file brings
        its own channels, unit and metadata.  ``meta["adc_range"]`` /
        ``meta["adc_ranges"]`` (converter limits) and ``meta["powerline_hz"]``
        (mains frequency) are used when present.
    channels : sequence of str or Channel, optional
        One per source row (sources only).
    unit : str, default "V"
        Unit of a source's samples (sources only).
    meta : dict, optional
        Metadata of a source (sources only).
    chunk : int >= 1, default 262144
        Samples per piece.  Reads are at most ``chunk`` plus twice the
        settling length of the 20 Hz high-pass (about 0.6 s).
    stats, clipped, highpassed : optional
        Inputs a caller has already computed, so that nothing is scanned
        twice (see :func:`scan`).
    notes : emgkit._notes.Notes, optional
        Receives the recording-level notes (also in ``attrs["notes"]``).

    Returns
    -------
    pandas.DataFrame
        One row per channel with columns

        ``channel``, ``muscle``, ``side``
            From the channel.
        ``rms``
            RMS after removing the mean, in the recording's unit.
        ``clipped_fraction``
            Fraction of samples in clipping runs (:mod:`emgkit.clipping`):
            runs of >= 3 samples within a tolerance of a converter limit, or
            of an observed extreme that samples pile up at.
        ``flat``
            True when the channel is constant or varies only at quantisation
            level (SD at most one quantisation step, the smallest non-zero
            difference between consecutive samples): disconnected or unused.
            A flat channel counts as clipped only on a converter limit.
        ``powerline_hz``, ``powerline_share``
            Mains frequency (``meta["powerline_hz"]``, else whichever of 50 and
            60 Hz holds more power over all channels) and the share of 20-450
            Hz power within +-1 Hz of it and its harmonics
            (:func:`powerline_share`; NaN when fs < 100 Hz).
        ``baseline_noise``
            RMS of the quietest 0.5 s window (hop 50 ms) after a 20 Hz
            high-pass (4th-order Butterworth, zero phase), in the unit.
        ``issues``
            Short text: ``"flat"``, ``"clipped 75.1%"``, ``"powerline 32%"``,
            joined by ``"; "``; empty when nothing was found.

        ``DataFrame.attrs`` holds ``fs``, ``unit``, ``powerline_hz`` and
        ``notes`` (recording-level remarks such as fs below 1 kHz).

    Raises
    ------
    InvalidInputError
        Something that holds no recording, channels that do not match the
        rows, a bad ``adc_range`` or ``powerline_hz``, NaN/inf samples.

    Examples
    --------
    >>> from emgkit.datasets import simulate
    >>> q = assess(simulate(n_reps=2, fs=1000, powerline_uv=50, seed=0))
    >>> list(q.columns)[:5]
    ['channel', 'muscle', 'side', 'rms', 'clipped_fraction']
    """
    return scan(rec, channels, unit=unit, meta=meta, chunk=chunk, stats=stats, clipped=clipped,
                highpassed=highpassed, notes=notes).table


def scan(rec, channels=None, *, unit="V", meta=None, chunk=CHUNK, stats=None, clipped=None, highpassed=None,
         notes=None, spectra=None) -> QualityScan:
    """The quality table with the per-channel statistics and clipped runs it was built from.

    Parameters
    ----------
    rec, channels, unit, meta, chunk, notes
        As for :func:`assess`.
    stats : emgkit.clipping.ChannelStats, optional
        Pass-1 statistics of the raw samples (e.g. from the DC removal of a
        pipeline, :class:`emgkit.clipping.StatsScan`); the first pass is then
        skipped.  Their mean is the DC level removed, their SD the ``rms``.
    clipped : list of (starts, stops), optional
        Clipped runs per channel, as :func:`emgkit.clipping.scan` gives them
        (with ``adc_limits(meta, names)``); not recomputed.
    highpassed : array or source, optional
        The raw samples already filtered with a high-pass at or above 20 Hz
        (e.g. the analysis band-pass 20-450 Hz), shape ``(n_channels,
        n_samples)`` or a source of that shape: the baseline noise is
        measured on it instead of running the 20 Hz high-pass, and the raw
        samples are then read without margins.  Its corners shape the value
        (a 450 Hz low-pass removes the noise above it).
    spectra : LineSpectra, optional
        The powerline spectra already gathered from the DC-free raw samples
        (e.g. by the analysis's conditioning pass), every sample pushed:
        with ``stats``, ``clipped`` and ``highpassed`` also given the raw
        samples are not read at all.

    Returns
    -------
    QualityScan
        ``table`` (:func:`assess`), ``stats`` and ``clipped`` runs.

    Notes
    -----
    With ``stats`` and ``clipped`` given, the raw samples are read once
    (for the powerline spectra); with ``highpassed`` too, no filter runs.
    """
    source, chans, unit, meta = _resolve(rec, channels, unit, meta)
    chunk = clipping.check_chunk(chunk)
    fs, n, n_ch = source.fs, source.n_samples, source.n_channels
    names = [c.name for c in chans]
    adc = clipping.adc_limits(meta, names)
    line_hz = meta_line_hz(meta)
    if stats is None:
        first = clipping.StatsScan(n_ch)
        for blk in blocks(source, chunk):
            first.push(blk.data)
        stats = first.result()
    _check_stats(stats, n_ch, n, names)
    mean = stats.mean

    clip = clipping.ClipScan(stats, adc) if clipped is None else None
    given = spectra is not None
    if given and spectra.shape != (n_ch, n):
        raise InvalidInputError(f"spectra were gathered on {spectra.shape[0]} channels x {spectra.shape[1]} samples, the "
                                f"recording has {n_ch} x {n}; give the LineSpectra of this recording's raw samples")
    spectra = spectra if given else LineSpectra(n_ch, n, fs, piece=chunk)
    w, w_hop = _baseline_grid(n, fs)
    windows, quietest = _Frames(w, w_hop), np.full(n_ch, np.inf)
    hp_source = None if highpassed is None else _as_source(highpassed, fs, (n_ch, n))
    sos = _baseline_highpass(fs, n) if hp_source is None else None
    margin = settle_samples(sos) if sos is not None else 0
    for blk in blocks(source, chunk, margin) if clip is not None or not given or hp_source is None else ():
        centred = blk.data - mean[:, None]
        core = centred[:, blk.core]
        if clip is not None:
            clip.push(blk.data[:, blk.core])
        if not given:
            spectra.push(core)
        if hp_source is None:
            high = _filtfilt(sos, centred)[:, blk.core] if sos is not None else core
            quietest = np.minimum(quietest, _quietest(windows, high, w))
    if hp_source is not None:
        for blk in blocks(hp_source, chunk):
            quietest = np.minimum(quietest, _quietest(windows, blk.data, w))
    if clip is not None:
        clipped = clip.result()
    clipped = [(np.asarray(s, dtype=np.int64), np.asarray(e, dtype=np.int64)) for s, e in clipped]
    if len(clipped) != n_ch:
        raise InvalidInputError(f"clipped holds runs of {len(clipped)} channels for {n_ch} channels; pass one (starts, stops) per channel")
    fraction = np.array([float(np.sum(e - s)) / n for s, e in clipped])

    if spectra.usable:
        line_hz, shares = line_choice(*spectra.welch(), fs, line_hz)
    else:
        line_hz, shares = (line_hz if line_hz is not None else np.nan), np.full(n_ch, np.nan)
    noise = np.sqrt(np.maximum(quietest, 0.0))
    table = quality_table(chans, unit, fs, stats.sd, fraction, stats.flat, line_hz, shares, noise)
    if notes is not None:
        for text in table.attrs["notes"]:
            notes.add(text)
    return QualityScan(table, stats, clipped)



class LineSpectra:
    """Welch spectra of DC-free raw samples gathered piece by piece, for the powerline share of :func:`scan`.

    Pieces may come in any lengths: they are cut again into pieces of
    ``piece`` samples from the record's start, so the frames are summed in
    the same groups (and the spectra have the same bits) however the record
    was walked.

    Parameters
    ----------
    n_channels, n_samples : int
        Shape of the record.
    fs : float
        Sampling rate, Hz.
    piece : int, default CHUNK
        Samples per group of frames.
    """

    def __init__(self, n_channels, n_samples, fs, piece=CHUNK):
        self.shape = (int(n_channels), int(n_samples))
        self.fs, self.piece = float(fs), max(1, int(piece))
        self.usable = _spectra_usable(self.fs, self.shape[1])
        self.nper, self.hop, self.win = _welch_grid(self.shape[1], self.fs)
        self.frames, self.power = _Frames(self.nper, self.hop), np.zeros((self.shape[0], self.nper // 2 + 1))
        self.windowed = _Windowed()
        self.pending, self.held, self.done = [], 0, 0  # samples waiting for a whole piece; samples pushed

    def push(self, x) -> None:
        """The next samples of every channel, DC removed (raw minus each channel's mean), shape (n_channels, m)."""
        if not self.usable:
            return
        self.done += x.shape[1]
        if not self.pending and x.shape[1] == self.piece:
            self._add(x)
            return
        final = self.done >= self.shape[1]
        self.held += x.shape[1]
        if self.held < self.piece and not final:
            self.pending.append(x.copy())  # the caller may reuse its array (condition writes the envelope over it)
            return
        self.pending.append(x)
        joined = np.concatenate(self.pending, axis=1) if len(self.pending) > 1 else self.pending[0]
        at = 0  # whole pieces taken from the front; the rest is copied once (not once per piece)
        while self.held - at >= self.piece or (final and self.held > at):
            take = min(self.piece, self.held - at)
            self._add(joined[:, at : at + take])
            at += take
        rest = joined[:, at:].copy()  # the caller may reuse its array
        self.pending, self.held = ([rest] if rest.shape[1] else []), rest.shape[1]

    def _add(self, piece):
        for buf, k in self.frames.push(piece):
            _add_frame_power(buf, k, self.nper, self.hop, self.win, self.power, self.windowed)
        if self.done >= self.shape[1]:
            self.windowed = _Windowed()  # every sample is in: the room of the windowed frames is not kept with the spectra

    def welch(self):
        """Frequencies (Hz) and one-sided PSD (unit^2/Hz) of every channel, frames averaged."""
        return _welch_finish(self.power / self.frames.count, self.fs, self.win)


def _resolve(rec, channels, unit, meta):
    """``(source, channels, unit, meta)`` of a Recording, an open file or a source with its channels."""
    if isinstance(rec, Recording):
        _only_for_sources(channels, meta, "a Recording")
        return _Views(rec.data, rec.fs), rec.channels, rec.unit, rec.meta
    if hasattr(rec, "_build") and hasattr(rec, "channels"):  # emgkit.io.RecordingFile
        _only_for_sources(channels, meta, "an open file")
        return FileSource(rec), rec.channels, rec.unit, rec.meta
    if all(hasattr(rec, a) for a in ("read", "n_samples", "n_channels", "fs")):
        if channels is None:
            raise InvalidInputError("assess of a chunked source needs channels=[...] (one name or Channel per row)")
        probe = Recording(np.zeros((rec.n_channels, 1)), rec.fs, channels, unit=unit, meta=meta)  # same checks
        return rec, probe.channels, probe.unit, probe.meta
    raise InvalidInputError(
        f"assess needs a Recording, an open file (emgkit.open(path)) or a chunked source, got {type(rec).__name__}; "
        "wrap arrays with emgkit.Recording(data, fs, channels)"
    )


class _Views(ArraySource):
    """An in-memory recording read as views (nothing here writes to what it reads)."""

    def read(self, a, b, rows=None):
        return self._data[:, a:b] if rows is None else self._data[rows, a:b]


def _only_for_sources(channels, meta, what):
    if channels is not None or meta is not None:
        raise InvalidInputError(f"channels= and meta= are for chunked sources; {what} brings its own (relabel it instead)")


def _check_stats(stats, n_ch, n, names):
    if stats.lo.shape != (n_ch,) or stats.n != n:
        raise InvalidInputError(
            f"stats describe {stats.lo.size} channels x {stats.n} samples, the recording has {n_ch} x {n}; "
            "pass the statistics of these raw samples")
    bad = np.flatnonzero(~stats.finite)
    if bad.size:
        raise InvalidInputError(
            f"non-finite samples (NaN/inf) in channel(s) {[names[r] for r in bad]}; repair them before the quality "
            "table (Recording(..., nonfinite='interpolate'))")


def _as_source(x, fs, shape):
    src = x if hasattr(x, "read") and hasattr(x, "n_samples") else ArraySource(x, fs)
    if (src.n_channels, src.n_samples) != shape:
        raise InvalidInputError(
            f"highpassed has shape {(src.n_channels, src.n_samples)}, the recording {shape}; pass the filtered "
            "samples of the same channels")
    return src


def _filtfilt(sos, x):
    from .kernels import sosfiltfilt

    return sosfiltfilt(sos, x)


def _quietest(windows, piece, w):
    """Smallest mean square over the baseline windows completed by ``piece`` (inf when none)."""
    from .kernels import window_min_ms

    out = np.full(piece.shape[0], np.inf)
    for buf, k in windows.push(piece):
        out = np.minimum(out, window_min_ms(buf, w, windows.hop, k))
    return out


def quality_table(channels, unit, fs, rms, clipped, flat, line_hz, shares, noise):
    """The table of :func:`assess` from its per-channel numbers."""
    import pandas as pd

    issues = []
    for c in range(len(channels)):
        found = []
        if flat[c]:
            found.append("flat (disconnected or unused?)")
        if clipped[c] >= CLIP_NOTE:
            found.append(f"clipped {100 * clipped[c]:.1f}%")
        if np.isfinite(shares[c]) and shares[c] >= LINE_NOTE:
            found.append(f"powerline {100 * shares[c]:.0f}%")
        issues.append("; ".join(found))

    table = pd.DataFrame(
        {
            "channel": [c.name for c in channels],
            "muscle": [c.muscle for c in channels],
            "side": [c.side for c in channels],
            "rms": np.asarray(rms, dtype=np.float64),
            "clipped_fraction": np.asarray(clipped, dtype=np.float64),
            "flat": np.asarray(flat, dtype=bool),
            "powerline_hz": line_hz,
            "powerline_share": shares,
            "baseline_noise": noise,
            "issues": issues,
        }
    )
    remarks = []
    if fs < MIN_FS_SPECTRA:
        remarks.append(f"fs {fs:g} Hz is below 1 kHz: spectra and the powerline share are unreliable")
    table.attrs = {"fs": fs, "unit": unit, "powerline_hz": line_hz, "notes": remarks}
    return table


# -- powerline share ----------------------------------------------------------------------------------------
def powerline_share(x, fs, line_hz, *, half_width_hz=LINE_HALF_WIDTH_HZ, band_hz=SHARE_BAND_HZ):
    """Share of the 20-450 Hz power that lies within +-1 Hz of the mains frequency and its harmonics.

    Parameters
    ----------
    x : array_like, shape (n_samples,) or (n_channels, n_samples)
    fs : float > 0
        Sampling rate in Hz.
    line_hz : float > 0
        Mains frequency (50 or 60 Hz).
    half_width_hz : float > 0, default 1
        Half width of the band counted around each harmonic.
    band_hz : (float, float), default (20, 450)
        Reference band (its top is capped just below fs/2).

    Returns
    -------
    float or ndarray of float, shape (n_channels,)
        Share in [0, 1]; NaN where the band holds no power.

    Notes
    -----
    Welch periodogram, Hann window of 2 s (0.5 Hz bins, so a stable tone
    falls inside +-1 Hz), 50 % overlap, mean removed; shorter records use one
    segment of the whole record.  Share = sum of the bins with
    ``|f - h line_hz| <= half_width_hz`` for every harmonic ``h line_hz`` in
    the band, divided by the sum of the band's bins (the line share
    recommended with every notch decision: McManus et al. 2020).
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim not in (1, 2):
        raise InvalidInputError(f"x must be 1-D or (n_channels, n_samples), got shape {arr.shape}")
    rows = arr[np.newaxis] if arr.ndim == 1 else arr
    rows = rows - rows.mean(axis=1, keepdims=True)
    f, p = _psd(rows, float(fs))
    share = _share(f, p, float(fs), float(line_hz), half_width_hz, band_hz)
    return float(share[0]) if arr.ndim == 1 else share


def _psd(rows, fs):
    """Welch PSD (one-sided, unit^2/Hz) of whole rows: periodic Hann window of 2 s (or the record), 50 % overlap.

    No detrending: callers remove the mean.  Same estimate as
    ``scipy.signal.welch(..., detrend=False)``.
    """
    nper, hop, win = _welch_grid(rows.shape[-1], fs)
    frames = _Frames(nper, hop)
    power = np.zeros((rows.shape[0], nper // 2 + 1))
    windowed = _Windowed()
    for buf, k in frames.push(rows):
        _add_frame_power(buf, k, nper, hop, win, power, windowed)
    return _welch_finish(power / frames.count, fs, win)


def _welch_grid(n, fs):
    """Frame length and hop (samples) and Hann window of the Welch estimate for ``n`` samples at ``fs`` Hz."""
    from scipy import signal

    nper = max(1, min(n, int(round(2.0 * fs))))
    return nper, max(1, nper // 2), signal.get_window("hann", nper)


def _add_frame_power(buf, k, nper, hop, win, power, windowed):
    """Add to ``power`` (rows x bins) the sum over the ``k`` frames ``buf[:, j * hop : j * hop + nper]`` of ``|rfft(frame * win)|^2``.

    ``windowed`` (:class:`_Windowed`) holds the windowed frames of each FFT call.
    """
    from numpy.lib.stride_tricks import sliding_window_view
    from scipy import fft

    from .kernels.clipping import add_frame_power

    frames = sliding_window_view(buf[:, : (k - 1) * hop + nper], nper, axis=1)[:, ::hop]
    step = max(1, (1 << 22) // (nper * buf.shape[0]))  # frames per FFT call: about 32 MB of input
    out = np.zeros_like(power)
    for k in range(0, frames.shape[1], step):
        add_frame_power(fft.rfft(windowed(frames[:, k : k + step], win), axis=-1, workers=-1, overwrite_x=True), out)
    power += out


class _Windowed:
    """Frames times the window, written into one float64 array reused from call to call (fresh memory costs page faults)."""

    def __init__(self):
        self.room = np.empty(0)

    def __call__(self, frames, win):
        """``frames * win`` (frames: rows x k x nper) as a C-contiguous array that the next call overwrites."""
        if self.room.size < frames.size:
            self.room = np.empty(frames.size)
        return np.multiply(frames, win, out=self.room[: frames.size].reshape(frames.shape))


def _welch_finish(mean_power, fs, win):
    """Frequencies and one-sided PSD (unit^2/Hz) from the frame-averaged ``|rfft|^2`` of every channel."""
    nper = win.size
    p = mean_power * (1.0 / (fs * np.sum(np.square(win))))
    p[:, 1: (nper + 1) // 2] *= 2.0  # one-sided: double all but DC and Nyquist
    return np.fft.rfftfreq(nper, 1.0 / fs), p


def _share(f, p, fs, line_hz, half_width_hz=LINE_HALF_WIDTH_HZ, band_hz=SHARE_BAND_HZ):
    lo, hi = band_hz[0], min(band_hz[1], 0.5 * fs - half_width_hz)
    band = (f >= lo) & (f <= hi)
    near = np.zeros_like(band)
    for h in np.arange(1, int(hi // line_hz) + 2) * line_hz:
        near |= np.abs(f - h) <= half_width_hz + 1e-9
    total = p[:, band].sum(axis=1)
    line = p[:, band & near].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, line / total, np.nan)


def _spectra_usable(fs, n):
    """Whether ``n`` samples at ``fs`` Hz give a powerline share (else it is NaN)."""
    return fs >= 100.0 and n >= 8


def meta_line_hz(meta):
    """``meta["powerline_hz"]`` as a float, or None when absent."""
    value = meta.get("powerline_hz")
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"meta['powerline_hz'] must be a frequency in Hz (50 or 60), got {value!r}") from None


def line_choice(f, p, fs, line_hz):
    """Mains frequency (given, else whichever of 50 and 60 Hz holds more power) and every channel's share."""
    if line_hz is not None:
        return line_hz, _share(f, p, fs, line_hz)
    # auto-detect: the candidate whose harmonics hold more of the power, summed over channels
    candidates = {hz: _share(f, p, fs, hz) for hz in (50.0, 60.0)}
    best = max(candidates, key=lambda hz: np.nansum(candidates[hz]))
    return best, candidates[best]


# -- baseline noise -----------------------------------------------------------------------------------------
def _baseline_highpass(fs, n):
    """Second-order sections of the 20 Hz high-pass of the baseline noise, or None when it is not applied."""
    from scipy import signal

    if fs > 2.5 * BASELINE_HIGHPASS_HZ and n > 27:
        return signal.butter(4, BASELINE_HIGHPASS_HZ, "highpass", fs=fs, output="sos")
    return None


def _baseline_grid(n, fs):
    """Window length and hop (samples) of the baseline noise for ``n`` samples at ``fs`` Hz."""
    return min(n, max(1, int(round(BASELINE_WINDOW_S * fs)))), max(1, int(round(BASELINE_HOP_S * fs)))


class _Frames:
    """Frames of ``length`` samples starting at 0, ``hop``, 2 ``hop``, ... (``hop <= length``) assembled from consecutive pieces.

    :meth:`push` takes the next piece of every row and returns the frames it
    completes as ``(buf, k)`` parts: ``k`` frames ``buf[:, j * hop : j * hop
    + length]``.  Frames that began in earlier pieces come from a short
    joined buffer, the others straight from the piece (no copy of it); the
    samples of frames still open are carried to the next call.
    """

    def __init__(self, length, hop):
        self.length, self.hop = length, hop
        self.carry = None  # samples from the start of the next frame on (that frame began in an earlier piece)
        self.skip = 0  # samples of the next piece before its first frame start (when no frame is carried)
        self.count = 0  # frames returned so far

    def push(self, piece):
        """Append ``piece`` (rows x samples); return the list of ``(buf, k)`` parts now complete."""
        parts = []
        m = piece.shape[1]
        if self.carry is not None:
            c = self.carry.shape[1]
            head = np.concatenate((self.carry, piece[:, : self.length - 1]), axis=1)
            k = min(-(-c // self.hop), max(0, (head.shape[1] - self.length) // self.hop + 1))  # frames starting in the carry
            if k:
                parts.append((head, k))
            if k * self.hop < c:  # a carried frame is still open: nothing of this piece starts a frame yet
                self.carry = np.concatenate((self.carry[:, k * self.hop:], piece), axis=1)
                self.count += k
                return parts
            self.skip = k * self.hop - c
            self.carry = None
        body = piece[:, self.skip:]
        k = max(0, (body.shape[1] - self.length) // self.hop + 1)
        if k:
            parts.append((body, k))
        rest = k * self.hop + self.skip  # start of the next frame within the piece
        if rest < m:
            self.carry, self.skip = piece[:, rest:].copy(), 0
        else:
            self.carry, self.skip = None, rest - m
        self.count += sum(n for _, n in parts)
        return parts
