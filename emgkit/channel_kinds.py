"""Channel typing: what each channel records (EMG or not), from its declared kind, unit, label and content.

:func:`classify` gives every channel one of :data:`emgkit.channels.KINDS`
with a short reason.  Only channels of kind ``"emg"`` may enter EMG
statistics; the others (triggers, goniometers, force, accelerometers, a
device's processed on/off or envelope channels, and channels whose content
shows no signal at all) are listed with their kind and reason.  The rules,
their order and their thresholds are documented, with the reason for each
value, in ``docs/channels.md``.

The content is judged on a bounded sample of the record: at most
:data:`MAX_BLOCKS` blocks of :data:`BLOCK_S` s, evenly spaced from the first
to the last sample (the whole record when it is shorter than that), so the
cost does not grow with the record's length and a file larger than memory
is read only in those blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ._chunks import ArraySource, FileSource
from .channels import Channel
from .errors import InvalidInputError

__all__ = ["ChannelKind", "classify", "BLOCK_S", "MAX_BLOCKS", "EMG_BAND_HZ", "MIN_EMG_SHARE"]

# -- content thresholds (reasons in docs/channels.md) --------------------------------------------------
BLOCK_S = 1.0  # length of each block read, s: 1 Hz spectral bins
MAX_BLOCKS = 16  # blocks read at most, evenly spaced over the record
MIN_SAMPLES = 64  # fewer samples: the content is not judged
MIN_FS_HZ = 100.0  # at or below this rate the EMG band is mostly above the Nyquist frequency
EMG_BAND_HZ = (10.0, 450.0)  # where surface EMG has its power (top capped at 0.45 fs)
REFERENCE_LOW_HZ = 1.0  # the share is taken of the power from this frequency up (slower drift is removed per block)
MIN_EMG_SHARE = 0.25  # less of the power in the EMG band: a slow signal, not EMG
MAINS_ONLY_SHARE = 0.98  # this much of the power at the mains frequency and its harmonics: hum only
LINE_HALF_WIDTH_HZ = 2.0  # bins counted as mains around each harmonic (Hann main lobe of a 1 s block)
LEVEL_TOL = 0.05  # a sample within 5 % of the range of the lowest/highest value is at that level
TWO_LEVEL_SHARE = 0.98  # share of samples at the two extreme levels for a step (two-level) signal
MIN_MEAN_RUN = 5  # samples a step signal stays at one level, on average, at least
MAX_DIGITAL_LEVELS = 16  # distinct values of a multi-level digital signal, at most
MAX_DIGITAL_CHANGES = 0.05  # share of consecutive samples that differ in a digital signal, at most
FOLLOW_R = 0.6  # |correlation| with an EMG channel's envelope from which a step channel counts as derived from it
ENVELOPE_BIN_S = 0.010  # envelope and on/off state averaged in 10 ms bins for the correlation
ENVELOPE_WINDOW_S = 0.100  # moving RMS window of the EMG envelope
FLOOR_SHARE = 0.2  # a processed envelope rests (5th percentile) within 20 % of its peak of zero


@dataclass(frozen=True)
class ChannelKind:
    """The kind of one channel and why.

    Attributes
    ----------
    name : str
        The channel's name (untrusted text from the file).
    kind : str
        One of :data:`emgkit.channels.KINDS`.
    reason : str
        One short sentence: the evidence (label word, unit, content measure).
    basis : {"declared", "unit", "label", "content", "rate"}
        What decided the kind.
    """

    name: str
    kind: str
    reason: str
    basis: str

    @property
    def is_emg(self) -> bool:
        """True for kind ``"emg"``: the only channels that may enter EMG statistics."""
        return self.kind == "emg"


# -- units and label words ---------------------------------------------------------------------------
_NEUTRAL_UNITS = {"", "v", "mv", "uv", "µv", "μv", "nv", "volt", "volts", "millivolt", "millivolts", "microvolt",
                  "microvolts", "a.u.", "au", "a.u", "counts", "count", "adc", "raw", "lsb", "bits"}
_UNIT_KINDS = {
    "angle": {"deg", "degree", "degrees", "°", "rad", "radian", "radians"},
    "force": {"n", "kn", "nm", "n.m", "n*m", "n m", "nmm", "n.mm", "kg", "kgf", "lbf", "lb", "lbs"},
    "accelerometer": {"g", "mg", "m/s^2", "m/s2", "m/s²", "m.s-2", "ms-2", "deg/s", "°/s", "rad/s", "dps"},
}
_LABEL_WORDS = {
    "trigger": {"trigger", "trig", "sync", "synch", "ttl", "footswitch", "footswitches", "fsw", "switch", "heel", "toe",
                "event", "events", "button", "digital", "digitals", "stim", "stimulus", "pulse", "gate", "strobe",
                "marker"},
    "angle": {"angle", "angles", "gonio", "goniometer", "elgon", "flexion", "extension", "flexo"},
    "force": {"force", "forces", "torque", "moment", "load", "loadcell", "dynamometer", "dyno", "pressure", "fsr",
              "cop"},
    "accelerometer": {"acc", "accel", "accelerometer", "acceleration", "imu", "gyro", "gyroscope", "mag",
                      "magnetometer", "inertial", "quat", "quaternion"},
    "processed": {"rms", "env", "envelope", "processed", "proc", "rectified", "rect", "smoothed", "mav", "iemg",
                  "integrated", "linenv", "onoff"},
    "unknown": {"ecg", "ekg", "eeg", "eog", "resp", "respiration", "breath", "temp", "temperature", "battery", "gsr",
                "eda", "ppg", "spo2"},
}
_AXIS_WORD = re.compile(r"^(acc|accel|gyro|mag)[xyz]$")  # "AccX", "GyroZ"
# force-plate components F1X, Fx1, FZ, M2Y, Mz2, Cx1 (also after a device prefix, "Force.Fx1")
_FORCE_PLATE = re.compile(r"^(?:[fmc]\d*[xyz]\d*|cop\w*|[fm]p\d+\w*)$", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", str(text).lower())


def _unit_kind(unit: str):
    """``(kind, reason)`` from a channel's unit, or None when the unit is a voltage, counts or blank."""
    u = str(unit or "").strip().strip("[]()").strip().lower()
    if u in _NEUTRAL_UNITS:
        return None
    for kind, units in _UNIT_KINDS.items():
        if u in units:
            return kind, f"unit {unit!r} is not a voltage: {kind.replace('accelerometer', 'acceleration or rotation rate')}"
    return "unknown", f"unit {unit!r} is not a voltage (EMG is recorded in V, mV, uV or counts)"


