"""BIDS-EMG datasets: find the recordings of a BIDS root and read one with its sidecars.

A BIDS-EMG recording is ``sub-<label>/[ses-<label>/]emg/<entities>_emg.{edf,bdf}``
below a folder holding ``dataset_description.json`` (the *root*).  Its
samples are read by the EDF/BDF reader (:mod:`emgkit.formats.edf`); this
module adds what the sidecars say:

* **Sidecars by inheritance** (BIDS inheritance principle): ``*_emg.json``,
  ``*_channels.tsv`` and ``*_events.tsv`` are looked up in every folder from
  the root down to the recording's, taking files whose entities are a subset
  of the recording's (``task-gait_emg.json`` at the root applies to every
  gait recording).  JSON sidecars are merged, the nearest winning key by
  key; for a TSV the nearest file is used.
* ``_channels.tsv``: rows whose ``status`` is ``bad`` are **left out**, with a
  note in ``meta["bids"]["bad_channels"]`` (name and ``status_description``);
  ``target_muscle`` (or ``muscle``) and ``side`` name a channel's muscle
  and side when its label does not; a label cut to EDF's 16 characters
  takes back its full name from ``description`` when that starts with it
  (as ``emgkit convert --to bids`` writes it).
* ``_events.tsv``: ``onset`` (s from the first sample), ``duration`` and
  ``trial_type`` (else ``value``) become ``meta["events"]``, replacing the
  file's EDF+ annotations, so cycles can be cut at them.
* ``_emg.json``: ``PowerLineFrequency`` -> ``meta["powerline_hz"]``; the
  whole merged sidecar -> ``meta["bids"]["sidecar"]``.
* Entities: ``meta["subject"]``, ``session``, ``task``, ``acquisition``,
  ``run`` (strings, from the file name, never used to build a path).

:func:`iter_recordings` yields ``(path, entities)`` for every EMG recording
of a root (``emgkit batch`` and ``emgkit study`` use it).  Writing a
BIDS-EMG tree: :mod:`emgkit.formats.bids_write`.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import FileFormatError, InvalidInputError
from .edf import OPTIONS as EDF_OPTIONS
from .edf import read_edf, sniff_edf
from .events import make_event, side_from_text

BDF_LABEL_CHARS = 16  # EDF/BDF labels are 16 characters

__all__ = [
    "DATA_EXTENSIONS",
    "ENTITIES",
    "OPTIONS",
    "entities",
    "find_root",
    "is_root",
    "iter_recordings",
    "read_bids",
    "sidecars",
    "sniff_bids",
]

OPTIONS = EDF_OPTIONS
ENTITIES = {"sub": "subject", "ses": "session", "task": "task", "acq": "acquisition", "run": "run"}
DATA_EXTENSIONS = (".edf", ".bdf")
_ENTITY = re.compile(r"^([a-zA-Z]+)-([a-zA-Z0-9]+)$")


def is_root(folder: Path) -> bool:
    """A folder holding ``dataset_description.json``."""
    return (Path(folder) / "dataset_description.json").is_file()


def find_root(path: Path) -> Path | None:
    """The BIDS root above ``path`` (at most 4 levels: ``root/sub/ses/emg/file``), or None."""
    for parent in list(Path(path).resolve().parents)[:4]:
        if is_root(parent):
            return parent
    return None


def entities(name: str) -> tuple[dict[str, str], str]:
    """``({key: label}, suffix)`` of a BIDS file name (``sub-01_task-gait_emg.bdf`` -> ``{sub: 01, task: gait}``, ``emg``)."""
    stem = name.split(".", 1)[0]
    parts = stem.split("_")
    found = {}
    for part in parts[:-1]:
        m = _ENTITY.match(part)
        if m:
            found[m.group(1)] = m.group(2)
    return found, parts[-1]


def _named(ents: dict) -> dict:
    return {ENTITIES[k]: v for k, v in ents.items() if k in ENTITIES}


def sniff_bids(path: Path, head: bytes) -> bool:
    """An EDF/BDF file named ``*_emg.edf``/``*_emg.bdf`` inside a BIDS root."""
    if path.suffix.lower() not in DATA_EXTENSIONS or not path.stem.endswith("_emg"):
        return False
    return sniff_edf(path, head) and find_root(path) is not None


def iter_recordings(root) -> Iterator[tuple[Path, dict]]:
    """Every EMG recording of a BIDS root: ``(path, entities)`` in sorted order.

    Parameters
    ----------
    root : path
        The folder holding ``dataset_description.json``.

    Yields
    ------
    path : Path
        ``sub-*/[ses-*/]emg/*_emg.edf`` or ``.bdf``.
    entities : dict
        ``subject``, ``session``, ``task``, ``acquisition``, ``run`` found in
        the file name (absent keys left out).

    Raises
    ------
    InvalidInputError
        ``root`` is not a BIDS root, or it holds no EMG recording (one line
        saying what the root holds instead).
    """
    root = Path(root).expanduser()
    if not is_root(root):
        raise InvalidInputError(f"{root} is not a BIDS root (no dataset_description.json in it)")
    files = sorted({*root.glob("sub-*/emg/*_emg.*"), *root.glob("sub-*/ses-*/emg/*_emg.*")})
    data = [p for p in files if p.suffix.lower() in DATA_EXTENSIONS and p.is_file()]
    if not data:
        kinds = sorted({p.name for p in root.glob("sub-*/*") if p.is_dir()} |
                       {p.name for p in root.glob("sub-*/ses-*/*") if p.is_dir()})
        subjects = len(list(root.glob("sub-*")))
        raise InvalidInputError(
            f"the BIDS root {root} holds no EMG recording (sub-*/[ses-*/]emg/*_emg.edf or .bdf): "
            f"{subjects} subject folder(s), data types found: {', '.join(kinds) or 'none'}"
        )
    for path in data:
        yield path, _named(entities(path.name)[0])


