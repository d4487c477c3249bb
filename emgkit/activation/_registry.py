"""The onset methods: for each one its statistic, defaults and options, in one place.

Everything that names a detector reads this registry: option checking
(:func:`resolve_options`), the analysis configuration (``[onset]`` in
:mod:`emgkit.config`), the ``emgkit onsets`` command line and the detector
itself.  Adding a method is adding one :class:`OnsetMethod` to
:data:`REGISTRY` (its statistic ``kind`` must be one the detector computes:
``"tkeo"``, ``"rectified"`` or ``"bonato"``); adding an option is adding one
:class:`Option` to :data:`OPTIONS` and its default to the methods that take it.

The module imports only the standard library (the command line and the
configuration load it without NumPy).  The methods:

* ``hodges`` (Hodges & Bui 1996): ``|y|`` low-passed at 50 Hz, then a 50 ms
  centred moving mean; threshold baseline mean + h SD (h = 3).
* ``tkeo`` (Solnik et al. 2010): TKEO ``y[n]^2 - y[n-1] y[n+1]``, rectified,
  low-passed at 50 Hz; threshold baseline median + h 1.4826 MAD (TKEO
  baselines are heavy-tailed).
* ``bonato`` (Bonato et al. 1998): at least r0 of m successive
  ``(w[2i]^2 + w[2i+1]^2) / sigma0^2`` of the whitened signal above the
  level of false-alarm probability ``pfa``.
* ``auto``: emgkit's default, chosen on the validation table
  (``docs/validation.md``): the TKEO statistic (40 Hz low-pass) with a
  double threshold (detect at h = 8, place onsets and offsets at h_low = 1),
  a detection threshold that must hold for 25 ms (rejects ECG QRS complexes
  and spikes), and a rest level tracked over 10 s so a drifting noise floor
  raises no false bursts.
* ``tonic`` (rhythmic bursts riding on tonic activity, no rest in the
  record): ``|y|`` low-passed at 50 Hz and a 50 ms moving mean, as
  ``hodges``; the tonic level is a running 10th percentile of 20 ms block
  means over ``track_s`` = 2 s (a few burst periods); relative to it the
  block means of tonic stretches have a centre and spread read from their
  10th and 25th percentiles, and the thresholds are (centre + h spread) x
  the level (h = 3.5, h_low = 2, held 25 ms), so they follow the tonic
  level down as well as up.  See ``docs/activation.md`` (bursts on tonic
  activity).
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass
from types import MappingProxyType

from emgkit._checks import check_option
from emgkit.errors import InvalidInputError

__all__ = ["Option", "OnsetMethod", "OPTIONS", "REGISTRY", "METHODS", "resolve_options", "check_values"]


@dataclass(frozen=True)
class Option:
    """One detector option: its meaning, unit and valid values.

    Attributes
    ----------
    name : str
        Keyword of :func:`emgkit.detect_activation` (and key of ``[onset]``).
    doc : str
        Meaning, with the unit.
    kind : {"float", "int", "band"}
        A real number, a whole number, or a ``(low_hz, high_hz)`` pair.
    gt, ge, lt : float, optional
        Bounds: value > gt, value >= ge, value < lt.
    none : str, optional
        What ``None`` means when it is a valid value (e.g. ``"a single
        threshold"``); None when it is not.
    at_most : str, optional
        Name of an option this one must not exceed (``h_low <= h``).
    """

    name: str
    doc: str
    kind: str = "float"
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    none: str | None = None
    at_most: str | None = None

    def check(self, value):
        """``value`` checked (a band as a float pair); InvalidInputError naming the option otherwise."""
        if value is None:
            if self.none is None:
                raise InvalidInputError(f"{self.name} must be set ({self.doc}); None is not a valid value")
            return None
        if self.kind == "band":
            return _band(self.name, value)
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise InvalidInputError(f"{self.name} must be a whole number, got {value!r}")
            value = int(value)
        elif isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise InvalidInputError(f"{self.name} must be a finite number {self.bounds()}, got {value!r}")
        if ((self.gt is not None and not value > self.gt) or (self.ge is not None and not value >= self.ge)
                or (self.lt is not None and not value < self.lt)):
            what = "a finite number" if self.kind == "float" else "a whole number"
            raise InvalidInputError(f"{self.name} must be {what} {self.bounds()}, got {value!r}")
        return value

    def bounds(self) -> str:
        """The valid range as text, e.g. ``"> 0"`` or ``"in (0, 1)"``."""
        low = f"> {self.gt:g}" if self.gt is not None else (f">= {self.ge:g}" if self.ge is not None else "")
        if self.lt is not None:
            return f"in ({self.gt if self.gt is not None else self.ge:g}, {self.lt:g})"
        return low


def _band(name, value):
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be (low_hz, high_hz) or None, got {value!r}") from None
    if not 0 < low < high:
        raise InvalidInputError(f"{name} must satisfy 0 < low < high, got {value!r}")
    return (low, high)


OPTIONS = MappingProxyType({o.name: o for o in (
    Option("band_hz", "Butterworth band-pass (order 4, zero phase) applied first, (low_hz, high_hz)", kind="band",
           none="the signal is already band-passed"),
    Option("baseline_s", "length of the automatic rest window, s", gt=0),
    Option("min_burst_ms", "bursts shorter than this (after merging) are dropped, ms", ge=0),
    Option("min_gap_ms", "bursts closer than this are merged (also the refractory time after an offset), ms", ge=0),
    Option("h", "detection threshold = baseline level + h x baseline spread", ge=0),
    Option("h_low", "localisation threshold multiplier (hysteresis), <= h", ge=0, none="a single threshold",
           at_most="h"),
    Option("lowpass_hz", "low-pass of the statistic (2nd-order Butterworth, forward and backward), Hz", gt=0),
    Option("hold_ms", "time the statistic must stay above the detection threshold, ms", ge=0),
    Option("track_s", "span over which the rest level is tracked, s", gt=0, none="a constant baseline"),
    Option("window_ms", "centred moving mean of the low-passed signal, ms", ge=0, none="no moving mean"),
    Option("pfa", "false-alarm probability of an r0-of-m window", gt=0, lt=1),
    Option("m", "successive values in Bonato's window", kind="int", ge=1),
    Option("r0", "values of the window that must exceed the threshold, <= m", kind="int", ge=1, at_most="m"),
    Option("min_state_ms", "active and inactive states shorter than this are discarded, ms", ge=0),
    Option("whiten_order", "AR order of the whitening filter fitted on the rest (0 = none)", kind="int", ge=0),
)})

_COMMON = {"band_hz": (20.0, 450.0), "baseline_s": 0.5}  # De Luca et al. 2010, SENIAM; the quietest 0.5 s of rest
_RUNS = {"min_burst_ms": 30.0, "min_gap_ms": 50.0}  # merge bursts < 50 ms apart, drop bursts < 30 ms


@dataclass(frozen=True)
class OnsetMethod:
    """One onset detector.

    Attributes
    ----------
    name : str
        Value of ``method=``.
    kind : {"tkeo", "rectified", "bonato"}
        What the detector computes from the band-passed signal ``y``:
        ``|TKEO(y)|`` low-passed, ``|y|`` low-passed (then an optional
        moving mean), or Bonato's test on the whitened signal.
    robust : bool
        Threshold from median and 1.4826 MAD (True) or mean and SD (False).
    statistic : str
        What is thresholded, for ``Activation.statistic``; formatted with
        the options and ``unit`` (the signal's unit).
    summary : str
        One line for help texts.
    source : str
        The publication (or emgkit, for its own default).
    defaults : mapping
        Every option the method takes and its default.
    label : str, optional
        ``Activation.method`` when it differs from ``name``.
    tracking : {"rise", "follow"}
        How a tracked rest level (``track_s``) moves the thresholds:
        ``"rise"`` only raises them where the level is above the baseline's
        (a drifting noise floor); ``"follow"`` scales them with the level both
        ways (a tonic level: the ``tonic`` method).
    """

    name: str
    kind: str
    robust: bool
    statistic: str
    summary: str
    source: str
    defaults: MappingProxyType
    label: str | None = None
    tracking: str = "rise"

    @property
    def power(self) -> int:
        """Power of the signal's amplitude the statistic scales with (TKEO is quadratic)."""
        return 2 if self.kind == "tkeo" else 1


def _method(name, kind, robust, statistic, summary, source, defaults, label=None, tracking="rise"):
    unknown = set(defaults) - set(OPTIONS)
    if unknown:  # a registry entry naming an option not declared in OPTIONS
        raise AssertionError(f"onset method {name!r}: undeclared options {sorted(unknown)}")
    return OnsetMethod(name, kind, robust, statistic, summary, source, MappingProxyType(dict(defaults)), label, tracking)


REGISTRY = MappingProxyType({m.name: m for m in (
    _method("auto", "tkeo", True, "|TKEO|, {lowpass_hz:g} Hz low-pass, scaled by the tracked rest level ({unit}^2)",
            "TKEO with hysteresis, a 25 ms hold and a tracked rest level (the most accurate in docs/validation.md)",
            "emgkit, chosen on the validation table",
            {**_COMMON, **_RUNS, "h": 8.0, "h_low": 1.0, "lowpass_hz": 40.0, "hold_ms": 25.0, "track_s": 10.0},
            label="auto (tkeo, hysteresis, tracked rest level)"),
    _method("tkeo", "tkeo", True, "|TKEO|, {lowpass_hz:g} Hz low-pass ({unit}^2)",
            "TKEO, rectified, low-passed; median + h MAD of the rest", "Solnik et al. 2010; Li, Zhou & Aruin 2007",
            {**_COMMON, **_RUNS, "h": 8.0, "h_low": None, "lowpass_hz": 50.0, "hold_ms": 0.0, "track_s": None}),
    _method("hodges", "rectified", False,
            "rectified signal, {lowpass_hz:g} Hz low-pass, {window_ms:g} ms moving mean ({unit})",
            "rectified, low-passed, moving mean; mean + h SD of the rest", "Hodges & Bui 1996",
            {**_COMMON, **_RUNS, "h": 3.0, "h_low": None, "lowpass_hz": 50.0, "window_ms": 50.0, "hold_ms": 0.0,
             "track_s": None}),
    _method("bonato", "bonato", False,
            "(y[2i]^2 + y[2i+1]^2) / baseline variance of the whitened signal (dimensionless)",
            "r0 of m successive whitened energies above the level of false-alarm probability pfa",
            "Bonato, D'Alessio & Knaflitz 1998",
            {**_COMMON, "pfa": 0.05, "m": 5, "r0": 1, "min_state_ms": 30.0, "whiten_order": 8}),
    _method("tonic", "rectified", True,
            "rectified signal, {lowpass_hz:g} Hz low-pass, {window_ms:g} ms moving mean, thresholds scaled by the "
            "tonic level tracked over {track_s:g} s ({unit})",
            "bursts above a tonic level: rectified, low-passed, moving mean; thresholds follow a running 10th "
            "percentile over a few burst periods (rhythmic tasks without rest)",
            "emgkit; adaptive baseline after Staude et al. 2001 (background activity), Hodges & Bui 1996 (statistic)",
            {**_COMMON, **_RUNS, "baseline_s": 0.2, "h": 3.5, "h_low": 2.0, "lowpass_hz": 50.0, "window_ms": 50.0,
             "hold_ms": 25.0, "track_s": 2.0},
            tracking="follow"),
)})

METHODS = tuple(REGISTRY)

# options of a conditioned envelope (detect_activation(..., conditioned=True)): nothing filters it
NOT_FOR_ENVELOPES = ("band_hz", "lowpass_hz")


def resolve_options(method, options, *, conditioned=False):
    """``(method, options)``: the method's defaults merged with ``options``, checked.

    Parameters
    ----------
    method : str
        A name of :data:`REGISTRY`.
    options : dict
        The user's options; unknown names are an error listing the valid ones
        (with the nearest name).
    conditioned : bool
        The input is an envelope: the filter options do not apply.

    Returns
    -------
    method : str
    opts : dict
        Every option of the method, checked (``band_hz`` a float pair or None).
    """
    method = check_option("method", method, METHODS)
    defaults = dict(REGISTRY[method].defaults)
    if conditioned:
        for key in NOT_FOR_ENVELOPES:
            defaults.pop(key, None)
    unknown = [k for k in options if k not in defaults]
    if unknown:
        hints = [difflib.get_close_matches(k, list(defaults), n=1) for k in unknown]
        hint = "".join(f" Did you mean {h[0]!r} for {k!r}?" for k, h in zip(unknown, hints) if h)
        raise InvalidInputError(
            f"unknown option(s) {unknown} for method={method!r}"
            f"{' on a conditioned envelope' if conditioned else ''}; valid options: {sorted(defaults)}.{hint}"
        )
    return method, check_values({**defaults, **options})


def check_values(opts):
    """Every value of ``opts`` checked against its :class:`Option`; returns a new dict."""
    out = {key: OPTIONS[key].check(value) for key, value in opts.items()}
    for key, value in out.items():
        limit = OPTIONS[key].at_most
        if limit in out and value is not None and value > out[limit]:
            raise InvalidInputError(f"{key}={value} must not exceed {limit}={out[limit]} ({OPTIONS[key].doc})")
    return out