def _label_kind(name: str):
    """``(kind, reason)`` from words of the label naming a non-EMG signal, or None."""
    text = str(name)
    words = _words(text)
    if "emg" in words or "semg" in words or "emg" in text.lower():
        return None  # the label says EMG: other words (e.g. "EMG trigger") do not override it
    last = re.split(r"[.:]", text)[-1].strip()
    if _FORCE_PLATE.match(last) or _FORCE_PLATE.match(text.replace(" ", "")):
        return "force", "label is a force-plate component (Fx, Fz, Mx, COP ...)"
    if "on" in words and "off" in words:
        return "processed", "label names an on/off channel"
    for kind, vocabulary in _LABEL_WORDS.items():
        hit = next((w for w in words if w in vocabulary or (kind == "accelerometer" and _AXIS_WORD.match(w))), None)
        if hit is not None:
            what = {"unknown": "a signal that is not EMG"}.get(kind, f"a {kind} signal" if kind != "processed"
                                                               else "a processed (rectified/enveloped) signal")
            return kind, f"label word {hit!r} names {what}"
    return None


# -- reading a bounded sample ------------------------------------------------------------------------------
def _source(recording, channels, unit, meta):
    """``(source, channels, unit, meta)`` of a Recording, an open RecordingFile or a chunked source."""
    if hasattr(recording, "data") and hasattr(recording, "channels"):  # Recording
        return ArraySource(recording.data, recording.fs), recording.channels, recording.unit, recording.meta
    if hasattr(recording, "channels") and hasattr(recording, "n_samples") and hasattr(recording, "iter_chunks"):
        return FileSource(recording), recording.channels, recording.unit, recording.meta  # RecordingFile
    if all(hasattr(recording, a) for a in ("read", "fs", "n_samples", "n_channels")):
        if channels is None:
            raise InvalidInputError("classify(source) needs channels=[...] (one name or Channel per source channel)")
        return recording, channels, unit or "", meta or {}
    raise InvalidInputError(
        f"classify needs a Recording, an open emgkit.RecordingFile or a chunked source, got {type(recording).__name__}"
    )


