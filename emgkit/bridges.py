"""Recordings to and from MNE, xarray (pyomeca's conventions) and pandas.

=================  ==========================================  ==================================================
library            emgkit -> library                           library -> emgkit
=================  ==========================================  ==================================================
MNE-Python         ``rec.to_mne()`` / :func:`to_mne`            :func:`from_mne`: the ``emg`` channels of a Raw
xarray / pyomeca   ``rec.to_xarray()`` / :func:`to_xarray`      :func:`from_xarray`: dims ``channel`` and ``time``
pandas             ``rec.to_dataframe()`` / :func:`to_dataframe` :func:`from_dataframe`: one column per channel
=================  ==========================================  ==================================================

Conventions:

* **MNE**: samples in volts, EMG channels of type ``emg`` (channels a map
  declares as triggers become ``stim``, other non-EMG kinds ``misc``);
  ``meta["events"]`` <-> annotations (onset in s after the first sample,
  description = the event's ``name``, duration).  :func:`from_mne` keeps the
  ``emg`` channels (or ``picks=``) and refuses a Raw without any.  Through
  it every reader MNE has (Delsys, OT Bioelettronica, BrainVision, EEGLAB,
  ...) feeds emgkit: ``emgkit.from_mne(mne.io.read_raw_brainvision(path))``.
* **xarray**: pyomeca's ``Analogs``: a ``DataArray`` with dims
  ``("channel", "time")``, coordinate ``channel`` (names) and ``time`` (s),
  attrs ``rate`` (Hz) and ``units``.  :func:`from_xarray` accepts either
  dimension order and takes the rate from ``attrs["rate"]`` or a uniform
  ``time`` coordinate.
* **pandas**: one column per channel, indexed by time in s; ``df.attrs``
  carries ``fs`` and ``unit``.  :func:`from_dataframe` takes the rate from
  ``fs=``, ``df.attrs["fs"]`` or a uniform numeric index.

xarray and MNE are optional (``pip install "emgkit[interop]"``); a missing
one gives one clear message.  Round trips keep the samples (exactly for
pandas and xarray; to float64 rounding through MNE's volts), names, rate,
unit (MNE: volts) and events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._bridge_out import require, to_dataframe, to_mne, to_xarray
from ._checks import check_fs
from .channels import Channel
from .errors import InvalidInputError
from .formats._common import build_channels, uniform_rate
from .formats.events import make_event
from .recording import Recording

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["from_dataframe", "from_mne", "from_xarray", "to_dataframe", "to_mne", "to_xarray"]


def _rate_from_times(times, where: str) -> float:
    rate, problem = uniform_rate(np.asarray(times, dtype=np.float64))
    if problem is not None:
        raise InvalidInputError(f"{where}: the times are not uniformly sampled ({problem}); pass fs=HZ")
    return float(rate)


def _channels(names, muscles=None, sides=None):
    """Channels named ``names``, parsed as the file readers parse labels (a lone "biceps" among leg muscles is
    biceps femoris), with ``muscles``/``sides`` where given."""
    parsed, _ = build_channels([str(n) for n in names])
    out = []
    for i, c in enumerate(parsed):
        muscle = (muscles[i] or None) if muscles is not None else None
        side = (sides[i] or None) if sides is not None else None
        out.append(Channel(c.name, muscle=muscle or c.muscle, side=side or c.side))
    return out


# -- MNE ----------------------------------------------------------------------------------------------
def from_mne(raw: Any, *, picks: str | Sequence[str] = "emg") -> Recording:
    """A Recording (volts) from an MNE ``Raw``: its EMG channels and annotations.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Any Raw, e.g. from ``mne.io.read_raw_edf``/``read_raw_brainvision``.
    picks : "emg" or list of str, default "emg"
        The channels of type ``emg``, or these channel names (any type).

    Returns
    -------
    Recording
        ``unit="V"``, ``meta["events"]`` from the annotations (``time_s``
        from the first sample), ``meta["source"] = {"format": "MNE Raw", ...}``.

    Raises
    ------
    InvalidInputError
        ``raw`` is not an MNE Raw, or it has no channel of the picked type
        (the message lists the types it has and how to set them).
    """
    mne = require("mne", "emgkit.from_mne")
    if not isinstance(raw, mne.io.BaseRaw):
        raise InvalidInputError(f"from_mne expects an mne.io.Raw, got {type(raw).__name__}")
    types = raw.get_channel_types()
    if isinstance(picks, str) and picks == "emg":
        idx = list(mne.pick_types(raw.info, emg=True, exclude=[]))
    else:
        names = [picks] if isinstance(picks, str) else list(picks)
        unknown = [n for n in names if n not in raw.ch_names]
        if unknown:
            raise InvalidInputError(f"from_mne: no channel(s) {unknown} in the Raw; its channels are {raw.ch_names}")
        idx = [raw.ch_names.index(n) for n in names]
    if len(idx) == 0:
        have = ", ".join(f"{t} x{types.count(t)}" for t in sorted(set(types)))
        raise InvalidInputError(
            f"the MNE Raw has no EMG channels (channel types: {have}); mark them with "
            "raw.set_channel_types({'name': 'emg'}) or pass picks=[names]"
        )
    data = raw.get_data(picks=idx)
    names = [raw.ch_names[i] for i in idx]
    events = []
    ann = raw.annotations
    offset = 0.0 if ann.orig_time is None else raw.first_time
    for onset, duration, text in zip(ann.onset, ann.duration, ann.description):
        events.append(make_event(float(onset) - offset, text, source="MNE annotation",
                                 duration_s=float(duration) or None))
    meta = {"events": sorted(events, key=lambda e: e["time_s"]),
            "source": {"format": "MNE Raw", "channel_types": [types[i] for i in idx]}}
    return Recording(data, float(raw.info["sfreq"]), _channels(names), unit="V", meta=meta)


# -- xarray -------------------------------------------------------------------------------------------
def from_xarray(da: Any, *, fs: float | None = None) -> Recording:
    """A Recording from a ``DataArray`` with dims ``channel`` and ``time`` (pyomeca's ``Analogs``).

    Parameters
    ----------
    da : xarray.DataArray
        2-D, dims ``"channel"`` and ``"time"`` in either order.
    fs : float, optional
        Rate in Hz.  Default: ``da.attrs["rate"]``, else the ``time`` coordinate.

    Raises
    ------
    InvalidInputError
        Other dims, no rate, a non-uniform time coordinate.
    """
    xr = require("xarray", "emgkit.from_xarray")
    if not isinstance(da, xr.DataArray):
        raise InvalidInputError(f"from_xarray expects an xarray.DataArray, got {type(da).__name__}")
    if set(da.dims) != {"channel", "time"}:
        raise InvalidInputError(
            f"from_xarray expects dims ('channel', 'time') as pyomeca's Analogs, got {da.dims}; "
            "rename them with da.rename({'old': 'channel'})"
        )
    da = da.transpose("channel", "time")
    times = np.asarray(da["time"].values, dtype=np.float64) if "time" in da.coords else None
    if fs is None and da.attrs.get("rate") is not None:
        fs = da.attrs["rate"]
    if fs is None:
        if times is None:
            raise InvalidInputError("from_xarray: no attrs['rate'] and no time coordinate; pass fs=HZ")
        fs = _rate_from_times(times, "from_xarray")
    fs = check_fs(fs)
    names = [str(c) for c in da["channel"].values] if "channel" in da.coords else [f"ch{i + 1}" for i in range(da.shape[0])]
    muscles, sides = da.attrs.get("muscles"), da.attrs.get("sides")
    ok = all(v is not None and len(v) == len(names) for v in (muscles, sides))
    meta: dict[str, Any] = {"source": {"format": "xarray DataArray"}}
    if times is not None and times.size and times[0] != 0:
        meta["start_s"] = float(times[0])
    return Recording(np.asarray(da.values), fs, _channels(names, muscles if ok else None, sides if ok else None),
                     unit=str(da.attrs.get("units") or "a.u."), meta=meta)


# -- pandas -------------------------------------------------------------------------------------------
def from_dataframe(df: pd.DataFrame, *, fs: float | None = None, unit: str | None = None) -> Recording:
    """A Recording from a DataFrame with one column per channel (rows are samples).

    Parameters
    ----------
    df : pandas.DataFrame
        Numeric columns, one per channel.
    fs : float, optional
        Rate in Hz.  Default: ``df.attrs["fs"]``, else a uniform numeric index (s).
    unit : str, optional
        Default: ``df.attrs["unit"]``, else ``"a.u."``.

    Raises
    ------
    InvalidInputError
        Non-numeric columns (named), no rate (pass ``fs=``), a non-uniform index.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"from_dataframe expects a pandas.DataFrame, got {type(df).__name__}")
    bad = [str(c) for c in df.columns if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c])]
    if bad:
        raise InvalidInputError(f"from_dataframe: column(s) {bad} are not numeric; drop them (df.drop(columns=[...]))")
    index_is_time = pd.api.types.is_float_dtype(df.index) and not isinstance(df.index, pd.RangeIndex)
    if fs is None:
        fs = df.attrs.get("fs")
    if fs is None:
        if not index_is_time:
            raise InvalidInputError("from_dataframe: no rate: pass fs=HZ, set df.attrs['fs'] or index the rows by time in s")
        fs = _rate_from_times(df.index.to_numpy(), "from_dataframe")
    fs = check_fs(fs)
    meta: dict[str, Any] = {"source": {"format": "pandas DataFrame"}}
    if index_is_time and len(df) and float(df.index[0]) != 0:
        meta["start_s"] = float(df.index[0])
    if df.attrs.get("events"):
        meta["events"] = list(df.attrs["events"])
    described = df.attrs.get("channels")
    names = [str(c) for c in df.columns]
    if isinstance(described, list) and [d.get("name") for d in described] == names:
        channels = [Channel(d["name"], muscle=d.get("muscle"), side=d.get("side"), kind=d.get("kind")) for d in described]
    else:
        channels = _channels(names)
    unit = unit or df.attrs.get("unit") or "a.u."
    return Recording(df.to_numpy(dtype=np.float64).T, fs, channels, unit=unit, meta=meta)

