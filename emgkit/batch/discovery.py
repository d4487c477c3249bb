"""Which files a batch analyses, and where each one's results go.

INPUTS are files, folders (searched recursively) or glob patterns.  Every
recording gets a *relative path*: its path below the folder it was found in
(or below the fixed part of the glob), or its file name when it was named
directly.  Its results go to ``DIR/<relative path>/``; nothing read from
inside the file (subject, session...) ever takes part in the output path, so
a crafted file cannot write elsewhere.

A folder holding ``dataset_description.json`` is a **BIDS root**: its EMG
recordings (``sub-*/[ses-*/]emg/*_emg.edf|.bdf``,
:func:`emgkit.formats.bids.iter_recordings`) are taken instead of a file-name
search, and a root without any is an error saying what it holds.
"""

from __future__ import annotations

import glob as _glob
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..errors import InvalidInputError
from ..formats.bids import is_root, iter_recordings

__all__ = ["RECORDING_PATTERNS", "Job", "discover", "output_folder"]

# files picked up when searching a folder without --pattern (other formats: --pattern "*.csv")
RECORDING_PATTERNS = ("*.h5", "*.hdf5", "*.nwb", "*.mat", "*.edf", "*.bdf", "*.c3d")


@dataclass(frozen=True, order=True)
class Job:
    """One recording of a batch.

    Attributes
    ----------
    relpath : str
        POSIX relative path (``"sub01/squat.h5"``): the recording's name in
        every table and the folder of its results below the output folder.
    path : str
        Absolute path of the input file.
    """

    relpath: str
    path: str


def _magic_free_base(pattern: str) -> Path:
    """The leading part of a glob pattern without wildcards (the folder relative paths start from)."""
    parts = Path(pattern).parts
    base = []
    for part in parts:
        if _glob.has_magic(part):
            break
        base.append(part)
    return Path(*base) if base else Path(".")


def _matches(name: str, patterns) -> bool:
    from fnmatch import fnmatch

    return any(fnmatch(name.lower(), p.lower()) for p in patterns)


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _walk(folder: Path, patterns, exclude: Path | None):
    for root, dirs, files in os.walk(folder, followlinks=False):
        root_path = Path(root)
        if exclude is not None and _inside(root_path, exclude):
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and _matches(name, patterns):
                yield root_path / name


def unlisted_hint(inputs) -> str:
    """Why a folder search found nothing, for the error: which other file types the folders hold and how to take them.

    ``"; they hold 18 .txt files: add --pattern '*.txt' (and --fs when the files do not state their rate)"``,
    or ``""`` when the folders hold no other visible files.
    """
    from collections import Counter

    counts = Counter(
        Path(name).suffix.lower() for given in inputs if Path(given).expanduser().is_dir()
        for name in map(str, _walk(Path(given).expanduser(), ("*",), None)) if Path(name).suffix
    )
    if not counts:
        return ""
    suffix, n = counts.most_common(1)[0]
    return (f"; they hold {n} {suffix} file{'s' if n != 1 else ''}: add --pattern '*{suffix}'"
            " (and --fs when the files do not state their rate)")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder)
    except ValueError:
        return False
    return True


def discover(inputs, *, pattern=None, out=None) -> list[Job]:
    """Expand INPUTS into the recordings to analyse, sorted by relative path.

    Parameters
    ----------
    inputs : list of str
        Files, folders (searched recursively; hidden files and folders are
        skipped; a BIDS root gives its EMG recordings) or glob patterns
        (``"data/**/*.h5"``).
    pattern : str, optional
        File-name glob for folder searches (``"*.csv"``); default: the
        common recording extensions :data:`RECORDING_PATTERNS`.  Files named
        directly are always taken.
    out : path, optional
        The batch output folder: files inside it are never taken as inputs
        (an output folder placed inside the input folder).

    Returns
    -------
    list of Job

    Raises
    ------
    InvalidInputError
        An input that does not exist or a glob that matches nothing; two
        inputs with the same relative path (their results would collide).
    """
    patterns = (pattern,) if pattern else RECORDING_PATTERNS
    exclude = Path(out).expanduser().resolve() if out is not None else None
    found: dict[str, Job] = {}

    def add(file: Path, base: Path, given: str):
        rel = file.relative_to(base) if base != file else Path(file.name)
        relpath = PurePosixPath(*rel.parts).as_posix()
        absolute = str(file.resolve())
        old = found.get(relpath)
        if old is not None and old.path != absolute:
            raise InvalidInputError(
                f"two inputs share the relative path {relpath!r}: {old.path} and {absolute} (from {given!r}); "
                "their results would go to the same folder: run them as separate batches or pass their parent folder"
            )
        found[relpath] = Job(relpath=relpath, path=absolute)

    for text in inputs:
        given = str(text)
        path = Path(given).expanduser()
        if path.is_dir() and is_root(path) and not pattern:
            for file, _ in iter_recordings(path):
                add(file, path, given)
        elif path.is_dir():
            for file in _walk(path, patterns, exclude):
                add(file, path, given)
        elif path.is_file():
            add(path, path, given)
        elif _glob.has_magic(given):
            expanded = os.path.expanduser(given)
            base = _magic_free_base(expanded)
            hits = sorted(Path(p) for p in _glob.glob(expanded, recursive=True))
            files = [p for p in hits if p.is_file() and not _hidden(p.relative_to(base))
                     and not (exclude is not None and _inside(p, exclude))]
            if not files:
                raise InvalidInputError(f"the pattern {given!r} matches no file")
            for file in files:
                add(file, base, given)
        else:
            raise InvalidInputError(f"input {given!r} does not exist (give files, folders or glob patterns such as 'data/**/*.h5')")
    return [found[k] for k in sorted(found)]


def output_folder(out, relpath: str) -> Path:
    """``out / relpath``, refusing any relative path that would leave ``out``.

    Raises
    ------
    InvalidInputError
        ``relpath`` is absolute, empty, or contains ``..``, a backslash or a
        drive (``C:``; or resolves outside ``out`` through a symbolic link).
        Other characters legal in a file name (``trial_10:30.h5``) are kept.
    """
    rel = PurePosixPath(relpath)
    if not relpath or rel.is_absolute() or any(part in ("..", "") for part in rel.parts) or "\\" in relpath or PureWindowsPath(relpath).drive:
        raise InvalidInputError(f"relative path {relpath!r} would place results outside the output folder; refusing it")
    root = Path(out).expanduser().resolve()
    folder = root.joinpath(*rel.parts)
    if not _inside(folder, root):
        raise InvalidInputError(f"results of {relpath!r} would land in {folder.resolve()}, outside {root} (symbolic link?); refusing it")
    return folder