def _blocks(source) -> np.ndarray:
    """``(n_blocks, n_channels, L)`` samples: the whole record cut in blocks, or MAX_BLOCKS evenly spaced blocks."""
    n, fs = int(source.n_samples), float(source.fs)
    length = max(1, min(n, int(round(BLOCK_S * fs))))
    m = n // length
    if m <= MAX_BLOCKS:
        x = source.read(0, m * length)
        return x.reshape(x.shape[0], m, length).transpose(1, 0, 2)
    starts = np.linspace(0, n - length, MAX_BLOCKS).round().astype(int)
    return np.stack([source.read(int(a), int(a) + length) for a in starts])


# -- content -------------------------------------------------------------------------------------------------
@dataclass
class _Content:
    kind: str  # "emg", "flat", "step", "digital", "quantised", "slow", "slow-envelope", "mains", "short", "rate"
    reason: str
    high: np.ndarray | None = None  # step signals: (n_blocks, L) bool, True at the higher level


def _content(x: np.ndarray, fs: float, line_hz, unit: str) -> list[_Content]:
    """The content verdict of every channel of ``x`` (n_blocks, n_channels, L)."""
    nb, nc, length = x.shape
    if nb * length < MIN_SAMPLES:
        return [_Content("short", f"only {nb * length} samples: too few to judge the content")] * nc
    lo, hi = x.min(axis=(0, 2)), x.max(axis=(0, 2))
    changes = np.mean(np.diff(x, axis=2) != 0, axis=(0, 2)) if length > 1 else np.zeros(nc)
    out: list[_Content | None] = [None] * nc
    for c in range(nc):
        if lo[c] == hi[c]:
            out[c] = _Content("flat", f"constant: every sampled value is {lo[c]:.6g}{' ' + unit if unit else ''} "
                                      "(unused or disconnected input?)")
            continue
        out[c] = _levels(x[:, c], lo[c], hi[c], changes[c], unit)
    todo = [c for c in range(nc) if out[c] is None]
    if todo and fs <= MIN_FS_HZ:
        for c in todo:
            out[c] = _Content("rate", f"fs {fs:g} Hz is too low for raw EMG (the 10-450 Hz band lies above fs/2)")
        todo = []
    if todo:
        for c, verdict in zip(todo, _spectral(x[:, todo], fs, line_hz, unit)):
            out[c] = verdict
    return out


def _levels(x, lo, hi, change_share, unit):
    """Step (two-level), digital (few levels) or quantisation-only content of one channel, else None."""
    tol = LEVEL_TOL * (hi - lo)
    at_lo, at_hi = x <= lo + tol, x >= hi - tol
    if np.mean(at_lo | at_hi) >= TWO_LEVEL_SHARE:
        state = np.where(at_hi, 1, np.where(at_lo, -1, 0))
        flips = sum(_flips(row) for row in state)
        if flips * MIN_MEAN_RUN <= x.size:
            on = at_hi if at_hi.mean() <= at_lo.mean() else at_lo
            rest, active = (lo, hi) if on is at_hi else (hi, lo)
            return _Content("step", f"two levels ({rest:.4g} at rest, {active:.4g} for {100 * on.mean():.1f}% of the "
                                    f"samples) with sharp steps", at_hi)
    if change_share <= MAX_DIGITAL_CHANGES:
        levels = np.unique(x)
        if levels.size <= MAX_DIGITAL_LEVELS:
            return _Content("digital", f"{levels.size} distinct levels, changing on {100 * change_share:.1f}% of the "
                                       "samples: a digital or event signal")
    steps = np.abs(np.diff(x, axis=-1))
    steps = steps[steps > 0]
    sd = float(np.std(x))
    if steps.size and sd <= steps.min():
        return _Content("quantised", f"varies only at quantisation level (SD {sd:.3g} <= step {steps.min():.3g} {unit}): "
                                     "no signal")
    return None


