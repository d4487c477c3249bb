"""Imbalance analysis of a recording larger than memory, streamed from its file in time chunks.

:func:`analyze_file` gives the same :class:`~emgkit.analysis.Analysis` as
``analyze(emgkit.read(path))`` (tables equal within 1e-9) while holding only
a few chunks of samples in memory:

1. one pass over the raw file gives each channel's mean (DC removal);
2. a second pass band-passes (and notches) each chunk read with a margin on
   both sides as wide as the filters' settling time
   (:func:`emgkit._chunks.settle_samples`: the impulse response has decayed
   below 1e-14 of its peak), forms the envelope, and keeps only the chunk's
   core; cores tile the record, so every kept sample saw the same
   neighbourhood as in a whole-record zero-phase filter (the record's own
   ends get the same odd-reflection padding as ``scipy.signal.sosfiltfilt``);
   the band-passed signal and the envelope are written to a scratch HDF5
   file, removed at the end;
3. activity detection (:func:`emgkit.activation.detect_activation_stream`),
   clipping and the quality table (:mod:`emgkit.quality_stream`) stream the
   raw file the same way;
4. every later step (noise floor, repetitions, normalization, per-repetition
   values, fatigue windows, ensembles) reads the scratch signals piece by
   piece through the same code as the in-memory path (:class:`_Run`).

Memory: about ``n_channels x (chunk + 2 margins) x 8 bytes`` times a few
working copies, plus one envelope row at 200 Hz for finding repetitions;
scratch disk: ``2 x n_channels x n_samples x 8 bytes``.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from ._chunks import FileSource, Rows, RunMask, blocks, settle_samples
from .analysis import CYCLE_RATE_HZ, Analysis, _Run
from .config import load_config
from .errors import InvalidInputError

__all__ = ["analyze_file", "wants_streaming", "DEFAULT_CHUNK_S", "STREAM_ABOVE_SAMPLES", "STREAM_MODES"]

DEFAULT_CHUNK_S = 20.0
STREAM_ABOVE_SAMPLES = 50_000_000  # channels x samples above which "auto" streams (in memory: about 2.5 GB of working arrays)
STREAM_MODES = ("auto", "on", "off")
LAZY_FORMATS = ("emgkit-hdf5", "hdf5")  # formats read piece by piece; others are read whole anyway
H5_CHUNK = 1 << 14  # samples per HDF5 chunk of the scratch signals (one channel each: 128 kB)
H5_CACHE = 16 << 20  # bytes of HDF5 chunk cache per scratch signal


def wants_streaming(path, mode="auto", **options) -> bool:
    """Whether the analysis of ``path`` should stream it.

    Parameters
    ----------
    path : str or Path
    mode : {"auto", "on", "off"}
        ``"auto"`` streams HDF5 recordings (native or foreign) holding more
        than :data:`STREAM_ABOVE_SAMPLES` samples over all channels.
    **options
        Reader options (e.g. ``fs``), as for :func:`emgkit.open`.

    Returns
    -------
    bool
    """
    from ._checks import check_option
    from .io import detect_format
    from .io import open as open_file

    check_option("stream", mode, STREAM_MODES)
    if mode != "auto":
        return mode == "on"
    if detect_format(path).name not in LAZY_FORMATS:
        return False
    with open_file(path, **options) as handle:
        return handle.n_channels * handle.n_samples > STREAM_ABOVE_SAMPLES


def analyze_file(path, *, pairs=None, mvc=None, config=None, chunk_s=DEFAULT_CHUNK_S, scratch_dir=None, traces=False,
                 **options):
    """Analyse muscle imbalance in a recording file without loading it whole.

    Parameters
    ----------
    path : str or Path
        A recording emgkit can open lazily (native or foreign HDF5 reads only
        what is asked; other formats are read whole first).
    pairs, mvc, config
        As in :func:`emgkit.analyze`.
    chunk_s : float > 0, default 20
        Core length of each chunk, s.  Memory grows with it; results do not
        depend on it (within 1e-9).
    scratch_dir : str or Path, optional
        Folder for the temporary scratch file (default: the system's
        temporary folder); needs ``2 x channels x samples x 8`` bytes free.
    traces : bool, default False
        Also return the report's data-browser traces (min/max decimated
        band-passed EMG and envelope, as :func:`emgkit.decimate.browser_traces`
        but of the analysis's own signals).
    **options
        Reader options (e.g. ``fs`` for files that do not store it), as for
        :func:`emgkit.open`.

    Returns
    -------
    Analysis, or (Analysis, dict) with ``traces=True``

    Raises
    ------
    InvalidInputError
        As :func:`emgkit.analyze`, and for ``activation.method = "bonato"``
        (not streamed: use ``emgkit.analyze``).
    """
    from .io import open as open_file

    cfg = load_config(config)
    if not (isinstance(chunk_s, (int, float)) and math.isfinite(chunk_s) and chunk_s > 0):
        raise InvalidInputError(f"chunk_s must be a positive number of seconds, got {chunk_s!r}")
    with open_file(path, **options) as handle, tempfile.TemporaryDirectory(prefix="emgkit-stream-", dir=scratch_dir) as tmp:
        run = _StreamRun(_FileView(handle), cfg, [], max(1, int(round(chunk_s * handle.fs))), Path(tmp) / "scratch.h5")
        try:
            tables = run.execute(pairs, mvc)
            out_traces = run.browser_traces() if traces else None
        finally:
            run.close()
        result = Analysis(tables, config=cfg, info=run.info(), notes=run.notes)
    return (result, out_traces) if traces else result


class _FileView:
    """What :class:`_Run` asks of a Recording, answered from an open file without reading its samples."""

    def __init__(self, handle, rows=None):
        self.handle = handle
        self.rows = list(range(handle.n_channels)) if rows is None else list(rows)
        self.fs = handle.fs
        self.n_samples = handle.n_samples
        self.channels = [handle.channels[r] for r in self.rows]
        self.channel_names = [c.name for c in self.channels]
        self.unit = handle.unit
        self.meta = handle.meta
        self.n_channels = len(self.rows)
        source = FileSource(handle, self.rows)
        self.source = source
        self.data = Rows((self.n_channels, self.n_samples), lambda rows, a, b: source.read(a, b, rows), 1 << 18)

    def index(self, name) -> int:
        return self.channel_names.index(name)

    def select(self, names) -> "_FileView":
        return _FileView(self.handle, [self.rows[self.index(n)] for n in names])


class _StreamRun(_Run):
    """The analysis steps of :class:`_Run`, with whole-record signals kept in a scratch file."""

    def __init__(self, view, cfg, notes, chunk, scratch):
        super().__init__(view, cfg, notes)
        self.chunk = chunk
        self.piece = chunk
        self.scratch_path = scratch
        self._h5 = None

    def close(self):
        if self._h5 is not None:
            self._h5.close()
            self._h5 = None

    # -- 2. preprocessing in chunks ---------------------------------------------------------------
    def preprocess(self):
        import h5py

        self.set_band()
        source = self.emg.source
        n_ch, n = len(self.names), self.n
        total = np.zeros(n_ch)
        for blk in blocks(source, self.chunk):
            total += blk.data.sum(axis=1)
        mean = total / n
        self.cycle_step = max(1, int(self.fs // CYCLE_RATE_HZ))
        self._h5 = h5py.File(self.scratch_path, "w", rdcc_nbytes=H5_CACHE, rdcc_nslots=10007)
        shape, chunks = (n_ch, n), (1, min(n, H5_CHUNK))
        filtered = self._h5.create_dataset("filtered", shape=shape, dtype="f8", chunks=chunks)
        env = self._h5.create_dataset("env", shape=shape, dtype="f8", chunks=chunks)
        n_dec = -(-n // self.cycle_step)
        env_dec = self._h5.create_dataset("env_every", shape=(n_ch, n_dec), dtype="f8", chunks=(1, min(n_dec, H5_CHUNK)))
        step = self.cycle_step
        for blk in blocks(source, self.chunk, self.margin()):
            y, e = self.condition(blk.data - mean[:, None])
            filtered[:, blk.a : blk.b] = y[:, blk.core]
            env[:, blk.a : blk.b] = e[:, blk.core]
            first = -(-blk.a // step) * step
            if first < blk.b:
                env_dec[:, first // step : -(-blk.b // step)] = e[:, first - blk.lo : blk.b - blk.lo : step]
        self.filtered = _scratch_rows(filtered, self.piece)
        self.env = _scratch_rows(env, self.piece)
        self._env_every = env_dec

    def margin(self) -> int:
        """Samples read beyond each core so that band-pass, notch and envelope have settled on it."""
        from scipy.signal import butter

        from .envelope import winter_correction
        from .preprocess import notch_sos

        f, e, fs = self.cfg.filters, self.cfg.envelope, self.fs
        lows = [f.low_hz] + ([f.trunk_low_hz] if self.trunk.any() else [])
        total = max(settle_samples(butter(f.order, [low, self.band[1]], btype="band", fs=fs, output="sos")) for low in lows)
        if f.notch_hz:
            sos, _ = notch_sos(fs, f.notch_hz)
            total += sum(settle_samples(section[None]) for section in sos)  # the notches run one after another
        if e.method == "linear":
            total += settle_samples(butter(e.order, e.cutoff_hz / winter_correction(e.order), fs=fs, output="sos"))
        else:
            total += int(round(e.rms_window_ms * 1e-3 * fs)) + 1
        return total + 8

    def envelope_every(self, step, row):
        return self._env_every[row, :]

    # -- 3. activity and quality, streamed -----------------------------------------------------------
    def detect(self):
        from .activation import detect_activation_stream
        from .quality_stream import assess_stream, clipped_runs_stream

        on = self.cfg.onset
        if on.method == "bonato":
            raise InvalidInputError("the streaming analysis does not run the Bonato detector; use emgkit.analyze, or onset.method = 'auto'")
        source = self.emg.source
        meta = self.rec.meta
        self.act = detect_activation_stream(source, self.chans, unit=self.rec.unit, meta=meta, method=on.method,
                                            baseline=on.baseline, chunk=self.chunk, band_hz=self.band, **on.options())
        self.active = RunMask([self.act.runs(c, self.fs, self.n) for c in range(len(self.names))], self.n)
        self.clipped = RunMask(clipped_runs_stream(source, meta.get("adc_range"), chunk=self.chunk), self.n)
        self.quality = assess_stream(source, self.chans, unit=self.rec.unit, meta=meta, chunk=self.chunk)
        self.judge_activity()
        self.clipped_notes(self.clipped.fraction())

    # -- report traces ---------------------------------------------------------------------------------
    def browser_traces(self, n_buckets=2000):
        """Min/max decimated band-passed EMG and every ``n // n_buckets``-th envelope sample (the report's browser)."""
        from .decimate import minmax_decimate

        n, fs = self.n, self.fs
        step = max(1, n // n_buckets)
        if n <= 2 * n_buckets:
            t_raw, raw = minmax_decimate(self.filtered[:, 0:n], fs, n_buckets)
        else:
            size = n // n_buckets
            used = size * n_buckets
            per = max(1, self.piece // size)
            ts, ys = [], []
            for a in range(0, used, per * size):
                b = min(used, a + per * size)
                t, y = minmax_decimate(self.filtered[:, a:b], fs, (b - a) // size)
                ts.append((np.round(t * fs) + a) / fs)  # sample times on the record's clock, as in one call
                ys.append(y)
            if used < n:
                ts.append(np.arange(used, n) / fs)
                ys.append(self.filtered[:, used:n])
            t_raw, raw = np.concatenate(ts), np.concatenate(ys, axis=1)
        env = np.concatenate([v[:, (-a) % step :: step] for a, _, v in self.env.pieces()], axis=1)
        return {"t_raw": t_raw, "raw": raw, "t_env": np.arange(0, n, step) / fs, "envelope": env, "names": self.names,
                "sides": [c.side or "" for c in self.chans], "unit": self.rec.unit}


def _scratch_rows(dataset, piece) -> Rows:
    n_ch = dataset.shape[0]

    def read(rows, a, b):
        if list(rows) == list(range(n_ch)):
            return dataset[:, a:b]
        return np.stack([dataset[int(r), a:b] for r in rows]) if len(rows) else np.empty((0, b - a))

    return Rows(dataset.shape, read, piece)
