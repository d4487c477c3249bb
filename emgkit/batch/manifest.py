"""What makes a recording's batch results complete and current.

After every output of a recording is written (each one atomically), the
worker writes ``batch.json`` last, holding the SHA-256 of the input's bytes (of a pair of trials: one
digest of both files, :func:`inputs_fingerprint`),
the configuration digest (:meth:`emgkit.config.Config.digest`), the emgkit
version and the size of every output file.  A rerun skips a recording only
when that manifest exists, names the same input hash, configuration and
version, and every listed output is present with the recorded size.  A batch
killed at any moment therefore leaves either a complete result with its
manifest or a result without one, which the rerun redoes.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .._version import __version__

__all__ = ["MANIFEST_NAME", "REPORT_NAME", "file_sha256", "inputs_fingerprint", "save_result", "write_manifest", "read_manifest",
           "is_current", "clear_stale"]

MANIFEST_NAME = "batch.json"
MANIFEST_KIND = "emgkit-batch-result"
REPORT_NAME = "report.html"
_BLOCK = 1 << 20


def file_sha256(path) -> str:
    """SHA-256 hex digest of a file's bytes (read in 1 MiB blocks, constant memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def _paths(inputs) -> list:
    return [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)


def inputs_fingerprint(inputs) -> tuple[str, int]:
    """``(SHA-256, bytes)`` of a result's input: one file's digest and size, or for several files (a pair of
    trials, in order) the SHA-256 of their digests joined by spaces and their total size."""
    paths = _paths(inputs)
    digests = [file_sha256(p) for p in paths]
    digest = digests[0] if len(digests) == 1 else hashlib.sha256(" ".join(digests).encode()).hexdigest()
    return digest, sum(os.stat(p).st_size for p in paths)


def save_result(folder, analysis, traces, *, plotlyjs, source) -> list[str]:
    """Write one result's tables and report as one unit (:meth:`emgkit.Analysis.save`, ``manifest.json`` last).

    Returns the file names that make up the result (for :func:`write_manifest`, which comes after).
    """
    from .._atomic import MANIFEST_NAME as RESULTS_MANIFEST
    from ..analysis import CONFIG_NAME, H5_NAME, INFO_NAME, TABLES
    from ..report_html import report

    analysis.save(folder, overwrite=True, extra={REPORT_NAME: lambda path: report(
        analysis, path, traces=traces, plotlyjs=plotlyjs, overwrite=True, source=source)})
    return [f"{t}.csv" for t in TABLES] + [CONFIG_NAME, INFO_NAME, H5_NAME, REPORT_NAME, RESULTS_MANIFEST]


def write_manifest(folder, *, relpath, input_sha256, input_bytes, config_digest, outputs) -> Path:
    """Write ``folder/batch.json`` atomically: the mark of a complete, current result.

    Parameters
    ----------
    folder : Path
        The recording's output folder.
    relpath : str
        The recording's relative path in the batch.
    input_sha256 : str
        :func:`inputs_fingerprint` of the input(s), taken before they were read.
    input_bytes : int
        Input size in bytes (both files of a pair).
    config_digest : str
        Digest of the configuration used.
    outputs : list of str
        File names (in ``folder``) that make up the result.
    """
    from ..io import atomic_output

    folder = Path(folder)
    doc = {
        "kind": MANIFEST_KIND,
        "recording": relpath,
        "input_sha256": input_sha256,
        "input_bytes": int(input_bytes),
        "config_digest": config_digest,
        "emgkit_version": __version__,
        "outputs": {name: (folder / name).stat().st_size for name in sorted(outputs)},
    }
    with atomic_output(folder / MANIFEST_NAME, overwrite=True) as tmp:
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return folder / MANIFEST_NAME


def read_manifest(folder) -> dict | None:
    """The manifest of an output folder, or None when absent or unreadable."""
    try:
        doc = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("kind") == MANIFEST_KIND else None


def is_current(folder, input_path, config_digest) -> bool:
    """True when ``folder`` holds a complete result of this exact input, configuration and emgkit version.

    ``input_path`` is one file, or the files of one result in order (a pair of trials).
    The input is hashed only when everything else matches (size first), so
    checking an unchanged batch costs one read of each input.
    """
    doc = read_manifest(folder)
    if doc is None or doc.get("config_digest") != config_digest or doc.get("emgkit_version") != __version__:
        return False
    outputs = doc.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        return False
    for name, size in outputs.items():
        try:
            if (Path(folder) / name).stat().st_size != size:
                return False
        except OSError:
            return False
    try:
        if sum(os.stat(p).st_size for p in _paths(input_path)) != doc.get("input_bytes"):
            return False
        return inputs_fingerprint(input_path)[0] == doc.get("input_sha256")
    except OSError:
        return False


def clear_stale(folder) -> None:
    """Before (re)doing a recording: remove its earlier result and temporary files left by a killed run.

    The outputs listed by an earlier manifest go first and the manifest last,
    so an interruption here still leaves no result that looks complete.
    """
    folder = Path(folder)
    doc = read_manifest(folder)
    outputs = doc.get("outputs") if doc else None
    for name in outputs if isinstance(outputs, dict) else ():
        target = folder / str(name)
        if target.parent == folder and target.is_file():  # plain names only: a manifest cannot point elsewhere
            target.unlink()
    try:
        (folder / MANIFEST_NAME).unlink()
    except FileNotFoundError:
        pass
    if folder.is_dir():
        for tmp in folder.glob(".*.tmp-*"):
            try:
                tmp.unlink()
            except OSError:
                pass


def _remove_if_empty(folder: Path) -> None:
    """Remove a recording's results folder when nothing was written into it (a file that failed early)."""
    try:
        folder.rmdir()
    except OSError:
        pass


def _one_line(exc) -> str:
    """An exception's message on one line (failures.csv, progress lines)."""
    text = " ".join(str(exc).split())
    return text or repr(exc)
