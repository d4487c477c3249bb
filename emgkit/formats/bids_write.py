"""Writing a Recording into a BIDS-EMG tree (BDF+ and its sidecars); :mod:`emgkit.formats.bids` reads it back.

Files written for ``sub-<s>[_ses-<x>]_task-<t>[_acq-<a>][_run-<r>]``, below
``<root>/sub-<s>/[ses-<x>/]emg/``:

* ``..._emg.bdf``: the samples (:func:`emgkit.formats.export.write_bdf`, µV).
* ``..._emg.json``: ``TaskName``, ``SamplingFrequency``, ``PowerLineFrequency``
  (``meta["powerline_hz"]`` or ``"n/a"``), ``SoftwareFilters`` (``"n/a"``: the
  samples are as recorded), ``EMGReference`` and ``EMGPlacementScheme``
  (``"Other"`` with ``EMGPlacementSchemeDescription``, since emgkit does not
  know them: edit these before sharing), ``RecordingType``,
  ``RecordingDuration``, ``EMGChannelCount``.
* ``..._channels.tsv``: ``name`` (the BDF label), ``type`` (``EMG``, ``TRIG``
  or ``MISC``), ``units``, ``description`` (the full channel name),
  ``sampling_frequency``, ``target_muscle`` (words, e.g. ``biceps brachii``),
  ``status`` (``good``), ``status_description``, and ``side`` (``L``/``R``,
  a column BIDS does not define, described in ``..._channels.json``).
* ``..._events.tsv`` (when the recording has events): ``onset`` (s from the
  first sample), ``duration``, ``trial_type`` (the event's name).
* ``<root>/dataset_description.json`` when the root has none.

Every file is written atomically; an existing file is an error unless
``overwrite``.  Entity labels must be letters and digits (BIDS); anything
read from the recording goes through that check, so no file name can leave
the root.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from .._atomic import atomic_output
from .._version import __version__
from ..recording import Recording
from .bids import check_entity_label
from .export import bdf_labels, write_bdf

__all__ = ["BIDS_VERSION", "bids_path", "write_bids"]

BIDS_VERSION = "1.11.0"  # the first BIDS release with EMG (BEP 042)
_TYPES = {"trigger": "TRIG"}


def _write_text(path: Path, text: str, overwrite: bool) -> None:
    with atomic_output(path, overwrite=overwrite) as tmp:
        Path(tmp).write_text(text, encoding="utf-8", newline="\n")


def _tsv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def bids_path(root, *, subject, task, session=None, acquisition=None, run=None) -> Path:
    """``<root>/sub-<s>/[ses-<x>/]emg/<entities>_emg.bdf`` for these labels (checked: letters and digits only)."""
    parts = [("sub", subject), ("ses", session), ("task", task), ("acq", acquisition), ("run", run)]
    labels = {k: check_entity_label(k, v) for k, v in parts if v is not None}
    folder = Path(root).expanduser() / f"sub-{labels['sub']}"
    if "ses" in labels:
        folder = folder / f"ses-{labels['ses']}"
    return folder / "emg" / ("_".join(f"{k}-{v}" for k, v in labels.items()) + "_emg.bdf")


def write_bids(rec: Recording, root, *, subject, task, session=None, acquisition=None, run=None,
               overwrite: bool = False) -> Path:
    """Write ``rec`` as one BIDS-EMG recording below ``root``; returns the path of the ``_emg.bdf`` file.

    Parameters
    ----------
    rec : Recording
        In a voltage unit (V, mV, uV).
    root : path
        The dataset's root folder (created when missing).
    subject, task : str
        BIDS labels (letters and digits).
    session, acquisition, run : str or int, optional

    Raises
    ------
    InvalidInputError
        A label with other characters, a unit that is not a voltage.
    OutputExistsError
        A file exists and ``overwrite`` is False.
    """
    root = Path(root).expanduser()
    target = bids_path(root, subject=subject, task=task, session=session, acquisition=acquisition, run=run)
    folder, stem = target.parent, target.name[: -len("_emg.bdf")]
    labels = dict(part.split("-", 1) for part in stem.split("_"))
    folder.mkdir(parents=True, exist_ok=True)
    description = root / "dataset_description.json"
    if not description.exists():
        _write_text(description, json.dumps({
            "Name": "EMG recordings converted by emgkit", "BIDSVersion": BIDS_VERSION, "DatasetType": "raw",
            "GeneratedBy": [{"Name": "emgkit", "Version": __version__}],
        }, indent=2) + "\n", overwrite=False)

    bdf = write_bdf(rec, folder / f"{stem}_emg.bdf", overwrite=overwrite)
    n_emg = sum(_TYPES.get(c.kind or "", "EMG" if c.kind in (None, "emg") else "MISC") == "EMG" for c in rec.channels)
    sidecar = {
        "TaskName": labels["task"],
        "SamplingFrequency": float(rec.fs),
        "PowerLineFrequency": rec.meta.get("powerline_hz", "n/a"),
        "SoftwareFilters": "n/a",
        "EMGReference": "n/a",
        "EMGPlacementScheme": "Other",
        "EMGPlacementSchemeDescription": "not recorded in the source file; see channels.tsv target_muscle and side",
        "RecordingType": "continuous",
        "RecordingDuration": round(rec.duration, 6),
        "EMGChannelCount": n_emg,
    }
    _write_text(folder / f"{stem}_emg.json", json.dumps(sidecar, indent=2) + "\n", overwrite)
    rows = []
    for c, label in zip(rec.channels, bdf_labels(rec)):
        kind = _TYPES.get(c.kind or "", "EMG" if c.kind in (None, "emg") else "MISC")
        rows.append({"name": label, "type": kind, "units": "uV", "description": c.name,
                     "sampling_frequency": f"{rec.fs:g}", "target_muscle": (c.muscle or "n/a").replace("_", " "),
                     "status": "good", "status_description": "n/a", "side": c.side or "n/a"})
    _write_text(folder / f"{stem}_channels.tsv", _tsv(rows), overwrite)
    _write_text(folder / f"{stem}_channels.json", json.dumps(
        {"side": {"Description": "body side of the target muscle", "Levels": {"L": "left", "R": "right"}}},
        indent=2) + "\n", overwrite)
    events = rec.meta.get("events") or []
    if events:
        start = float(rec.meta.get("start_s", 0.0))
        ev_rows = [{"onset": f"{e['time_s'] - start:.6f}", "duration": f"{e.get('duration_s', 0.0):.6f}",
                    "trial_type": e.get("name") or e.get("label") or "event"} for e in events]
        _write_text(folder / f"{stem}_events.tsv", _tsv(ev_rows), overwrite)
    return bdf
