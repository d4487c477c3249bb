"""Notes met on the way, passed explicitly, and the one helper that turns a note into a warning.

A computation that meets a caveat (clipping, no rest, a lowered filter
corner) adds it to the :class:`Notes` it was handed; nothing is collected
from the process-wide warning machinery, so two analyses running in two
threads keep their own notes.  Public functions called directly by a user
report through :func:`warn`, which issues a :class:`SignalQualityWarning`
pointing at the first frame outside emgkit (the user's line) and logs the
same text on the ``"emgkit"`` logger.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

from .errors import SignalQualityWarning

__all__ = ["Notes", "warn", "logger"]

logger = logging.getLogger("emgkit")


class Notes:
    """Ordered caveats of one computation, each kept once.

    Parameters
    ----------
    items : iterable of str, optional
        Notes to start with.

    Examples
    --------
    >>> notes = Notes(["a"])
    >>> notes.add("b"); notes.add("a")
    >>> list(notes)
    ['a', 'b']
    """

    def __init__(self, items=()):
        self._items: list[str] = []
        self._warned: list[str] = []
        for item in items:
            self.add(item)

    def add(self, text, *, warn=False) -> None:
        """Keep ``text`` (once); ``warn=True`` also marks it to be issued as a warning by :meth:`emit`."""
        text = str(text)
        if text not in self._items:
            self._items.append(text)
            logger.info(text)
        if warn and text not in self._warned:
            self._warned.append(text)

    def extend(self, other) -> None:
        """Add every note of ``other`` (a :class:`Notes` keeps its warning marks)."""
        warned = set(other._warned) if isinstance(other, Notes) else set()
        for text in other:
            self.add(text, warn=text in warned)

    def emit(self) -> None:
        """Issue every note marked ``warn`` as a :class:`SignalQualityWarning` at the caller's line."""
        for text in self._warned:
            warnings.warn(text, SignalQualityWarning, stacklevel=_outside_level())

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)

    def __contains__(self, text):
        return text in self._items

    def __repr__(self):
        return f"Notes({self._items!r})"


def warn(text, notes=None, category=SignalQualityWarning) -> None:
    """Report a caveat: into ``notes`` when given, else as a warning at the user's line (and the log).

    Parameters
    ----------
    text : str
    notes : Notes, optional
        The notes of the computation in progress; when given nothing is
        warned (the caller decides what reaches the user).
    category : type of Warning, default SignalQualityWarning
    """
    if notes is not None:
        notes.add(text)
        return
    logger.warning(text)
    warnings.warn(str(text), category, stacklevel=_outside_level())


def _package_dirs() -> tuple[str, ...]:
    dirs = []
    for name in ("emgkit", "emgkit.kernels", "emgkit.datasets"):
        module = sys.modules.get(name)
        path = getattr(module, "__file__", None)
        if path:
            dirs.append(os.path.dirname(os.path.realpath(path)) + os.sep)
    return tuple(dirs)


def _outside_level() -> int:
    """``stacklevel`` for :func:`warnings.warn` called from the caller of this function: the first frame outside emgkit."""
    inside = _package_dirs()
    frame = sys._getframe(1)  # the function that will call warnings.warn: stacklevel 1
    level = 1
    while frame is not None and os.path.realpath(frame.f_code.co_filename).startswith(inside):
        frame = frame.f_back
        level += 1
    return level
