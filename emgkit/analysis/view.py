"""What the pipeline knows of a recording: channels, rate, unit, metadata and a chunked source of its samples.

The same stages run on a :class:`~emgkit.Recording` in memory and on an open
file (:func:`emgkit.open`); :class:`RecordingView` hides the difference.
"""

from __future__ import annotations

import numpy as np

from .._chunks import ArraySource, FileSource

__all__ = ["RecordingView"]


class RecordingView:
    """Channels ``rows`` of a recording, with a source that reads samples ``[a, b)`` as float64.

    Parameters
    ----------
    source : ArraySource or FileSource
        All channels of the recording.
    channels : list of Channel
    unit : str
    meta : dict
    rows : list of int, optional
        The channels this view shows (default all).
    """

    def __init__(self, source, channels, unit, meta, rows=None):
        self._all = source
        self._all_channels = list(channels)
        self.rows = list(range(len(channels))) if rows is None else list(rows)
        self.channels = [self._all_channels[r] for r in self.rows]
        self.channel_names = [c.name for c in self.channels]
        self.fs = float(source.fs)
        self.n_samples = int(source.n_samples)
        self.n_channels = len(self.rows)
        self.unit = unit
        self.meta = meta

    @classmethod
    def of_recording(cls, rec) -> "RecordingView":
        """A view of an in-memory Recording (no copy of its samples)."""
        return cls(ArraySource(rec.data, rec.fs), rec.channels, rec.unit, rec.meta)

    @classmethod
    def of_file(cls, handle) -> "RecordingView":
        """A view of an open :class:`emgkit.io.RecordingFile`; samples are read only when asked for."""
        return cls(FileSource(handle), handle.channels, handle.unit, handle.meta)

    def read(self, a, b, rows=None) -> np.ndarray:
        """Samples ``a:b`` of the view's channels ``rows`` (indices into this view; default all), float64."""
        use = self.rows if rows is None else [self.rows[r] for r in rows]
        return self._all.read(a, b, use)

    @property
    def source(self):
        """This view as a chunked source (``read(a, b, rows)``, ``fs``, ``n_channels``, ``n_samples``)."""
        return _ViewSource(self)

    def index(self, name) -> int:
        return self.channel_names.index(name)

    def select(self, names) -> "RecordingView":
        """The view of the named channels, in that order."""
        return RecordingView(self._all, self._all_channels, self.unit, self.meta, [self.rows[self.index(n)] for n in names])

    @property
    def all_channels(self) -> list:
        """Every channel of the underlying recording (also those this view leaves out)."""
        return list(self._all_channels)

    @property
    def all_source(self):
        """The underlying recording's chunked source (every channel)."""
        return self._all

    def whole_channel(self, name) -> np.ndarray:
        """All samples of one channel of the underlying recording (a trigger channel), float64."""
        row = [c.name for c in self._all_channels].index(name)
        return self._all.read(0, self.n_samples, [row])[0]


class _ViewSource:
    def __init__(self, view):
        self._view = view
        self.fs = view.fs
        self.n_channels = view.n_channels
        self.n_samples = view.n_samples
        self.read_ahead = getattr(view.all_source, "read_ahead", False)  # as the source it reads (emgkit._chunks.blocks)

    def read(self, a, b, rows=None):
        return self._view.read(a, b, rows)
