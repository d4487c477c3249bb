"""A Recording to pandas, xarray and MNE objects (behind ``Recording.to_dataframe``/``to_xarray``/``to_mne``).

Duck-typed on the Recording (``data``, ``fs``, ``channels``, ``unit``,
``meta``) so that :mod:`emgkit.recording` can offer the methods without an
import loop; the way back (``emgkit.from_mne`` ...) is :mod:`emgkit.bridges`,
which documents the conventions.  xarray and MNE are optional: a clear
message names the extra to install when they are missing.
"""

from __future__ import annotations

from importlib import import_module

import numpy as np

from .errors import InvalidInputError, MissingDependencyError

__all__ = ["MNE_TYPES", "VOLT_FACTORS", "require", "to_dataframe", "to_mne", "to_xarray"]

VOLT_FACTORS = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "µV": 1e-6, "nV": 1e-9}  # unit -> volts
# emgkit channel kind -> MNE channel type (EMG and undeclared channels are "emg")
MNE_TYPES = {"trigger": "stim", "angle": "misc", "force": "misc", "accelerometer": "misc", "processed": "misc",
             "unknown": "misc"}


def require(module: str, what: str):
    """Import an optional library or raise MissingDependencyError naming the extra to install."""
    try:
        return import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f"{what} needs the optional package {module!r}, which is not installed; "
            f'install it with: pip install "emgkit[interop]" (or pip install {module})'
        ) from None


def _times(rec) -> np.ndarray:
    return float(rec.meta.get("start_s", 0.0)) + np.arange(rec.data.shape[1]) / rec.fs


def to_dataframe(rec):
    """One column per channel, indexed by time in s (``time_s``); ``df.attrs`` holds ``fs``, ``unit``, ``meta``.

    Returns
    -------
    pandas.DataFrame
        Shape (n_samples, n_channels); the index is the time of each sample in
        s on the recording's clock (``meta["start_s"]`` + ``i / fs``).
    """
    import pandas as pd

    df = pd.DataFrame(rec.data.T, columns=[c.name for c in rec.channels], index=pd.Index(_times(rec), name="time_s"))
    df.attrs.update({"fs": float(rec.fs), "unit": rec.unit,
                     "channels": [{"name": c.name, "muscle": c.muscle, "side": c.side, "kind": c.kind} for c in rec.channels],
                     "events": list(rec.meta.get("events") or [])})
    return df


def to_xarray(rec):
    """A ``DataArray`` with pyomeca's conventions for analog signals.

    Dims ``("channel", "time")``; coordinates ``channel`` (names) and
    ``time`` (s, from ``meta["start_s"]``); attrs ``rate`` (Hz), ``units``,
    ``first_frame``/``last_frame`` (sample indices, as pyomeca sets them) and
    ``muscles``/``sides`` (one per channel, ``""`` when unknown).
    """
    xr = require("xarray", "Recording.to_xarray")
    n = rec.data.shape[1]
    return xr.DataArray(
        rec.data,
        dims=("channel", "time"),
        coords={"channel": [c.name for c in rec.channels], "time": _times(rec)},
        attrs={"rate": float(rec.fs), "units": rec.unit, "first_frame": 0, "last_frame": n - 1,
               "muscles": [c.muscle or "" for c in rec.channels], "sides": [c.side or "" for c in rec.channels]},
        name="emg",
    )


def to_mne(rec):
    """An ``mne.io.RawArray``: samples in volts, EMG channels typed ``emg``, events as annotations.

    Channels declared as another kind (a channel map's ``trigger``, ``force``
    ...) become ``stim``/``misc`` channels.  Events (``meta["events"]``)
    become annotations whose onset is the time after the first sample and
    whose description is the event's ``name``.

    Raises
    ------
    InvalidInputError
        The unit is not a voltage (``"a.u."``, ``"counts"``): MNE stores EMG in
        volts; give the recording its unit first (``rec.replace(data=rec.data * k, unit="V")``).
    """
    mne = require("mne", "Recording.to_mne")
    factor = VOLT_FACTORS.get(rec.unit)
    if factor is None:
        raise InvalidInputError(
            f"to_mne: the recording's unit is {rec.unit!r}, not a voltage (V, mV, uV, nV); MNE stores EMG in volts: "
            "convert it first, e.g. rec.replace(data=rec.data * 1e-3, unit='V') for millivolts"
        )
    types = [MNE_TYPES.get(c.kind, "emg") for c in rec.channels]
    info = mne.create_info([c.name for c in rec.channels], sfreq=float(rec.fs), ch_types=types)
    raw = mne.io.RawArray(rec.data.astype(np.float64) * factor, info, verbose="error")
    start = float(rec.meta.get("start_s", 0.0))
    events = rec.meta.get("events") or []
    if events:
        raw.set_annotations(mne.Annotations(
            onset=[e["time_s"] - start for e in events],
            duration=[e.get("duration_s", 0.0) for e in events],
            description=[e.get("name") or e.get("label") or "event" for e in events],
        ))
    return raw
