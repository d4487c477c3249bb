"""The input gate: what an input file is, checked before any reader reads it.

Every file emgkit reads passes here first (:func:`check_input_path`, called
by :func:`emgkit.formats.detect_format` and by every
:class:`emgkit.formats.FileFormat` read), so the readers only ever see a
regular file, and every refusal names the file, what was wrong and the fix:

* a **regular file** is read where it is;
* a **pipe** (``emgkit info <(cat rec.csv)``, a named FIFO) is read once,
  up to :data:`PIPE_LIMIT_BYTES`, into a private temporary copy that
  every later step (sniffing the format, reading) uses, so nothing is lost
  to a second open; a pipe that yields nothing within :data:`PIPE_WAIT_S`
  (a FIFO no program writes into) is refused instead of blocking;
* a **folder**, a **device**, a **socket**, a **symbolic-link loop** or a
  dangling link is refused with what it is.

:func:`reader_errors` wraps every reader call: an error that does not name
the file gets its name, an ``OSError`` or an unexpected exception from deep
inside a reader (a corrupt file the reader did not foresee) becomes a
:class:`~emgkit.errors.FileFormatError` naming the file, with the original as
its cause (``--debug`` shows it).  :func:`check_meta` checks the metadata
fields the analysis trusts (``powerline_hz``, event times) and
:func:`check_rate` the sampling rate (at most :data:`MAX_FS_HZ`).
"""

from __future__ import annotations

import atexit
import contextlib
import difflib
import errno
import math
import os
import select
import shutil
import stat
import tempfile
from pathlib import Path

from .errors import EmgkitError, FileFormatError, InvalidInputError

__all__ = [
    "MAX_FS_HZ", "PIPE_LIMIT_BYTES", "PIPE_WAIT_S", "check_input_path", "check_meta", "check_rate", "reader_errors",
    "source_path",
]

PIPE_LIMIT_BYTES = 100 * 2**20  # a recording given through a pipe is copied; larger ones must be saved as files
PIPE_WAIT_S = 2.0  # a pipe that yields no byte (nor its end) this long has no writer
PIPE_STALL_S = 60.0
MAX_FS_HZ = 1e6  # Hz: a stated rate above this is an error in the file, not a recording  # a writer silent this long after its first bytes has stalled

_SPOOLED: dict[str, Path] = {}  # pipe path as given -> its private copy
_SPOOL_DIR: list[Path] = []


