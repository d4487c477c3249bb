"""Analysis configuration: one frozen tree of settings with literature defaults.

Every number the imbalance analysis uses (filters, envelope, onset detection,
normalization, pairing, repetition segmentation, fatigue windows, flag
thresholds and their sources) lives here, so that a result can be reproduced
from the configuration saved beside it.  The defaults follow
``docs/science.md``; each field documents its unit and source.

A configuration is read from TOML (:func:`load_config`), printed with
:meth:`Config.to_toml` (``emgkit config --show``), compared or hashed with
:meth:`Config.as_dict` / :meth:`Config.digest`.  Unknown keys are errors that
name the nearest valid key::

    [flags]
    si_flag_pct = 20          # instead of 15 %
    si_flag_source = "our lab's test-retest limit"

    [pairs]
    bilateral = [["L Bic", "R Bic"]]
    exclude = ["Trigger"]

Values not in the file keep their defaults.  ``None`` (no value) is written
as a commented line by :meth:`Config.to_toml` because TOML has no null.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import FileFormatError, InvalidInputError

__all__ = [
    "Config",
    "FiltersConfig",
    "EnvelopeConfig",
    "OnsetConfig",
    "NormalizationConfig",
    "PairsConfig",
    "CyclesConfig",
    "FatigueConfig",
    "FlagsConfig",
    "AnalysisConfig",
    "load_config",
    "default_config",
]

# -- citations used as flag sources (shown next to every flag) -----------------------
SI_NOTICE_SOURCE = (
    "10 %: the customary limit of bilateral symmetry studies (emgkit default notice level; "
    "no agreed cut-off exists, Bishop, Turner & Read 2018, J Sports Sci 36:1135-1144)"
)
SI_FLAG_SOURCE = (
    "15 %: knee-flexor or hip-extensor strength imbalances >= 15 % went with more lower-limb injuries "
    "(Knapik et al. 1991, Am J Sports Med 19:76-81)"
)
TIMING_SOURCE = (
    "20 ms: expected error of the onset detector (emgkit default; expert onsets agree within ~10-50 ms, "
    "Hodges & Bui 1996; Staude et al. 2001); flagged only when the 95 % CI excludes 0"
)
FATIGUE_SOURCE = (
    "difference of the least-squares MDF slopes whose 95 % CI excludes 0 "
    "(emgkit default; no published cut-off; method: Merletti, Knaflitz & De Luca 1990)"
)
LSI_SOURCE = "90 %: return-to-sport criterion for strength and hop tests (Grindem et al. 2016, Br J Sports Med 50:804-808)"
VARIABILITY_SOURCE = (
    "EMG amplitude varies between repetitions: an asymmetry beyond its limit is flagged only when its confidence interval "
    "lies wholly on one side of 0 (docs/science.md#one-rule-for-every-flag; pre-existing asymmetry has not been shown to "
    "raise injury risk, Afonso et al. 2022)"
)


def _opt(default, doc, **rules):
    """A dataclass field with its documentation and validation rules in ``metadata``."""
    return field(default=default, metadata={"doc": doc, **rules})


# -- sections --------------------------------------------------------------------------
@dataclass(frozen=True)
class FiltersConfig:
    """Band-pass (and optional notch) applied to the raw EMG before every metric."""

    low_hz: float = _opt(20.0, "band-pass lower corner, Hz (20 Hz: De Luca et al. 2010; SENIAM 10-20 Hz)", gt=0)
    high_hz: float = _opt(450.0, "band-pass upper corner, Hz (< fs/2; SENIAM: near 500 Hz)", gt=0)
    order: int = _opt(4, "Butterworth design order N of butter(N, [low, high], 'band'), zero phase", ge=1, le=10)
    notch_hz: float | None = _opt(
        None, "powerline notch at this frequency and its harmonics, Hz; off by default (McManus et al. 2020)", gt=0, nullable=True
    )
    hum_max_share: float = _opt(
        0.10,
        "powerline share (of the 20-450 Hz power within +-1 Hz of the mains line and its harmonics) above which a channel "
        "is notched at the detected line and harmonics, or left out (hum_action); emgkit default: twice the ~5 % that "
        "clean surface EMG puts in those bins, the level quality.assess notes (notch only when needed: McManus et al. "
        "2020, notches remove EMG power too)",
        ge=0,
        le=1,
    )
    hum_action: str = _opt(
        "notch", "what to do with a channel whose powerline share exceeds hum_max_share: 'notch' it (with a note naming "
        "the share) or 'exclude' it from the analysis (with the reason)", choices=("notch", "exclude"),
    )
    trunk_low_hz: float | None = _opt(
        None,
        "higher band-pass lower corner for trunk muscles (rectus abdominis, erector spinae) against ECG, Hz; "
        "Drake & Callaghan 2006 found 30 Hz best",
        gt=0,
        nullable=True,
    )


@dataclass(frozen=True)
class EnvelopeConfig:
    """Amplitude envelope used for amplitude metrics, co-contraction and cycles."""

    method: str = _opt("linear", "'linear' (rectify + low-pass, Winter 2009) or 'rms' (moving RMS, Konrad 2005)", choices=("linear", "rms"))
    cutoff_hz: float = _opt(6.0, "linear-envelope cut-off, Hz (-3 dB of the zero-phase filter; 3-10 Hz typical)", gt=0)
    order: int = _opt(2, "linear-envelope Butterworth order of one pass", ge=1, le=8)
    rms_window_ms: float = _opt(100.0, "moving-RMS window, ms (50-100 dynamic, 250-500 static)", gt=0)


def _onset_config():
    """``OnsetConfig``: the method, a rest interval, and one field per option of the onset-method registry."""
    from .activation._registry import METHODS, OPTIONS, REGISTRY, resolve_options

    names = tuple(name for name in OPTIONS if name not in _ONSET_ELSEWHERE)

    def options(self) -> dict:
        """The detector options that are set, as keyword arguments of ``detect_activation``."""
        return {k: getattr(self, k) for k in names if getattr(self, k) is not None}

    def __post_init__(self):
        try:
            resolve_options(self.method, self.options())
        except InvalidInputError as exc:
            raise InvalidInputError(f"[onset] {exc}") from None

    methods = ", ".join(f"'{m.name}' ({m.source})" for m in REGISTRY.values())
    fields = [
        ("method", "str", _opt("auto", f"detector: {methods}", choices=METHODS)),
        ("baseline", "tuple[float, float] | None", _opt(
            None, "rest interval [start_s, stop_s] used as the onset detector's baseline (the noise floor's is "
            "normalization.rest_interval); none: found automatically per channel", nullable=True,
            pair=True)),
    ]
    for name in names:
        option = OPTIONS[name]
        defaults = ", ".join(f"{m.name} {_onset_default(m.defaults[name])}" for m in REGISTRY.values() if name in m.defaults)
        rules = {k: getattr(option, k) for k in ("gt", "ge", "lt") if getattr(option, k) is not None}
        doc = f"{option.doc} (unset: the detector's default, {defaults})"
        fields.append((name, f"{'int' if option.kind == 'int' else 'float'} | None", _opt(None, doc, nullable=True, **rules)))
    cls = dataclasses.make_dataclass(
        "OnsetConfig", fields, frozen=True, namespace={"options": options, "__post_init__": __post_init__, "__doc__": (
            "Onset/offset detection (passed to :func:`emgkit.detect_activation`; unset options keep the detector's "
            "defaults).  One field per option of :data:`emgkit.activation.REGISTRY` (the band-pass comes from "
            "``[filters]``); an option the chosen method does not take is an error.")})
    cls.__module__ = __name__
    return cls


def _onset_default(value):
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


_ONSET_ELSEWHERE = ("band_hz",)  # onset-method options the analysis sets from other sections ([filters])
OnsetConfig = _onset_config()


@dataclass(frozen=True)
class NormalizationConfig:
    """Amplitude normalization (docs/science.md#amplitude-normalization)."""

    method: str = _opt(
        "auto",
        "'auto' (MVC when given, else raw amplitudes for left/right and task peak for co-contraction), "
        "'mvc', 'peak', 'mean' or 'none'",
        choices=("auto", "mvc", "peak", "mean", "none"),
    )
    mvc_window_ms: float = _opt(500.0, "MVC reference: highest window mean of the MVC envelope, ms (Katsavelis & Threlkeld 2014)", gt=0)
    resample_mvc: bool = _opt(True, "resample an MVC (or rest) recording at another rate to the task rate (polyphase); false: refuse")
    subtract_noise: bool = _opt(
        True, "subtract each channel's resting noise floor from its envelope and RMS (in quadrature) before amplitude and co-contraction indices"
    )
    rest_interval: tuple[float, float] | None = _opt(
        None, "rest interval [start_s, stop_s] of the task (s from its start, like onset.baseline) on which the noise floor is "
        "measured; none: a rest recording (--rest) when given, else the task's quietest windows with a spectral test "
        "(docs/noise_floor.md)", nullable=True, pair=True)


@dataclass(frozen=True)
class PairsConfig:
    """Which channels are compared (left/right and agonist/antagonist)."""

    auto: bool = _opt(True, "find pairs from the channels' muscles and sides (and the pair catalogue)")
    catalogue: str | None = _opt(None, "extra agonist/antagonist catalogue, a TOML file shaped like emgkit/data/pairs.toml", nullable=True)
    bilateral: tuple[tuple[str, str], ...] = _opt((), "explicit left/right pairs [[left channel, right channel], ...]", pairs=True)
    agonist_antagonist: tuple[tuple[str, str], ...] = _opt(
        (), "explicit agonist/antagonist pairs [[agonist channel, antagonist channel], ...]", pairs=True
    )
    exclude: tuple[str, ...] = _opt((), "channels left out of the analysis (triggers, goniometers, broken electrodes)", strings=True)


@dataclass(frozen=True)
class CyclesConfig:
    """Repetition / cycle segmentation (docs/science.md#repetitions-and-cycles)."""

    source: str = _opt(
        "auto",
        "'auto' (events in the file, else the trigger channel, else envelope peaks), 'events', 'trigger', 'envelope' or 'none'",
        choices=("auto", "events", "trigger", "envelope", "none"),
    )
    trigger_channel: str | None = _opt(None, "channel holding a trigger, footswitch or goniometer signal", nullable=True)
    trigger_mode: str = _opt(
        "rising", "cycle starts at 'rising'/'falling' threshold crossings or at signal 'minima'/'maxima' (goniometer)",
        choices=("rising", "falling", "minima", "maxima"),
    )
    trigger_threshold: float | None = _opt(None, "trigger threshold in the channel's unit; none: halfway between its 5th and 95th percentiles", nullable=True)
    hysteresis: float = _opt(0.1, "trigger hysteresis as a fraction of the 5-95 percentile range", ge=0, lt=1)
    refractory_s: float = _opt(0.25, "ignore trigger events closer than this to the previous one, s", ge=0)
    event_name: str | None = _opt(None, "name of the events in the file that start a cycle; none: the only or first kind", nullable=True)
    per_side: str = _opt(
        "auto",
        "'auto': side-specific cycle events (Left/Right Foot Strike) or trigger_channel_left/right cycle each side's channels on "
        "their own side's events; 'off': every channel on the one event kind (docs/science.md#per-side-cycles)",
        choices=("auto", "off"),
    )
    trigger_channel_left: str | None = _opt(None, "trigger/footswitch channel of the left side (with trigger_channel_right: per-side cycles)", nullable=True)
    trigger_channel_right: str | None = _opt(None, "trigger/footswitch channel of the right side (with trigger_channel_left: per-side cycles)", nullable=True)
    expected_period_s: float | None = _opt(
        None, "expected repetition period, s; none: estimated from the envelope's autocorrelation", gt=0, nullable=True
    )
    min_prominence: float = _opt(0.3, "envelope peaks must stand out by this fraction of the envelope's 5-95 % range", gt=0, le=1)
    n_points: int = _opt(101, "time normalization: points per cycle (101 = 0..100 %)", ge=2)
    max_duration_deviation: float = _opt(0.2, "drop cycles whose duration is more than this fraction off the median", gt=0)


@dataclass(frozen=True)
class FatigueConfig:
    """Spectral fatigue indices (docs/science.md#fatigue)."""

    mode: str = _opt(
        "windows", "'windows' (sliding windows, isometric holds) or 'repetitions' (one window per repetition at the same phase)",
        choices=("windows", "repetitions"),
    )
    window_s: float = _opt(1.0, "analysis window, s", gt=0)
    overlap: float = _opt(0.5, "overlap of successive windows (fraction)", ge=0, lt=1)
    welch_segment_s: float = _opt(0.25, "Welch segment inside a window (Hann, 50 % overlap), s", gt=0)
    low_hz: float = _opt(20.0, "spectral band lower edge, Hz", ge=0)
    high_hz: float = _opt(450.0, "spectral band upper edge, Hz (capped at fs/2)", gt=0)
    min_active_fraction: float = _opt(0.9, "a window counts only when at least this fraction of it is active (detected burst)", gt=0, le=1)
    min_level_fraction: float = _opt(
        0.5, "a window counts only when its RMS is at least this fraction of the channel's contraction level (90th percentile "
        "of its active windows' RMS): comparable activation only; 0 counts every level", ge=0, le=1
    )
    min_windows: int = _opt(3, "fewest usable windows for a slope", ge=3)
    min_span_s: float = _opt(
        30.0, "a slope whose comparable windows span less than this, s, is reported but not judged (no flag or notice: on "
        "11-39 s records the slopes' 95 % CIs spanned +-23 to +-400 %/min); emgkit default, no published minimum "
        "(docs/science.md#fatigue-from-short-records)", ge=0)
    finsm5: bool = _opt(True, "also compute FInsm5 = M(-1)/M(5) (Dimitrov et al. 2006)")


@dataclass(frozen=True)
class FlagsConfig:
    """Thresholds of the flags, each with the source shown next to it."""

    si_notice_pct: float = _opt(10.0, "|symmetry index| above this is a notice, %", ge=0)
    si_notice_source: str = _opt(SI_NOTICE_SOURCE, "source shown with the notice threshold")
    si_flag_pct: float = _opt(15.0, "|symmetry index| above this is a flag, %", ge=0)
    si_flag_source: str = _opt(SI_FLAG_SOURCE, "source shown with the flag threshold")
    beyond_variability: bool = _opt(True, "flag or notice an SI only when its confidence interval lies wholly on the SI's side of 0")
    beyond_variability_source: str = _opt(VARIABILITY_SOURCE, "source of the variability rule")
    timing_ms: float = _opt(20.0, "left/right timing differences (right-left, same muscle) above this whose 95 % CI excludes 0 are "
                            "flagged, ms (the onset detector's expected error; agonist/antagonist timing: "
                            "agonist_antagonist_timing_ms)", ge=0)
    agonist_antagonist_timing_ms: float | None = _opt(
        None, "antagonist-agonist timing differences above this whose 95 % CI excludes 0 are flagged, ms; off by default: "
        "agonist and antagonist normally fire at different times (reciprocal activation), so without a reference for the "
        "task their timing is described, not judged (docs/science.md#one-rule-for-every-flag)", ge=0, nullable=True)
    min_reps_for_flag: int = _opt(
        3, "fewest repetitions (or paired bursts) for a flag; below it a flag is lowered to a notice (with 2 the t-interval "
        "has 1 degree of freedom); emgkit default (docs/science.md#one-rule-for-every-flag)", ge=1)
    timing_source: str = _opt(TIMING_SOURCE, "source shown with the timing threshold")
    fatigue_alpha: float = _opt(0.05, "MDF-slope differences are flagged when their (1 - alpha) CI excludes 0", gt=0, lt=1)
    fatigue_source: str = _opt(FATIGUE_SOURCE, "source shown with fatigue flags")
    lsi_min_pct: float = _opt(90.0, "limb symmetry index below this is flagged (needs analysis.involved_side), %", ge=0)
    lsi_source: str = _opt(LSI_SOURCE, "source shown with the LSI threshold")


@dataclass(frozen=True)
class AnalysisConfig:
    """General analysis choices."""

    confidence: float = _opt(0.95, "confidence level of the intervals", gt=0, lt=1)
    involved_side: str | None = _opt(None, "'L' or 'R': the involved (injured) side, for the limb symmetry index", choices=("L", "R"), nullable=True)
    amplitude_metrics: tuple[str, ...] = _opt(
        ("mean", "peak", "rms", "iemg"), "amplitude metrics compared left vs right", strings=True, choices=("mean", "peak", "rms", "iemg")
    )
    task_structure: str = _opt(
        "auto", "task structure of the left/right pairs: 'auto' (found from the bursts), 'simultaneous', 'alternating' or "
        "'unilateral' (docs/imbalance.md#task-structure)", choices=("auto", "simultaneous", "alternating", "unilateral"))


_SECTIONS = {
    "filters": FiltersConfig,
    "envelope": EnvelopeConfig,
    "onset": OnsetConfig,
    "normalization": NormalizationConfig,
    "pairs": PairsConfig,
    "cycles": CyclesConfig,
    "fatigue": FatigueConfig,
    "flags": FlagsConfig,
    "analysis": AnalysisConfig,
}

# a threshold changed without its source gets this source instead of the default one
_SOURCE_OF = {
    "si_notice_pct": "si_notice_source",
    "si_flag_pct": "si_flag_source",
    "beyond_variability": "beyond_variability_source",
    "timing_ms": "timing_source",
    "fatigue_alpha": "fatigue_source",
    "lsi_min_pct": "lsi_source",
}


@dataclass(frozen=True)
class Config:
    """The whole analysis configuration (immutable; make variants with :meth:`replace`).

    Examples
    --------
    >>> from emgkit.config import Config
    >>> cfg = Config()
    >>> cfg.flags.si_flag_pct, cfg.fatigue.window_s
    (15.0, 1.0)
    >>> cfg.replace(flags={"si_flag_pct": 20}).flags.si_flag_pct
    20.0
    """

    filters: FiltersConfig = field(default_factory=FiltersConfig)
    envelope: EnvelopeConfig = field(default_factory=EnvelopeConfig)
    onset: OnsetConfig = field(default_factory=OnsetConfig)  # type: ignore[valid-type]  # made from the onset registry
    normalization: NormalizationConfig = field(default_factory=NormalizationConfig)
    pairs: PairsConfig = field(default_factory=PairsConfig)
    cycles: CyclesConfig = field(default_factory=CyclesConfig)
    fatigue: FatigueConfig = field(default_factory=FatigueConfig)
    flags: FlagsConfig = field(default_factory=FlagsConfig)
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)

    def __post_init__(self):
        f = self.filters
        if f.high_hz <= f.low_hz:
            raise InvalidInputError(f"filters.high_hz={f.high_hz} must be above filters.low_hz={f.low_hz}")
        if f.trunk_low_hz is not None and f.trunk_low_hz >= f.high_hz:
            raise InvalidInputError(f"filters.trunk_low_hz={f.trunk_low_hz} must be below filters.high_hz={f.high_hz}")
        if self.fatigue.high_hz <= self.fatigue.low_hz:
            raise InvalidInputError(f"fatigue.high_hz={self.fatigue.high_hz} must be above fatigue.low_hz={self.fatigue.low_hz}")
        if self.fatigue.welch_segment_s > self.fatigue.window_s:
            raise InvalidInputError(
                f"fatigue.welch_segment_s={self.fatigue.welch_segment_s} must not exceed fatigue.window_s={self.fatigue.window_s}"
            )
        if self.flags.si_flag_pct < self.flags.si_notice_pct:
            raise InvalidInputError(
                f"flags.si_flag_pct={self.flags.si_flag_pct} must be at least flags.si_notice_pct={self.flags.si_notice_pct}"
            )
        b = self.onset.baseline
        if b is not None and not (0 <= b[0] < b[1]):
            raise InvalidInputError(f"onset.baseline must be [start_s, stop_s] with 0 <= start_s < stop_s, got {list(b)}")
        r = self.normalization.rest_interval
        if r is not None and not (0 <= r[0] < r[1]):
            raise InvalidInputError(f"normalization.rest_interval must be [start_s, stop_s] with 0 <= start_s < stop_s, got {list(r)}")

    # -- conversions -------------------------------------------------------------------
    def as_dict(self) -> dict:
        """Plain nested dict (lists for tuples, ``None`` kept), JSON-serialisable."""
        return {name: _section_dict(getattr(self, name)) for name in _SECTIONS}

    def digest(self) -> str:
        """SHA-256 hex digest of the canonical JSON of :meth:`as_dict` (for result caching)."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode("ascii")).hexdigest()

    def to_toml(self, *, comments: bool = True) -> str:
        """TOML text that :func:`load_config` reads back to an equal Config.

        Parameters
        ----------
        comments : bool, default True
            Write each field's documentation as a comment above it.  ``None``
            values are always written as commented lines (TOML has no null).
        """
        lines = ["# emgkit analysis configuration (load with emgkit.config.load_config or --config FILE)"]
        for name, cls in _SECTIONS.items():
            section = getattr(self, name)
            lines += ["", f"[{name}]"]
            for f in dataclasses.fields(cls):
                value = getattr(section, f.name)
                if comments:
                    lines.append(f"# {f.metadata['doc']}")
                if value is None:
                    lines.append(f"# {f.name} = (not set)")
                else:
                    lines.append(f"{f.name} = {_toml_value(value)}")
        return "\n".join(lines) + "\n"

    def replace(self, **sections) -> "Config":
        """A copy with some settings changed: ``cfg.replace(flags={"si_flag_pct": 20})``.

        Each keyword is a section name; its value a dict of fields (validated
        like a TOML file) or a section object.
        """
        doc = self.as_dict()
        for name, value in sections.items():
            if name not in _SECTIONS:
                raise InvalidInputError(f"unknown configuration section {name!r}{_suggest(name, _SECTIONS)}")
            if isinstance(value, _SECTIONS[name]):
                value = _section_dict(value)
            if not isinstance(value, dict):
                raise InvalidInputError(f"{name} must be a dict of settings, got {type(value).__name__}")
            _check_keys(value, _SECTIONS[name], name, "replace()")
            doc[name] = {**doc[name], **_relabel_sources(value, doc[name], _SECTIONS[name])}
        return _from_dict(doc, "replace()")


def default_config() -> Config:
    """The default configuration (literature defaults of docs/science.md)."""
    return Config()


def load_config(source: str | os.PathLike[str] | Mapping[str, Any] | Config | None = None) -> Config:
    """Read an analysis configuration.

    Parameters
    ----------
    source : None, str, Path, dict or Config
        ``None``: the defaults.  A path: a TOML file with any of the sections
        ``[filters] [envelope] [onset] [normalization] [pairs] [cycles]
        [fatigue] [flags] [analysis]``; missing keys keep their defaults.  A
        dict of the same shape.  A Config is returned unchanged.

    Returns
    -------
    Config

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    FileFormatError
        The file is not valid TOML.
    InvalidInputError
        Unknown sections or keys (the message names the nearest valid one),
        values of the wrong type or out of range.

    Notes
    -----
    A threshold changed without its ``*_source`` gets the source
    ``"user setting (default ...)"``, so a report never shows a literature
    citation next to a number that did not come from it.

    Examples
    --------
    >>> from emgkit.config import load_config
    >>> load_config({"flags": {"si_flag_pct": 20}}).flags.si_flag_source[:12]
    'user setting'
    """
    if source is None:
        return Config()
    if isinstance(source, Config):
        return source
    if isinstance(source, dict):
        where = "config dict"
        doc = source
    elif isinstance(source, (str, Path)):
        path = Path(source).expanduser()
        where = str(path)
        if path.is_dir():
            raise InvalidInputError(f"config path {path} is a folder; give a TOML file")
        try:
            with path.open("rb") as fh:
                doc = tomllib.load(fh)
        except FileNotFoundError:
            raise FileNotFoundError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise FileFormatError(f"{path} is not valid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise FileFormatError(f"{path} is not UTF-8 text: {exc}") from None
    else:
        raise InvalidInputError(f"config must be None, a TOML path, a dict or a Config, got {type(source).__name__}")
    unknown = [k for k in doc if k not in _SECTIONS]
    if unknown:
        k = unknown[0]
        raise InvalidInputError(f"{where}: unknown section [{k}]{_suggest(k, _SECTIONS)}; sections are {', '.join(_SECTIONS)}")
    base = Config().as_dict()
    for name, cls in _SECTIONS.items():
        if name not in doc:
            continue
        values = doc[name]
        if not isinstance(values, dict):
            raise InvalidInputError(f"{where}: [{name}] must be a table of settings, got {values!r}")
        _check_keys(values, cls, name, where)
        base[name] = {**base[name], **_relabel_sources(values, base[name], cls)}
    return _from_dict(base, where)


# -- helpers ----------------------------------------------------------------------------
def _suggest(key, valid) -> str:
    hint = difflib.get_close_matches(str(key), list(valid), n=1, cutoff=0.5)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _check_keys(values: dict, cls, section: str, where: str) -> None:
    names = [f.name for f in dataclasses.fields(cls)]
    for key in values:
        if key not in names:
            raise InvalidInputError(
                f"{where}: unknown key {key!r} in [{section}]{_suggest(key, names)}; valid keys: {', '.join(names)}"
            )


def _relabel_sources(values: dict, current: dict, cls) -> dict:
    """Give a changed threshold the source 'user setting (default ...)' unless a source is given."""
    out = dict(values)
    defaults = _section_dict(cls())
    for key, source_key in _SOURCE_OF.items():
        if key in values and source_key in defaults and source_key not in values and values[key] != current.get(key):
            out[source_key] = f"user setting (the default {_toml_value(defaults[key])} cites: {defaults[source_key]})"
    return out


def _section_dict(section) -> dict:
    out = {}
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if isinstance(value, tuple):
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        out[f.name] = value
    return out


def _from_dict(doc: dict, where: str) -> Config:
    sections = {}
    for name, cls in _SECTIONS.items():
        kwargs = {}
        for f in dataclasses.fields(cls):
            kwargs[f.name] = _coerce(doc[name][f.name], f, f"{name}.{f.name}", where)
        sections[name] = cls(**kwargs)
    return Config(**sections)


def _coerce(value, f, key, where):
    """Check and convert one value against its field's type and rules."""
    rules = f.metadata
    if value is None:
        if rules.get("nullable"):
            return None
        raise InvalidInputError(f"{where}: {key} must be set (it has no 'none' value); default {_toml_value(f.default)}")
    if rules.get("pairs"):
        return _pairs_value(value, key, where)
    if rules.get("strings"):
        if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InvalidInputError(f"{where}: {key} must be a list of strings, got {value!r}")
        if "choices" in rules:
            for v in value:
                _check_choice(v, rules["choices"], key, where)
        return tuple(value)
    if rules.get("pair"):
        if isinstance(value, str) or not isinstance(value, (list, tuple)) or len(value) != 2:
            raise InvalidInputError(f"{where}: {key} must be [start_s, stop_s], got {value!r}")
        return tuple(_number(v, key, where, float) for v in value)
    kind = _KINDS[str(f.type).split("|")[0].strip()]
    if kind is bool:
        if not isinstance(value, bool):
            raise InvalidInputError(f"{where}: {key} must be true or false, got {value!r}")
        return value
    if kind is str:
        if not isinstance(value, str):
            raise InvalidInputError(f"{where}: {key} must be a string, got {value!r}")
        if "choices" in rules:
            _check_choice(value, rules["choices"], key, where)
        return value
    number = _number(value, key, where, kind)
    _check_bounds(number, rules, key, where)
    return number


