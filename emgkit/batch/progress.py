"""Progress of a batch: a one-line bar on a terminal, plain log lines otherwise.

On a terminal the bar shows files done/total, the current throughput (files
per minute over the last minute of completions, and MB/s of input), the
estimated time left and the last file finished; failures are printed above
it as they happen.  When the output is not a terminal (a log file, a CI job,
a cluster's job scheduler) every finished file gets one line instead.
``verbosity`` 0 prints nothing but the final failures, 1 (default) the
above, 2 also every skipped file and the executor used.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections import deque
from .._text import printable

__all__ = ["Progress", "StepProgress", "bar", "format_duration"]

RATE_WINDOW_S = 60.0  # throughput over the completions of the last minute


def format_duration(seconds: float) -> str:
    """``h:mm:ss`` (or ``m:ss`` under an hour) for a number of seconds; ``--:--`` when unknown."""
    if seconds is None or not seconds >= 0 or seconds == float("inf"):
        return "--:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def bar(fraction: float, width: int = 20) -> str:
    """``[#####...............]``: ``fraction`` (0-1) of ``width`` cells filled."""
    filled = int(round(width * min(max(float(fraction), 0.0), 1.0)))
    return f"[{'#' * filled}{'.' * (width - filled)}]"


class Progress:
    """Reports a batch's progress to a stream.

    Parameters
    ----------
    stream : file, optional
        Where to write (default ``sys.stdout``).
    verbosity : {0, 1, 2}
        0: quiet, 1: normal, 2: verbose.
    bar : bool, optional
        Force the bar (True) or log lines (False); default: a bar when
        ``stream`` is a terminal.
    clock : callable
        Seconds, monotonic (tests pass a fake clock).
    """

    def __init__(self, stream=None, *, verbosity=1, bar=None, clock=time.monotonic):
        self.stream = stream if stream is not None else sys.stdout
        self.verbosity = int(verbosity)
        isatty = getattr(self.stream, "isatty", None)
        self.bar = bool(isatty and isatty()) if bar is None else bool(bar)
        self.clock = clock
        self.total = self.done = self.skipped = self.failed = 0
        self.bytes = 0
        self._t0 = None
        self._recent = deque()  # (time, bytes) of recent completions
        self._last = ""
        self._bar_shown = False

    # -- events from run_batch ----------------------------------------------------------------
    def start(self, total: int, skipped: int) -> None:
        """``total`` recordings found, of which ``skipped`` have current results."""
        self.total = total
        self._t0 = self.clock()
        if self.verbosity >= 1:
            todo = total - skipped
            self._line(f"{total} recording{'s' if total != 1 else ''} found: {todo} to analyse, {skipped} already done"
                       + (" (use --force to redo them)" if skipped else ""))

    def update(self, result: dict) -> None:
        """One recording finished (``status`` ok, failed or skipped)."""
        status = result["status"]
        self.done += 1
        self._last = result["relpath"]
        if status == "skipped":
            self.skipped += 1
            if self.verbosity >= 2:
                self._line(f"[{self.done}/{self.total}] skipped {result['relpath']} (results are current)")
            self._draw()
            return
        now = self.clock()
        self.bytes += int(result.get("bytes", 0))
        self._recent.append((now, int(result.get("bytes", 0))))
        if status == "failed":
            self.failed += 1
            if self.verbosity >= 1:
                self._line(f"[{self.done}/{self.total}] FAILED {result['relpath']}: {result['error_type']} at {result['step']}: "
                           f"{result['message']}")
        elif self.verbosity >= 1 and not self.bar:
            self._line(f"[{self.done}/{self.total}] ok {result['relpath']} ({result.get('seconds', 0.0):.1f} s)  {self.rates_text()}")
        self._draw()

    def message(self, text: str, level: int = 1) -> None:
        """A free line, shown from ``verbosity >= level``."""
        if self.verbosity >= level:
            self._line(text)

    def finish(self, batch) -> None:
        """The batch is over: final counts, and the failures even when quiet."""
        if self._bar_shown:
            self.stream.write("\n")
            self._bar_shown = False
        elapsed = self.clock() - (self._t0 if self._t0 is not None else self.clock())
        if self.verbosity >= 1:
            self._line(f"done in {format_duration(elapsed)}: {batch.n_done} analysed, {batch.n_skipped} skipped, {batch.n_failed} failed; "
                       f"summary in {batch.out / 'summary.html'}")
        elif batch.n_failed:
            for r in batch.results:
                if r["status"] == "failed":
                    self._line(f"FAILED {r['relpath']}: {r['error_type']} at {r['step']}: {r['message']}")
        if batch.n_failed and self.verbosity >= 1:
            self._line(f"{batch.n_failed} failure{'s' if batch.n_failed != 1 else ''} listed in {batch.out / 'failures.csv'}")
        self.stream.flush()

    # -- numbers ----------------------------------------------------------------------------
    def rates(self):
        """``(files_per_min, mb_per_s, eta_s)`` over the last minute of completions (None when unknown)."""
        now = self.clock()
        while self._recent and now - self._recent[0][0] > RATE_WINDOW_S:
            self._recent.popleft()
        if not self._recent or self._t0 is None:
            return None, None, None
        span = min(RATE_WINDOW_S, max(now - self._t0, 1e-9))
        per_s = len(self._recent) / span
        mb_s = sum(b for _, b in self._recent) / span / 1e6
        left = self.total - self.done
        return per_s * 60.0, mb_s, (left / per_s if per_s > 0 else None)

    def rates_text(self) -> str:
        files_min, mb_s, eta = self.rates()
        if files_min is None:
            return "ETA --:--"
        return f"{files_min:.1f} files/min, {mb_s:.2f} MB/s, ETA {format_duration(eta)}"

    # -- output ---------------------------------------------------------------------------
    def _line(self, text: str) -> None:
        if self._bar_shown:
            self.stream.write("\r\x1b[2K")
            self._bar_shown = False
        self.stream.write(printable(text) + "\n")  # names and messages come from files: no escape codes
        self.stream.flush()
        self._draw()

    def _draw(self) -> None:
        if not self.bar or self.verbosity < 1 or not self.total:
            return
        width = shutil.get_terminal_size((100, 20)).columns
        text = f"{bar(self.done / self.total)} {self.done}/{self.total} files  {self.rates_text()}"
        if self.failed:
            text += f"  {self.failed} failed"
        if self._last:
            text += f"  {printable(self._last)}"
        if len(text) > width - 1:
            text = text[: width - 2] + "…"
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()
        self._bar_shown = True


class StepProgress:
    """Progress of one long job (the analysis of one big file) on a terminal: the step and, when known, how far.

    Called as ``progress(step, fraction)`` by
    :func:`emgkit.analysis.analyze_source`: ``step`` names what runs
    ("filtering", "detecting bursts", ...), ``fraction`` is the
    share of the record done in that step (0-1), or None when the step does
    not say.  The line is the batch's bar, the step, the time elapsed and,
    for a step with fractions, the time left.  It is drawn only on a terminal
    (a log file or a pipe gets nothing) and at most every ``min_interval_s``.

    Parameters
    ----------
    stream : file, optional
        Default ``sys.stderr``, so that standard output keeps only results.
    verbosity : {0, 1}
        0 draws nothing (``--quiet``).
    bar : bool, optional
        Force drawing (True) or not (False); default: when ``stream`` is a terminal.
    clock : callable
        Seconds, monotonic.
    min_interval_s : float
        Shortest time between two redraws of the same step.
    """

    def __init__(self, stream=None, *, verbosity=1, bar=None, clock=time.monotonic, min_interval_s=0.1):
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.on = int(verbosity) >= 1 and (bool(isatty and isatty()) if bar is None else bool(bar))
        self.clock = clock
        self.min_interval_s = float(min_interval_s)
        self._t0 = clock()
        self._step = None
        self._step_t0 = self._t0
        self._drawn_at = None
        self._shown = False

    def __call__(self, step: str, fraction: float | None = None) -> None:
        if not self.on:
            return
        now = self.clock()
        if step != self._step:
            self._step, self._step_t0, self._drawn_at = step, now, None
        elif self._drawn_at is not None and now - self._drawn_at < self.min_interval_s and fraction != 1.0:
            return
        self._drawn_at = now
        text = f"{printable(step)}  {format_duration(now - self._t0)} elapsed"
        if fraction is not None:
            left = (now - self._step_t0) * (1.0 - fraction) / fraction if fraction > 0 else None
            text = f"{bar(fraction)} {100.0 * fraction:3.0f} % {text}, step ETA {format_duration(left)}"
        width = shutil.get_terminal_size((100, 20)).columns
        if len(text) > width - 1:
            text = text[: width - 2] + "…"
        self.stream.write("\r\x1b[2K" + text)
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        """Clear the line (the results printed next start on a clean line)."""
        if self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self._shown = False
