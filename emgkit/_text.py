"""Text read from files, made safe to print on a terminal."""

from __future__ import annotations

__all__ = ["printable"]


def printable(text) -> str:
    """``text`` with control characters (ESC, BEL, CR, ..., but not tab) escaped as ``\\xNN``/``\\uNNNN``.

    Channel names and other strings read from a file are untrusted: an
    escape sequence in a label could rewrite the terminal.  Newlines are
    escaped too, so one value always prints on one line.

    Examples
    --------
    >>> printable("CH1\\x1b[2J Raw")
    'CH1\\\\x1b[2J Raw'
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == "\t" else repr(ch)[1:-1] for ch in text)
