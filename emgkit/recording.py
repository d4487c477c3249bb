"""The Recording: multichannel EMG, channels first, with its rate, channels and metadata."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._checks import check_fs, check_option
from ._notes import warn
from .channels import Channel
from .errors import InvalidInputError

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike

__all__ = ["Recording"]

NONFINITE_POLICIES = ("error", "interpolate", "zero")
MAX_INTERPOLATED_GAP_S = 0.010  # docs/science.md#edge-cases: gaps up to 10 ms may be interpolated


class Recording:
    """Multichannel surface EMG.

    Parameters
    ----------
    data : array_like, shape (n_channels, n_samples)
        Channels first.  float32 and float64 are kept without a copy when
        already C-contiguous (a C-contiguous copy otherwise); integer ADC counts are converted to float64 as
        ``data * scale + offset``; other dtypes to float64.
    fs : float > 0
        Sampling rate in Hz.
    channels : sequence of str or Channel
        One per row of ``data``; strings are parsed into muscle and side
        (:func:`emgkit.channels.parse_channel_name`).  Names must be unique.
    unit : str, default "V"
        Amplitude unit after conversion ("V", "mV", "uV", "counts", ...).
    meta : dict, optional
        Free metadata (subject, session, trial, ...).  Reserved keys:
        ``"truth"`` (simulator ground truth), ``"adc"`` (integer conversion),
        ``"adc_range"`` (converter limits ``[lo, hi]`` in ``unit``, used for
        clipping detection), ``"nonfinite"`` (repairs done), ``"events"``.
    scale, offset : float, optional
        Integer-to-unit conversion, ``value = count * scale + offset``
        (default 1 and 0).  Only valid with integer ``data``.
    nonfinite : {"error", "interpolate", "zero"}, default "error"
        What to do with NaN/inf samples.  ``"error"`` names the channels and
        counts; ``"interpolate"`` fills linearly (warns for gaps > 10 ms);
        ``"zero"`` sets them to 0.  Repairs are reported in ``meta["nonfinite"]``.

    Examples
    --------
    >>> import numpy as np, emgkit
    >>> rec = emgkit.Recording(np.zeros((2, 1000)), fs=1000, channels=["L Biceps", "R Biceps"])
    >>> rec.n_channels, rec.duration, rec.channels[1].side
    (2, 1.0, 'R')
    """

    def __init__(self, data: ArrayLike, fs: float, channels: Sequence[str | Channel], unit: str = "V",
                 meta: Mapping[str, Any] | None = None, *, scale: float | None = None, offset: float | None = None,
                 nonfinite: str = "error") -> None:
        self.fs = check_fs(fs)
        self.meta = dict(meta) if meta else {}
        self.data = self._convert(data, scale, offset)
        self.channels = self._check_channels(channels, self.data.shape)
        if not isinstance(unit, str) or not unit:
            raise InvalidInputError(f"unit must be a non-empty string such as 'V' or 'mV', got {unit!r}")
        self.unit = unit
        self._repair_nonfinite(check_option("nonfinite", nonfinite, NONFINITE_POLICIES))

    # -- construction helpers -------------------------------------------------
    def _convert(self, data, scale, offset):
        arr = np.asarray(data)
        if arr.dtype == object:
            raise InvalidInputError("data must be a numeric array, got an object array (ragged rows?)")
        if arr.ndim != 2:
            hint = " For one channel use data[np.newaxis, :]." if arr.ndim == 1 else ""
            raise InvalidInputError(
                f"data must be 2-D with shape (n_channels, n_samples), got {arr.ndim}-D shape {arr.shape}.{hint}"
            )
        if arr.size == 0:
            raise InvalidInputError(f"data is empty (shape {arr.shape}); a recording needs at least one sample per channel")
        is_int = np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool
        if not is_int and (scale is not None or offset is not None):
            raise InvalidInputError(
                f"scale/offset convert integer ADC counts; data is {arr.dtype}. Scale float data yourself."
            )
        if is_int:
            scale = 1.0 if scale is None else float(scale)
            offset = 0.0 if offset is None else float(offset)
            if not (np.isfinite(scale) and np.isfinite(offset) and scale != 0):
                raise InvalidInputError(f"scale must be finite and non-zero and offset finite, got {scale}, {offset}")
            self.meta["adc"] = {"dtype": str(arr.dtype), "scale": scale, "offset": offset}
            out = arr.astype(np.float64)
            if scale != 1.0:
                out *= scale
            if offset != 0.0:
                out += offset
            return out
        if arr.dtype not in (np.float32, np.float64):
            if np.iscomplexobj(arr):
                raise InvalidInputError("data must be real-valued, got complex samples")
            arr = arr.astype(np.float64)
        return np.ascontiguousarray(arr)

    @staticmethod
    def _check_channels(channels, shape):
        if isinstance(channels, (str, Channel)):
            channels = [channels]
        try:
            chans = [c if isinstance(c, Channel) else Channel(str(c)) for c in channels]
        except TypeError:
            raise InvalidInputError(f"channels must be a sequence of names or Channel objects, got {channels!r}") from None
        n_rows, n_cols = shape
        if len(chans) != n_rows:
            hint = ""
            if len(chans) == n_cols:
                hint = " The data looks like (n_samples, n_channels): pass data.T."
            raise InvalidInputError(
                f"{len(chans)} channel names for {n_rows} data rows; data must be (n_channels, n_samples) "
                f"and have one row per channel.{hint}"
            )
        counts: dict[str, int] = {}
        for c in chans:  # one pass: a file may declare 200,000 channels
            counts[c.name] = counts.get(c.name, 0) + 1
        dupes = sorted(n for n, k in counts.items() if k > 1)
        if dupes:
            shown = dupes if len(dupes) <= 10 else [*dupes[:10], f"... {len(dupes) - 10} more"]
            raise InvalidInputError(
                f"duplicate channel names {shown}; channel names must be unique (rename them, e.g. 'EMG 1', 'EMG 2')"
            )
        return chans

    def _repair_nonfinite(self, policy):
        bad = ~np.isfinite(self.data)
        if not bad.any():
            return
        rows = np.flatnonzero(bad.any(axis=1))
        self.data = self.data.copy()  # never repair the caller's array in place
        counts = {self.channels[r].name: int(bad[r].sum()) for r in rows}
        if policy == "error":
            detail = ", ".join(
                f"{self.channels[r].name!r}: {counts[self.channels[r].name]} samples (first at sample {int(np.argmax(bad[r]))})"
                for r in rows
            )
            raise InvalidInputError(
                f"non-finite samples (NaN/inf) in {len(rows)} channel(s): {detail}. "
                "Pass nonfinite='interpolate' (linear, gaps <= 10 ms recommended) or nonfinite='zero' to repair them."
            )
        report = {}
        for r in rows:
            x = self.data[r]
            mask = bad[r]
            longest = _longest_run(mask) / self.fs
            if policy == "zero" or mask.all():
                x[mask] = 0.0
            else:
                idx = np.arange(x.size)
                x[mask] = np.interp(idx[mask], idx[~mask], x[~mask])
            report[self.channels[r].name] = {"samples": int(mask.sum()), "longest_gap_s": float(longest)}
            if policy == "interpolate" and longest > MAX_INTERPOLATED_GAP_S:
                warn(f"channel {self.channels[r].name!r}: interpolated a {longest * 1e3:.1f} ms gap of non-finite samples; "
                     "gaps over 10 ms bias amplitude and spectra")
        self.meta["nonfinite"] = {"policy": policy, "channels": report}

    # -- properties ----------------------------------------------------------
    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return self.data.shape[0]

    @property
    def n_samples(self) -> int:
        """Samples per channel."""
        return self.data.shape[1]

    @property
    def duration(self) -> float:
        """Length in seconds (``n_samples / fs``)."""
        return self.n_samples / self.fs

    @property
    def times(self) -> np.ndarray:
        """Sample times in seconds, shape (n_samples,), starting at 0."""
        return np.arange(self.n_samples) / self.fs

    @property
    def channel_names(self) -> list[str]:
        return [c.name for c in self.channels]

    # -- derived recordings -------------------------------------------------
    def replace(self, data: ArrayLike | None = None, **changes: Any) -> Recording:
        """A new Recording with some fields replaced (``data``, ``fs``, ``channels``, ``unit``, ``meta``).

        Unchanged fields are copied (``meta`` deeply), so the new object never
        shares mutable state with this one except ``data`` when not replaced.
        """
        new = object.__new__(Recording)
        new.fs = check_fs(changes.pop("fs", self.fs))
        new.unit = changes.pop("unit", self.unit)
        new.meta = copy.deepcopy(changes.pop("meta", self.meta))
        arr = self.data if data is None else np.ascontiguousarray(data)
        if arr.ndim != 2 or arr.dtype not in (np.float32, np.float64):
            arr = Recording._convert(new, arr, None, None)
        new.data = arr
        new.channels = Recording._check_channels(changes.pop("channels", self.channels), arr.shape)
        if changes:
            raise InvalidInputError(f"unknown Recording field(s): {sorted(changes)}")
        return new

    def index(self, channel: str | int | Channel) -> int:
        """Row of ``channel`` (a name, a Channel or an int)."""
        if isinstance(channel, (int, np.integer)):
            if not -self.n_channels <= channel < self.n_channels:
                raise InvalidInputError(f"channel index {channel} out of range for {self.n_channels} channels")
            return int(channel) % self.n_channels
        name = channel.name if isinstance(channel, Channel) else channel
        try:
            return self.channel_names.index(name)
        except ValueError:
            raise InvalidInputError(f"no channel named {name!r}; channels are {self.channel_names}") from None

    def select(self, channels: str | int | Channel | Sequence[str | int | Channel]) -> Recording:
        """Recording with a subset of channels (names, Channels or indices), in the given order."""
        rows = [self.index(c) for c in ([channels] if isinstance(channels, (str, int, Channel)) else channels)]
        if not rows:
            raise InvalidInputError("select() needs at least one channel")
        return self.replace(data=self.data[rows], channels=[self.channels[r] for r in rows])

    def crop(self, start_s: float | None = None, stop_s: float | None = None) -> Recording:
        """Recording restricted to ``[start_s, stop_s)`` seconds (None = record edge)."""
        start = 0 if start_s is None else int(round(float(start_s) * self.fs))
        stop = self.n_samples if stop_s is None else int(round(float(stop_s) * self.fs))
        if not 0 <= start < stop <= self.n_samples:
            raise InvalidInputError(
                f"crop({start_s}, {stop_s}) is outside the record (0 to {self.duration:.3f} s) or empty"
            )
        new = self.replace(data=self.data[:, start:stop])
        new.meta["start_s"] = float(self.meta.get("start_s", 0.0)) + start / self.fs
        return new

    def quality(self) -> pd.DataFrame:
        """Per-channel quality table (clipping, flat channel, powerline share, noise); see :func:`emgkit.quality.assess`."""
        from .quality import assess

        return assess(self)

    # -- other libraries (emgkit.bridges has the way back: from_mne, from_xarray, from_dataframe) --
    def to_dataframe(self) -> pd.DataFrame:
        """One column per channel, indexed by time in s; ``attrs`` hold ``fs``, ``unit``, channels and events."""
        from ._bridge_out import to_dataframe

        return to_dataframe(self)

    def to_xarray(self) -> Any:
        """An ``xarray.DataArray`` as pyomeca's Analogs: dims ``(channel, time)``, attrs ``rate`` (Hz) and ``units``."""
        from ._bridge_out import to_xarray

        return to_xarray(self)

    def to_mne(self) -> Any:
        """An ``mne.io.RawArray`` in volts: EMG channels typed ``emg``, ``meta["events"]`` as annotations."""
        from ._bridge_out import to_mne

        return to_mne(self)

    def __repr__(self) -> str:
        names = ", ".join(self.channel_names[:6]) + (", ..." if self.n_channels > 6 else "")
        return (
            f"<Recording {self.n_channels} ch x {self.n_samples} samples @ {self.fs:g} Hz "
            f"({self.duration:.2f} s, {self.unit}, {self.data.dtype}): {names}>"
        )


def _longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True in a 1-D boolean array."""
    if not mask.any():
        return 0
    padded = np.concatenate(([0], mask.view(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return int((edges[1::2] - edges[::2]).max())