def check_input_path(path) -> Path:
    """``path`` as a :class:`~pathlib.Path` to a readable file, or an error saying what it is instead.

    A pipe is copied once (see the module docstring); :func:`source_path`
    then gives the copy.

    Raises
    ------
    InvalidInputError
        ``path`` is not a str/path-like, or is a folder, a device, a socket,
        a symbolic-link loop, an empty, stalled or oversized pipe.
    FileNotFoundError
        ``path`` does not exist; the message lists similar names in its folder.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidInputError(f"path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")
    path = Path(path).expanduser()
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(_missing(path)) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InvalidInputError(
                f"{path} is a symbolic link that leads back to itself (a link loop), not a file; "
                "point the link at the recording file or pass the file itself"
            ) from None
        if exc.errno == errno.ENAMETOOLONG:
            raise InvalidInputError(f"{str(path)[:200]}...: the file name is too long for this system") from None
        raise
    if stat.S_ISREG(mode):
        return path
    if stat.S_ISDIR(mode):
        raise InvalidInputError(f"{path} is a folder, not a recording file; pass one file (emgkit batch reads folders)")
    if stat.S_ISFIFO(mode):
        if str(path) not in _SPOOLED:
            _SPOOLED[str(path)] = _spool(path)
        return path
    what = {stat.S_ISCHR(mode): "a character device (a terminal, /dev/zero, ...)",
            stat.S_ISBLK(mode): "a block device (a disk)", stat.S_ISSOCK(mode): "a socket"}.get(True, "a special file")
    raise InvalidInputError(f"{path} is {what}, not a recording file; save the recording to a file and pass that")


def source_path(path) -> Path:
    """Where the content of ``path`` is read from: its private copy for a pipe, else ``path`` itself."""
    path = Path(path).expanduser()
    return _SPOOLED.get(str(path), path)


def _missing(path: Path) -> str:
    if path.is_symlink():
        return f"no such file: {path} is a symbolic link to {os.readlink(path)}, which does not exist"
    hint = ""
    if path.parent.is_dir():
        try:
            names = [p.name for p in path.parent.iterdir()]
        except OSError:
            names = []
        close = difflib.get_close_matches(path.name, names, n=3)
        if close:
            hint = f"; similar names in {path.parent}: {', '.join(close)}"
        elif not path.is_absolute():
            hint = f"; check the path (relative to the current folder {Path.cwd()})"
    elif str(path.parent) not in ("", "."):
        hint = f"; the folder {path.parent} does not exist either"
    return f"no such file: {path}{hint}"


def _spool(path: Path) -> Path:
    """Copy the pipe ``path`` into a private temporary file (at most :data:`PIPE_LIMIT_BYTES`)."""
    if not _SPOOL_DIR:
        _SPOOL_DIR.append(Path(tempfile.mkdtemp(prefix="emgkit-pipe-")))
        atexit.register(shutil.rmtree, _SPOOL_DIR[0], True)
    target = _SPOOL_DIR[0] / f"{len(_SPOOLED)}-{path.name}"
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    size, first = 0, True
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP)
        with open(target, "wb") as out:
            while True:
                wait = PIPE_WAIT_S if first else PIPE_STALL_S
                if not poller.poll(wait * 1000):
                    if first:
                        raise InvalidInputError(
                            f"{path} is a pipe that gave no data in {wait:g} s (a named pipe no program writes into?); "
                            "start the program that writes into it, or save the recording to a file and pass that"
                        )
                    raise InvalidInputError(f"{path}: the pipe stopped sending data for {wait:g} s; save the recording "
                                            "to a file and pass that")
                try:
                    block = os.read(fd, 1 << 20)
                except BlockingIOError:
                    continue
                if not block:
                    break
                first = False
                size += len(block)
                if size > PIPE_LIMIT_BYTES:
                    raise InvalidInputError(
                        f"{path} is a pipe sending more than {PIPE_LIMIT_BYTES // 2**20} MiB, the most emgkit copies from "
                        "a pipe; save the recording to a file and pass that"
                    )
                out.write(block)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)
    if size == 0:
        target.unlink(missing_ok=True)
        raise InvalidInputError(f"{path} is a pipe that ended without sending any data; check the command writing into it")
    return target


@contextlib.contextmanager
def reader_errors(path, fmt: str):
    """Run a reader on ``path``: yields the path to read from; every error leaving it names ``path``.

    * an emgkit error keeps its class; the private copy of a pipe is replaced
      by ``path`` in its message, and ``path`` is put in front when missing;
    * an ``OSError`` (I/O error, a truncated file) becomes a
      :class:`FileFormatError` naming the file;
    * ``MemoryError`` and any other exception from the reader (the file broke
      an assumption the reader did not check) become a
      :class:`FileFormatError` naming the file and the ``fmt`` reader, with
      the original exception as ``__cause__``.
    """
    path = Path(path).expanduser()
    source = source_path(path)
    try:
        yield source
    except EmgkitError as exc:
        message = str(exc).replace(str(source), str(path))
        if str(path) not in message:
            message = f"{path}: {message}"
        if message == str(exc):
            raise
        try:
            renamed = type(exc)(message)
        except TypeError:  # a subclass with another signature: keep it as it is
            raise exc from None
        raise renamed.with_traceback(exc.__traceback__) from exc.__cause__
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except FileNotFoundError as exc:
        if Path(exc.filename or "") in (source, path):
            raise
        raise FileFormatError(
            f"{path}: refers to another file that does not exist ({exc.filename}); emgkit reads only what the "
            "recording itself holds: copy the data into the file"
        ) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise FileFormatError(
            f"{path}: could not be read ({reason}); the file is probably truncated or corrupt: copy it again from "
            "its source"
        ) from exc
    except MemoryError as exc:
        raise FileFormatError(
            f"{path}: reading it needs more memory than is available (the file declares more data than it "
            "holds, or is larger than memory); check the file, or read a part with start=/stop="
        ) from exc
    except Exception as exc:  # a reader tripped over a malformed file
        detail = str(exc).replace(str(source), str(path))
        detail = detail if len(detail) <= 200 else detail[:197] + "..."
        raise FileFormatError(
            f"{path}: the {fmt} reader could not make sense of this file ({type(exc).__name__}: {detail}); it is "
            f"probably corrupt or not a valid {fmt} file: copy it again from its source (--debug shows where it failed)"
        ) from exc


def check_rate(fs: float, where) -> None:
    """Refuse a sampling rate above :data:`MAX_FS_HZ`: a rate no EMG front end has is a wrong rate.

    Filters designed for 1e12 Hz are unstable and buffers sized by it do not
    fit in memory, so a file stating one is refused before any analysis.
    """
    if fs > MAX_FS_HZ:
        raise FileFormatError(
            f"{where}: sampling rate {fs:g} Hz is beyond any EMG front end (at most {MAX_FS_HZ:g} Hz); the rate in "
            "the file is wrong: correct it, or pass the true rate (fs=<Hz>, --fs on the command line)"
        )


def check_meta(meta: dict, where) -> None:
    """Refuse metadata fields the analysis would trust but cannot use.

    * ``powerline_hz``: absent, None, 50 or 60 (mains frequency in Hz);
    * ``events``: in a list of event dicts, every ``time_s`` and
      ``duration_s`` given is a finite number of seconds.

    Raises
    ------
    FileFormatError
        Naming ``where`` (the file), the field and the fix.
    """
    line = meta.get("powerline_hz")
    if line is not None:
        ok = isinstance(line, (int, float)) and not isinstance(line, bool) and line in (50, 60)
        if not ok:
            raise FileFormatError(
                f"{where}: metadata powerline_hz = {_short(line)} is not a mains frequency (50 or 60 Hz); "
                "correct it in the file or remove it (emgkit then measures both 50 and 60 Hz)"
            )
    events = meta.get("events")
    if not isinstance(events, list):  # events of another shape are kept as they are; emgkit reads only lists
        return
    for k, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        for key in ("time_s", "duration_s"):
            if key not in event or (key == "duration_s" and event[key] is None):
                continue
            value = event[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                label = _short(event.get("label", ""))
                raise FileFormatError(
                    f"{where}: event {k} ({label}) has {key} = {_short(value)}, not a finite time in seconds; "
                    "correct or remove that event in the file"
                )


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