def _flips(state_row) -> int:
    """Changes between the two levels in one block (samples between the levels keep the last level)."""
    s = state_row[state_row != 0]
    return int(np.count_nonzero(s[1:] != s[:-1])) if s.size > 1 else 0


def _spectral(x, fs, line_hz, unit) -> list[_Content]:
    """EMG, mains-only or slow content of channels ``x`` (n_blocks, n, L) from their power spectra."""
    nb, nc, length = x.shape
    t = np.arange(length) - (length - 1) / 2.0
    y = x - x.mean(axis=2, keepdims=True)
    if length > 1:
        y -= (np.sum(y * t, axis=2, keepdims=True) / np.sum(t * t)) * t  # linear trend: slow drift out
    power = np.sum(np.abs(np.fft.rfft(y * np.hanning(length), axis=2)) ** 2, axis=0)  # (nc, nf)
    f = np.fft.rfftfreq(length, 1.0 / fs)
    top = min(EMG_BAND_HZ[1], 0.45 * fs)
    ref = (f >= REFERENCE_LOW_HZ) & (f <= top)
    band = ref & (f >= EMG_BAND_HZ[0])
    candidates = [float(line_hz)] if line_hz else [50.0, 60.0]
    near = {hz: _near_harmonics(f, hz, top) for hz in candidates}
    hum = {hz: power[:, ref & near[hz]].sum(axis=1) for hz in candidates}
    hz = max(candidates, key=lambda h: hum[h].sum())
    total = power[:, ref].sum(axis=1)
    out = []
    for c in range(nc):
        clean = power[c, ref & ~near[hz]].sum()
        share = power[c, band & ~near[hz]].sum() / clean if clean > 0 else 0.0
        if total[c] > 0 and hum[hz][c] / total[c] >= MAINS_ONLY_SHARE:
            out.append(_Content("mains", f"{100 * hum[hz][c] / total[c]:.1f}% of the power is mains hum at {hz:g} Hz "
                                         "and its harmonics: no muscle signal (electrode off?)"))
        elif share < MIN_EMG_SHARE:
            out.append(_slow(x[:, c], share, unit))
        else:
            out.append(_Content("emg", f"{100 * share:.0f}% of the power in {EMG_BAND_HZ[0]:g}-{top:g} Hz, "
                                       "broadband like EMG"))
    return out


def _near_harmonics(f, line_hz, top):
    near = np.zeros(f.shape, dtype=bool)
    for h in np.arange(line_hz, top + LINE_HALF_WIDTH_HZ, line_hz):
        near |= np.abs(f - h) <= LINE_HALF_WIDTH_HZ + 1e-9
    return near


def _slow(x, share, unit) -> _Content:
    """A slow channel: a processed envelope when it is non-negative and rests near zero, else unknown."""
    what = f"only {100 * share:.2g}% of the power in the EMG band ({EMG_BAND_HZ[0]:g} Hz and up): a slow signal"
    peak = float(np.max(np.abs(x)))
    floor = float(np.percentile(x, 5))
    if float(np.min(x)) >= -0.01 * peak and floor <= FLOOR_SHARE * peak:
        return _Content("slow-envelope", f"{what}, non-negative and resting near 0, like an EMG envelope")
    return _Content("slow", f"{what} (angle, force, another sensor?)")


