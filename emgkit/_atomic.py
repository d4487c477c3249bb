"""Writing a file all at once or not at all: a temporary sibling renamed over the target.

:class:`atomic_output` is how every emgkit output reaches its final name
(recordings, analysis tables, reports, batch summaries): a reader never sees
a half-written file, and a crash leaves the previous file untouched.
Re-exported as ``emgkit.io.atomic_output``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .errors import InvalidInputError, OutputExistsError

__all__ = ["atomic_output"]


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
        if self.overwrite:
            os.replace(self.tmp, self.path)
        else:
            self._move_no_clobber()
        self.tmp = None
        _fsync_folder(self.path.parent)

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
