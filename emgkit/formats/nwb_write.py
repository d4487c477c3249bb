"""Writing a Recording as an NWB 2.x file with pynwb (optional extra ``emgkit[nwb]``).

The file holds one ``ElectricalSeries`` named ``EMG`` in ``/acquisition``:
samples as float32 or float64 as in the Recording, ``conversion`` to volts
from the unit, ``starting_time`` = ``meta["start_s"]`` with the rate;
one electrode per channel in the electrodes table with ``label`` (the
channel name), ``location`` (``"left biceps brachii"`` when known) and one
electrode group per side.  Events become an ``AnnotationSeries`` named
``events`` (text = the event's name).  :mod:`emgkit.formats.nwb` reads it
back.  pynwb writes the specifications into the file, so other NWB tools
(pynwb, MatNWB, NWB Inspector) open it.
"""

from __future__ import annotations

import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .._atomic import atomic_output
from ..errors import InvalidInputError
from ..recording import Recording
from ._common import require, volt_factor

__all__ = ["write_nwb"]

_SIDES = {"L": "left", "R": "right"}


def write_nwb(rec: Recording, path, *, overwrite: bool = False) -> Path:
    """Write ``rec`` as an NWB file (see module notes); returns the path.

    Raises
    ------
    InvalidInputError
        The unit is not a voltage (NWB's ElectricalSeries is in volts).
    MissingDependencyError
        pynwb is not installed (``pip install "emgkit[nwb]"``).
    """
    pynwb = require("pynwb", "nwb", "NWB")
    from pynwb.ecephys import ElectricalSeries
    from pynwb.misc import AnnotationSeries

    factor = volt_factor(rec.unit)
    if factor is None:
        raise InvalidInputError(f"cannot write NWB: the unit {rec.unit!r} is not a voltage (V, mV, uV); "
                                "an ElectricalSeries is in volts: convert the recording first")
    path = Path(path)
    start = rec.meta.get("start_datetime")
    try:
        session_start = datetime.fromisoformat(str(start)) if start else datetime(1970, 1, 1, tzinfo=UTC)
    except ValueError:
        session_start = datetime(1970, 1, 1, tzinfo=UTC)
    if session_start.tzinfo is None:
        session_start = session_start.replace(tzinfo=UTC)
    nwb = pynwb.NWBFile(session_description=str(rec.meta.get("task") or "EMG recording"),
                        identifier=str(uuid.uuid4()), session_start_time=session_start,
                        source_script="written by emgkit", source_script_file_name="emgkit")
    device = nwb.create_device(name="EMG amplifier", description="not recorded in the source file")
    groups = {}
    nwb.add_electrode_column(name="label", description="channel name")
    for c in rec.channels:
        side = _SIDES.get(c.side or "", "unknown side")
        if side not in groups:
            groups[side] = nwb.create_electrode_group(name=f"EMG {side}", description=f"surface EMG, {side}",
                                                      location=side, device=device)
        location = " ".join(w for w in (_SIDES.get(c.side or ""), (c.muscle or "").replace("_", " ")) if w) or "unknown"
        nwb.add_electrode(group=groups[side], location=location, label=c.name)
    region = nwb.create_electrode_table_region(list(range(rec.n_channels)), "the EMG channels")
    nwb.add_acquisition(ElectricalSeries(name="EMG", data=np.ascontiguousarray(rec.data.T), electrodes=region,
                                         rate=float(rec.fs), starting_time=float(rec.meta.get("start_s", 0.0)),
                                         conversion=float(factor), description=f"surface EMG, stored in {rec.unit}"))
    events = rec.meta.get("events") or []
    if events:  # AnnotationSeries: what NWB readers (emgkit's included) know; pynwb 4 prefers an EventsTable
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            series = AnnotationSeries(name="events", data=[e.get("name") or e.get("label") for e in events],
                                             timestamps=[float(e["time_s"]) for e in events],
                                             description="events of the source recording")
        nwb.add_acquisition(series)
    with atomic_output(path, overwrite=overwrite) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the temporary name does not end in .nwb
        with pynwb.NWBHDF5IO(str(tmp), "w") as io:
            io.write(nwb)
    return path