def _follows(on: np.ndarray, x: np.ndarray, emg_rows: list[int], fs: float):
    """``(row, r)`` of the EMG channel whose envelope correlates best (in absolute value) with the state ``on``."""
    nb, _, length = x.shape
    step = max(1, int(round(ENVELOPE_BIN_S * fs)))
    nbins = length // step
    if nbins < 2 or not emg_rows:
        return None, 0.0
    width = max(1, int(round(ENVELOPE_WINDOW_S / ENVELOPE_BIN_S)))
    state = on[:, : nbins * step].reshape(nb, nbins, step).mean(axis=2).ravel()
    y = x[:, emg_rows, : nbins * step] - x[:, emg_rows].mean(axis=2, keepdims=True)
    ms = np.mean(y.reshape(nb, len(emg_rows), nbins, step) ** 2, axis=3)
    env = np.sqrt(_moving_mean(ms, width)).transpose(1, 0, 2).reshape(len(emg_rows), -1)
    best, best_r = None, 0.0
    for row, e in zip(emg_rows, env):
        if np.std(e) > 0 and np.std(state) > 0:
            r = float(np.corrcoef(state, e)[0, 1])
            if abs(r) > abs(best_r):
                best, best_r = row, r
    return best, best_r


def _moving_mean(a, width):
    """Centred moving mean along the last axis; the ends average the values present."""
    c = np.concatenate([np.zeros(a.shape[:-1] + (1,)), np.cumsum(a, axis=-1)], axis=-1)
    n = a.shape[-1]
    lo = np.clip(np.arange(n) - width // 2, 0, n)
    hi = np.clip(np.arange(n) - width // 2 + width, 0, n)
    return (c[..., hi] - c[..., lo]) / (hi - lo)


# -- the classifier -----------------------------------------------------------------------------------------
def _units(channels, unit, units, meta):
    n = len(channels)
    if units is not None:
        units = [str(u) for u in units]
        if len(units) != n:
            raise InvalidInputError(f"units has {len(units)} entries for {n} channels; give one unit per channel")
        return units
    c3d = (meta or {}).get("c3d") or {}
    names = [c.name if isinstance(c, Channel) else str(c) for c in channels]
    if c3d.get("labels") == names and len(c3d.get("units") or []) == n:
        return [str(u) for u in c3d["units"]]  # C3D channels of different units read together
    return [unit or ""] * n


def classify(recording, *, channels=None, unit=None, units=None, meta=None) -> list[ChannelKind]:
    """The kind of every channel: EMG, or what else it records, with the reason.

    Parameters
    ----------
    recording : Recording, RecordingFile or chunked source
        An in-memory :class:`emgkit.Recording`, an open
        :class:`emgkit.io.RecordingFile` (``emgkit.open``; only the sampled
        blocks are read from disk), or a source of
        :mod:`emgkit._chunks` (``ArraySource``/``FileSource``:
        ``read(a, b)``, ``fs``, ``n_samples``, ``n_channels``).
    channels : sequence of str or Channel, optional
        Required for a bare source: one per source channel.
    unit : str, optional
        Unit of a bare source's values.
    units : sequence of str, optional
        One unit per channel, when channels of different units were read
        together (a C3D file's ``meta["c3d"]["units"]`` is used by default).
    meta : dict, optional
        For a bare source: its metadata (``powerline_hz`` is used).

    Returns
    -------
    list of ChannelKind
        One per channel, in order: ``name``, ``kind`` (one of
        :data:`emgkit.channels.KINDS`), ``reason``, ``basis``.

    Notes
    -----
    Rules, first match wins (thresholds and their reasons: ``docs/channels.md``):

    1. a kind declared on the channel (``Channel.kind``, set by a channel map);
    2. a unit that is not a voltage or counts: ``deg``/``rad`` angle,
       ``N``/``Nm``/``kg`` force, ``g``/``m/s^2``/``deg/s`` accelerometer,
       any other unknown;
    3. a label word naming another signal (trigger, sync, footswitch, angle,
       goniometer, force-plate components, acc, gyro, rms, envelope, on/off,
       ECG, ...), unless the label says EMG;
    4. content, from at most :data:`MAX_BLOCKS` blocks of :data:`BLOCK_S` s
       evenly spaced over the record (a trigger that fires only between
       them is not seen): constant (unknown); two levels with sharp steps
       (``processed`` when its on periods follow an EMG channel of the
       recording, |correlation| >= :data:`FOLLOW_R`, else ``trigger``); at most
       16 levels changing rarely (trigger); variation only at quantisation
       level (unknown); a rate at or below 100 Hz (``processed`` when the
       label names a muscle or EMG, else unknown); 98 % of the power at the
       mains frequency and harmonics (unknown); less than
       :data:`MIN_EMG_SHARE` of the 1-450 Hz power in the 10-450 Hz EMG band,
       mains bins left out (``processed`` when non-negative and resting near
       zero, else unknown); otherwise ``emg``.

    A label naming a muscle does not overrule content that no raw EMG has
    (a constant, steps, a slow signal): such a channel is not EMG, and the
    reason says what its label claimed.

    Examples
    --------
    >>> import numpy as np, emgkit
    >>> from emgkit.datasets import simulate
    >>> rec = simulate(n_reps=2, fs=1000, muscles=("biceps_brachii",), sides=("L",), seed=0)
    >>> trig = np.where(np.arange(rec.n_samples) % 2000 < 100, 5.0, 0.0)
    >>> both = emgkit.Recording(np.vstack([rec.data, trig]), rec.fs, [*rec.channels, "Input 2"])
    >>> [(k.name, k.kind) for k in classify(both)]
    [('L biceps_brachii', 'emg'), ('Input 2', 'trigger')]
    """
    source, chans, unit, meta = _source(recording, channels, unit, meta)
    chans = [c if isinstance(c, Channel) else Channel(str(c)) for c in chans]
    if len(chans) != source.n_channels:
        raise InvalidInputError(f"{len(chans)} channels for a source of {source.n_channels}; give one per channel")
    per_unit = _units(chans, unit, units, meta)
    fs = float(source.fs)
    x = _blocks(source)
    content = _content(x, fs, (meta or {}).get("powerline_hz"), unit or "")
    emg_rows = [c for c, v in enumerate(content) if v.kind == "emg"]
    out = []
    for c, (ch, u, verdict) in enumerate(zip(chans, per_unit, content)):
        out.append(_decide(ch, u, verdict, x, emg_rows, fs, chans))
    return out


def _decide(ch: Channel, unit: str, verdict: _Content, x, emg_rows, fs, chans) -> ChannelKind:
    if ch.kind is not None:
        return ChannelKind(ch.name, ch.kind, f"declared {ch.kind} (channel map)", "declared")
    by_unit = _unit_kind(unit)
    if by_unit is not None:
        return ChannelKind(ch.name, *by_unit, "unit")
    by_label = _label_kind(ch.name)
    if by_label is not None:
        return ChannelKind(ch.name, *by_label, "label")
    claim = f" (named {ch.muscle})" if ch.muscle else ""
    says_emg = ch.muscle is not None or "emg" in ch.name.lower()
    if verdict.kind == "emg":
        named = f"{ch.muscle}; " if ch.muscle else ""
        return ChannelKind(ch.name, "emg", f"{named}{verdict.reason}", "content")
    if verdict.kind == "short":
        if says_emg:
            return ChannelKind(ch.name, "emg", f"named {ch.muscle or 'EMG'}; {verdict.reason}", "label")
        return ChannelKind(ch.name, "unknown", f"{verdict.reason}, and no muscle is named", "content")
    if verdict.kind == "rate":
        kind = "processed" if says_emg else "unknown"
        return ChannelKind(ch.name, kind, f"{verdict.reason}{claim}", "rate")
    if verdict.kind == "step":
        row, r = _follows(verdict.high, x, emg_rows, fs)
        if row is not None and abs(r) >= FOLLOW_R:
            return ChannelKind(ch.name, "processed", f"{verdict.reason}; its on periods follow the activity of "
                                                     f"{chans[row].name!r} (r = {r:.2f}): an on/off channel{claim}",
                               "content")
        return ChannelKind(ch.name, "trigger", f"{verdict.reason}{claim}", "content")
    if verdict.kind == "digital":
        return ChannelKind(ch.name, "trigger", f"{verdict.reason}{claim}", "content")
    if verdict.kind == "slow-envelope":
        return ChannelKind(ch.name, "processed", f"{verdict.reason}{claim}", "content")
    return ChannelKind(ch.name, "unknown", f"{verdict.reason}{claim}", "content")  # flat, quantised, mains, slow

