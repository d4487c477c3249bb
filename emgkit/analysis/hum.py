"""The powerline rule: a channel whose mains hum exceeds ``filters.hum_max_share`` is notched or left out.

The share is :func:`emgkit.quality.powerline_share` of the band-passed signal
(the detection stage measures it): the part of the 20-450 Hz power within
+-1 Hz of the mains line and its harmonics.  Clean surface EMG puts about 5 %
there; above the configured share (default 10 %) the channel is notched at
the detected line and its harmonics and the whole analysis is run again on
the notched signal (``hum_action = "notch"``, with a note naming the share),
or the channel is left out with the reason (``"exclude"``).  No finding and
no median frequency is then built on hum (docs/channels.md#mains-hum).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Hum", "find_hum"]


@dataclass(frozen=True)
class Hum:
    """Hum measured on the first conditioning pass, per analysed channel.

    Attributes
    ----------
    names : list of str
        Analysed channels, in order.
    share : ndarray
        Powerline share before any hum notch (NaN when it cannot be measured).
    line_hz : float
        Detected (or given) mains frequency, Hz; NaN when unknown.
    over : ndarray of bool
        Share above ``filters.hum_max_share``.
    limit : float
        The configured share.
    action : str
        ``"notch"`` or ``"exclude"``.
    """

    names: list
    share: np.ndarray
    line_hz: float
    over: np.ndarray
    limit: float
    action: str

    @property
    def found(self) -> bool:
        return bool(self.over.any()) and math.isfinite(self.line_hz)

    def notch(self) -> tuple:
        """Per channel: the line to notch (Hz) or 0."""
        return tuple(self.line_hz if o else 0.0 for o in self.over)

    def of(self, name):
        """``(share, line_hz)`` of channel ``name`` (NaN share when it was not measured)."""
        return (float(self.share[self.names.index(name)]), self.line_hz) if name in self.names else (math.nan, self.line_hz)

    def reason(self, c) -> str:
        return (f"mains hum: {100 * self.share[c]:.0f} % of its 20-450 Hz power lies at {self.line_hz:g} Hz and harmonics "
                f"(limit filters.hum_max_share = {100 * self.limit:g} %)")

    def excluded(self) -> dict:
        """Channel -> reason it is left out (``hum_action = "exclude"``)."""
        return {n: self.reason(c) + "; left out (filters.hum_action = 'exclude'; 'notch' keeps it, notched)"
                for c, n in enumerate(self.names) if self.over[c]}

    def add_notes(self, notes) -> None:
        """One note per notched channel, naming its share."""
        for c, n in enumerate(self.names):
            if self.over[c]:
                notes.add(f"{n}: {self.reason(c)}: notched at {self.line_hz:g} Hz and harmonics before every measure "
                          "(filters.hum_action = 'notch'); the notch also removes some EMG power at those frequencies")


def find_hum(selection, detection, band, cfg) -> Hum:
    """Channels of ``selection`` whose powerline share (``detection.quality``) exceeds ``cfg.filters.hum_max_share``.

    Channels already notched (``filters.notch_hz`` or a hum notch in ``band``)
    are not counted again.

    Parameters
    ----------
    selection : Selection
    detection : Detection
    band : Band
    cfg : Config

    Returns
    -------
    Hum
    """
    q = detection.quality
    f = cfg.filters
    share = q["powerline_share"].to_numpy(dtype=np.float64)
    line = q.attrs.get("powerline_hz")
    line = float(line) if line else math.nan
    done = np.array([bool(f.notch_hz) or band.notched(c) > 0 for c in range(len(share))], dtype=bool)
    over = np.isfinite(share) & (share > f.hum_max_share) & ~done
    return Hum(list(selection.names), share, line, over, float(f.hum_max_share), f.hum_action)
