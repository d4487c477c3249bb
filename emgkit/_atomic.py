"""Writing a file all at once or not at all, and a folder of results as one unit.

:class:`atomic_output` is how every emgkit output reaches its final name
(recordings, analysis tables, reports, batch summaries): a reader never sees
a half-written file, and a crash leaves the previous file untouched.
Re-exported as ``emgkit.io.atomic_output``.

A results folder (an analysis, with or without its report) is made whole by
its manifest (``manifest.json``, :data:`MANIFEST_NAME`): :func:`begin_results`
marks the folder "writing" before anything else is written, and
:func:`finish_results` writes the SHA-256 and size of every file last.  A
folder whose manifest is not "complete", or whose files do not match their
hashes, is an interrupted save: :func:`check_results` refuses it, and the
same command run again replaces it.  :class:`folder_lock` keeps one writer
per folder (``flock`` on the folder itself; no lock file is left behind).
See docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from pathlib import Path

from .errors import FileFormatError, InvalidInputError, OutputExistsError

__all__ = [
    "FAULT_ENV",
    "MANIFEST_NAME",
    "atomic_output",
    "begin_results",
    "check_results",
    "fault_point",
    "finish_results",
    "folder_lock",
    "remove_temporaries",
    "results_state",
    "sha256_file",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_KIND = "emgkit-results"
FAULT_ENV = "EMGKIT_FAULT_KILL_AT"
_TEMP = re.compile(r"^\..+\.tmp-[0-9a-f]{8}$")
_BLOCK = 1 << 20


class atomic_output:
    """Write a file through a temporary sibling that replaces the target on success.

    ``with atomic_output(path) as tmp:`` yields the temporary path
    (``.<name>.tmp-<random>`` in the target's folder).  On normal exit the
    temporary file is fsync'ed and moved over ``path`` (and the folder
    fsync'ed); on any exception it is deleted and ``path`` is untouched.
    Without ``overwrite`` the final move refuses to replace a file that
    appeared meanwhile (hard link where the filesystem supports it).

    Raises
    ------
    OutputExistsError
        ``path`` exists and ``overwrite`` is False.
    InvalidInputError
        ``path`` is a folder.
    FileNotFoundError
        The output folder does not exist.
    """

    def __init__(self, path, *, overwrite=False):
        if not isinstance(path, (str, os.PathLike)):
            raise InvalidInputError(f"path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")
        self.path = Path(path).expanduser()
        self.overwrite = bool(overwrite)
        if self.path.is_dir():
            raise InvalidInputError(f"output path {self.path} is a folder; give a file name such as {self.path / 'recording.h5'}")
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"output folder does not exist: {self.path.parent} (create it first)")
        if self.path.exists() and not self.overwrite:
            raise OutputExistsError(f"{self.path} already exists; pass overwrite=True to replace it")
        self.tmp = None

    def __enter__(self) -> Path:
        while True:
            tmp = self.path.with_name(f".{self.path.name}.tmp-{secrets.token_hex(4)}")
            try:
                fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                continue
            os.close(fd)
            self.tmp = tmp
            return tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self._commit()
            except BaseException:
                self._abort()
                raise
        else:
            self._abort()
        return False

    def _commit(self):
        fd = os.open(self.tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        fault_point(f"{self.path.name} written, not renamed")
        if self.overwrite:
            os.replace(self.tmp, self.path)
        else:
            self._move_no_clobber()
        self.tmp = None
        _fsync_folder(self.path.parent)
        fault_point(f"{self.path.name} renamed")

    def _move_no_clobber(self):
        try:
            os.link(self.tmp, self.path)
        except FileExistsError:
            raise OutputExistsError(
                f"{self.path} was created by someone else while writing; pass overwrite=True to replace it"
            ) from None
        except OSError:  # no hard links on this filesystem: check, then rename
            if self.path.exists():
                raise OutputExistsError(f"{self.path} already exists; pass overwrite=True to replace it") from None
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)

    def _abort(self):
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except FileNotFoundError:
                pass
            self.tmp = None


def _fsync_folder(folder: Path) -> None:
    """Persist a rename (POSIX); silently skipped where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fault_point(label: str) -> None:
    """Testing hook: SIGKILL this process group at the N-th write step (``EMGKIT_FAULT_KILL_AT="N:COUNTER"``).

    Does nothing unless the environment variable is set.  Every step (a
    temporary file written, a rename done) appends ``label`` as one line to
    the ``COUNTER`` file, shared by a command and its worker processes; the
    N-th step kills the whole process group (the command and its workers, as
    a power cut would), so run the command in its own session.  ``N = 0``
    only counts.  Used by tests/test_faults.py.
    """
    spec = os.environ.get(FAULT_ENV)
    if not spec:
        return
    n, _, counter = spec.partition(":")
    import fcntl

    with open(counter, "a+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        k = len(f.read().splitlines()) + 1
        f.write(f"{label}\n")
        f.flush()
        os.fsync(f.fileno())
    if k == int(n):
        import signal

        os.killpg(os.getpgrp(), signal.SIGKILL)


class folder_lock:
    """Hold an exclusive lock on a folder while writing in it: one writer per output folder.

    ``flock`` on the folder's own descriptor (no lock file to leave behind);
    released when the process ends, however it ends.  Threads and processes
    alike wait for each other.  Where ``fcntl`` is missing (Windows) nothing
    is locked.

    Parameters
    ----------
    folder : str or Path
        An existing folder.
    wait : bool, default True
        Wait for the other writer; False raises :class:`OutputExistsError` at once.
    on_wait : callable, optional
        Called once, with no argument, before waiting (to tell the user).
    """

    def __init__(self, folder, *, wait=True, on_wait=None):
        self.folder = Path(folder)
        self.wait = wait
        self.on_wait = on_wait
        self._fd = None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not self.wait:
                    raise OutputExistsError(f"{self.folder} is being written by another emgkit process; wait for it to "
                                            "finish or choose another output folder") from None
                if self.on_wait is not None:
                    self.on_wait()
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(self, *exc):
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor releases the lock
            self._fd = None
        return False


def remove_temporaries(folder) -> list:
    """Delete the temporary files (``.<name>.tmp-<8 hex>``) a killed writer left in ``folder``; returns their names.

    Call it only while holding :class:`folder_lock` on ``folder`` (another
    writer's temporaries are live).
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if _TEMP.match(entry.name) and entry.is_file(follow_symlinks=False):
            try:
                os.unlink(entry.path)
                removed.append(entry.name)
            except FileNotFoundError:
                pass
    return removed


def sha256_file(path) -> str:
    """SHA-256 hex digest of a file's bytes (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def _read_manifest(folder):
    try:
        doc = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"state": "damaged"}
    if not isinstance(doc, dict) or doc.get("kind") != MANIFEST_KIND:
        return {"state": "damaged"}
    return doc


def _plain(name) -> str:
    name = str(name)
    if not name or name in (".", "..") or "/" in name or "\\" in name or name == MANIFEST_NAME:
        raise InvalidInputError(f"results file name {name!r} must be a plain file name (no folder, not {MANIFEST_NAME})")
    return name


def begin_results(folder, planned, *, also=()) -> None:
    """Start (re)writing a results folder: mark it "writing", remove what an earlier save left, then write.

    The "writing" manifest is written first, so from here until
    :func:`finish_results` the folder never passes for a complete result.
    Then every file of the earlier manifest (complete or interrupted) that is
    not in ``planned``, and every stale temporary, is deleted: the folder
    cannot end up mixing two analyses.  Hold :class:`folder_lock` meanwhile.

    Parameters
    ----------
    folder : Path
        An existing folder.
    planned : list of str
        The file names this save will write.
    also : list of str
        More names to delete when present and not planned (outputs of a
        folder written before manifests existed).
    """
    folder = Path(folder)
    planned = [_plain(n) for n in planned]
    earlier = _read_manifest(folder) or {}
    listed = earlier.get("files") if isinstance(earlier.get("files"), dict) else {}
    listed = set(listed) | set(earlier.get("planned") or []) | set(also)
    doc = {"kind": MANIFEST_KIND, "state": "writing", "planned": sorted(planned)}
    with atomic_output(folder / MANIFEST_NAME, overwrite=True) as tmp:
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    for name in sorted(listed - set(planned)):
        try:
            target = folder / _plain(name)
        except InvalidInputError:
            continue  # a manifest cannot point outside its folder
        try:
            if target.is_file() and not target.is_symlink():
                target.unlink()
        except FileNotFoundError:
            pass
    remove_temporaries(folder)


def finish_results(folder, names, **fields) -> Path:
    """Write the manifest of a complete results folder: SHA-256 and size of each file in ``names``, last.

    ``fields`` (JSON values) are stored beside them (e.g. ``kind`` of result).
    """
    folder = Path(folder)
    files = {}
    for name in sorted(_plain(n) for n in names):
        path = folder / name
        files[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    doc = {**fields, "kind": MANIFEST_KIND, "state": "complete", "files": files}
    with atomic_output(folder / MANIFEST_NAME, overwrite=True) as tmp:
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return folder / MANIFEST_NAME


def results_state(folder, *, legacy_marker=None) -> str:
    """``"none"`` (no manifest), ``"complete"``, ``"writing"`` (an interrupted save) or ``"damaged"``.

    With ``legacy_marker`` (a file name), a folder without manifest holding
    that file is ``"legacy"`` (written before manifests, or by hand).
    Hashes are not checked here (:func:`check_results` does).
    """
    doc = _read_manifest(folder)
    if doc is None:
        return "legacy" if legacy_marker and (Path(folder) / legacy_marker).exists() else "none"
    state = doc.get("state")
    return state if state in ("complete", "writing") else "damaged"


def check_results(folder, *, need=()) -> dict:
    """The manifest of a complete results folder whose every listed file matches its hash; else an error.

    Parameters
    ----------
    folder : Path
    need : list of str
        Files that must be among the listed ones.

    Raises
    ------
    FileNotFoundError
        No manifest in ``folder``.
    FileFormatError
        An interrupted save, a damaged manifest, or a file missing or
        changed since the manifest was written.
    """
    folder = Path(folder)
    doc = _read_manifest(folder)
    fix = "run the same command again (with --overwrite, or Analysis.save(overwrite=True)) to rewrite it"
    if doc is None:
        raise FileNotFoundError(f"{folder} has no {MANIFEST_NAME}: not a complete emgkit result (written before manifests "
                                f"existed, or its save never began); {fix}")
    if doc.get("state") != "complete" or not isinstance(doc.get("files"), dict):
        what = "an interrupted save (killed while writing)" if doc.get("state") == "writing" else f"a damaged {MANIFEST_NAME}"
        raise FileFormatError(f"{folder} holds {what}, not a complete result; {fix}")
    files = doc["files"]
    for name in need:
        if name not in files:
            raise FileFormatError(f"{folder}/{MANIFEST_NAME} does not list {name}; {fix}")
    for name, facts in files.items():
        path = folder / _plain(name)
        try:
            ok = (path.stat().st_size == facts.get("bytes") and sha256_file(path) == facts.get("sha256"))
        except (OSError, AttributeError):
            ok = False
        if not ok:
            raise FileFormatError(f"{path} is missing or differs from the one listed in {MANIFEST_NAME} (a mixed or edited "
                                  f"folder); {fix}")
    return doc