_KINDS = {"bool": bool, "int": int, "float": float, "str": str}


def _number(value, key, where, kind):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidInputError(f"{where}: {key} must be a number, got {value!r}")
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise InvalidInputError(f"{where}: {key} must be a whole number, got {value!r}")
        return int(value)
    value = float(value)
    if not math.isfinite(value):
        raise InvalidInputError(f"{where}: {key} must be finite, got {value!r}")
    return value


def _check_bounds(value, rules, key, where):
    for rule, ok, text in (
        ("gt", lambda v, b: v > b, ">"),
        ("ge", lambda v, b: v >= b, ">="),
        ("lt", lambda v, b: v < b, "<"),
        ("le", lambda v, b: v <= b, "<="),
    ):
        if rule in rules and not ok(value, rules[rule]):
            raise InvalidInputError(f"{where}: {key} must be {text} {rules[rule]}, got {value!r}")


def _check_choice(value, choices, key, where):
    if value not in choices:
        raise InvalidInputError(
            f"{where}: {key} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}{_suggest(value, choices)}"
        )


def _pairs_value(value, key, where):
    bad = isinstance(value, str) or not isinstance(value, (list, tuple))
    if not bad:
        for item in value:
            if isinstance(item, str) or not isinstance(item, (list, tuple)) or len(item) != 2 or not all(isinstance(v, str) for v in item):
                bad = True
                break
    if bad:
        raise InvalidInputError(f"{where}: {key} must be a list of [channel, channel] name pairs, got {value!r}")
    return tuple((a, b) for a, b in value)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")