# -- sidecars by inheritance --------------------------------------------------------------------------
def sidecars(path: Path, suffix: str, extension: str, root: Path | None = None) -> list[Path]:
    """Sidecars ``*_<suffix><extension>`` that apply to ``path``, from the root down to its folder (nearest last)."""
    path = Path(path).resolve()
    root = (root or find_root(path) or path.parent).resolve()
    own, _ = entities(path.name)
    folders = [path.parent, *path.parent.parents]
    chain = []
    for folder in folders:
        chain.append(folder)
        if folder == root:
            break
    found = []
    for folder in reversed(chain):
        hits = []
        for candidate in sorted(folder.glob(f"*_{suffix}{extension}")) + sorted(folder.glob(f"{suffix}{extension}")):
            ents, suf = entities(candidate.name)
            if suf == suffix and all(own.get(k) == v for k, v in ents.items()):
                hits.append((len(ents), candidate))
        found.extend(p for _, p in sorted(hits))  # fewer entities first: the more specific wins
    return found


def _read_tsv(path: Path) -> list[dict]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh, delimiter="\t")]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FileFormatError(f"{path}: not a readable tab-separated table ({exc})") from None


def _merged_json(files: list[Path]) -> dict:
    out: dict = {}
    for js in files:
        try:
            doc = json.loads(js.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FileFormatError(f"{js}: the BIDS sidecar is not valid JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise FileFormatError(f"{js}: a BIDS sidecar must hold a JSON object")
        out.update(doc)
    return out


def _number(text) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _events(rows: list[dict], where: Path) -> list[dict]:
    if rows and "onset" not in rows[0]:
        raise FileFormatError(f"{where}: a BIDS events.tsv needs an 'onset' column; found {list(rows[0])}")
    events = []
    for row in rows:
        onset = _number(row.get("onset"))
        if onset is None:
            continue
        label = next((row[k] for k in ("trial_type", "value") if row.get(k) and row[k] != "n/a"), "event")
        events.append(make_event(onset, label, side=side_from_text(label), source="BIDS events.tsv",
                                 duration_s=_number(row.get("duration"))))
    return sorted(events, key=lambda e: e["time_s"])


# -- reading ---------------------------------------------------------------------------------------------
def read_bids(path, channels=None, start=None, stop=None, **options):
    """Read a BIDS-EMG recording with its inherited sidecars (module notes); options as the EDF reader's.

    Raises
    ------
    FileFormatError
        A sidecar that is not valid JSON/TSV, an events.tsv without ``onset``,
        every channel marked bad.
    """
    path = Path(path)
    root = find_root(path)
    channel_files = sidecars(path, "channels", ".tsv", root)
    rows = {r.get("name", ""): r for r in _read_tsv(channel_files[-1])} if channel_files else {}
    bad = {name: r.get("status_description", "") for name, r in rows.items() if r.get("status", "").lower() == "bad"}
    rec = read_edf(path, **options)
    keep = [c for c in rec.channels if c.name not in bad]
    if not keep:
        raise FileFormatError(f"{path}: every EMG channel is marked bad in {channel_files[-1].name}; nothing to analyse")
    if len(keep) < rec.n_channels:
        rec = rec.select([c.name for c in keep])
    relabelled = []
    for c in rec.channels:
        row = rows.get(c.name, {})
        muscle = c.muscle or next((row[k] for k in ("target_muscle", "muscle") if row.get(k) and row[k] != "n/a"), None)
        side = c.side or (row.get("side") if row.get("side") not in (None, "", "n/a") else None)
        full = row.get("description", "")
        name = full if len(c.name) == BDF_LABEL_CHARS and full.startswith(c.name) else c.name  # EDF cuts labels
        changed = (name, muscle, side) != (c.name, c.muscle, c.side)
        relabelled.append(type(c)(name, muscle=muscle, side=side, kind=c.kind) if changed else c)
    sidecar = _merged_json(sidecars(path, "emg", ".json", root))
    meta = rec.meta
    meta.update(_named(entities(path.name)[0]))
    event_files = sidecars(path, "events", ".tsv", root)
    bids = {"root": str(root) if root else None, "sidecar": sidecar,
            "bad_channels": [{"name": n, "reason": why or "status bad"} for n, why in bad.items()],
            "files": [p.name for p in [*channel_files[-1:], *event_files[-1:]]]}
    if event_files:
        meta["events"] = _events(_read_tsv(event_files[-1]), event_files[-1])
        bids["events_from"] = event_files[-1].name
    line = _number(sidecar.get("PowerLineFrequency"))
    if line:
        meta["powerline_hz"] = line
    meta["bids"] = bids
    rec = rec.replace(channels=relabelled, meta=meta)
    if channels is not None or start is not None or stop is not None:
        from .._reader import RecordingFile

        with RecordingFile.from_recording(rec, path=path) as handle:
            rec = handle.read(channels=channels, start=start, stop=stop)
    return rec


def check_entity_label(key: str, value) -> str:
    """A BIDS label (letters and digits only) for entity ``key``, or InvalidInputError saying how to fix it."""
    text = str(value)
    if not re.fullmatch(r"[A-Za-z0-9]+", text):
        cleaned = re.sub(r"[^A-Za-z0-9]", "", text)
        raise InvalidInputError(f"BIDS {key} label {text!r} may hold only letters and digits; e.g. {cleaned or 'x01'!r}")
    return text
