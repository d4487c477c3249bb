"""Helpers shared by the foreign-format readers: optional imports, units, EMG selection, channel naming.

The EMG selection heuristic (:func:`exclusion_reason`) is used by the C3D
reader and the Vicon "Devices" CSV reader; :func:`build_channels` turns raw
labels (plus optional descriptions) into :class:`emgkit.Channel` objects.
"""

from __future__ import annotations

import difflib
import re
from importlib import import_module

import numpy as np

from ..channels import Channel, parse_channel_name
from ..errors import InvalidInputError, MissingDependencyError

# -- optional dependencies -------------------------------------------------------------


def require(module: str, extra: str, what: str):
    """Import an optional dependency or raise MissingDependencyError naming the extra to install."""
    try:
        return import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f"reading {what} files needs the optional package {module!r}, which is not installed; "
            f'install it with: pip install "emgkit[{extra}]" (from PyPI) or pip install ".[{extra}]" (in a clone of '
            "the emgkit repository)"
        ) from None


def check_options(fmt: str, options: dict, accepted) -> None:
    """Reject option names a reader does not know (with a suggestion)."""
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        hints = {u: difflib.get_close_matches(u, list(accepted), n=1) for u in unknown}
        detail = ", ".join(f"{u!r}" + (f" (did you mean {h[0]!r}?)" if h else "") for u, h in hints.items())
        raise InvalidInputError(f"unknown option(s) {detail} for {fmt} files; accepted: {', '.join(sorted(accepted))}")


# -- units ------------------------------------------------------------------------------------

VOLT_FACTORS = {"V": 1.0, "mV": 1e-3, "uV": 1e-6, "nV": 1e-9}
_UNIT_ALIASES = {
    "v": "V", "volt": "V", "volts": "V",
    "mv": "mV", "millivolt": "mV", "millivolts": "mV",
    "uv": "uV", "µv": "uV", "μv": "uV", "microvolt": "uV", "microvolts": "uV", "mcv": "uV",
    "nv": "nV", "nanovolt": "nV", "nanovolts": "nV",
}
def normalise_unit(text) -> str:
    """``"µV"``, ``"microvolts"`` -> ``"uV"``; other units stripped but kept as written ("" when missing)."""
    if text is None:
        return ""
    unit = str(text).strip().strip("[]()").strip()
    return _UNIT_ALIASES.get(unit.lower(), unit)


def volt_factor(unit: str) -> float | None:
    """Factor from ``unit`` to volts, or None when it is not a voltage unit."""
    return VOLT_FACTORS.get(normalise_unit(unit))


def common_unit(units: list[str], where: str):
    """One unit for channels with ``units``: ``(unit, factors)`` to multiply each channel by.

    Voltage units are converted to the most frequent one (ties: the smaller
    unit); identical non-voltage units are kept; empty units become ``"a.u."``.

    Raises
    ------
    InvalidInputError
        Channels carry units that cannot be converted into one another.
    """
    norm = [normalise_unit(u) or "a.u." for u in units]
    if all(u in VOLT_FACTORS for u in norm):
        counts = {u: norm.count(u) for u in norm}
        target = max(counts, key=lambda u: (counts[u], -VOLT_FACTORS[u]))
        return target, [VOLT_FACTORS[u] / VOLT_FACTORS[target] for u in norm]
    if len(set(norm)) == 1:
        return norm[0], [1.0] * len(norm)
    found = sorted(set(norm))
    raise InvalidInputError(
        f"{where}: the selected channels have units {found} that cannot be converted into one another; "
        "a recording has one unit, so select channels of one kind with channels=[...]"
    )


# -- EMG selection ---------------------------------------------------------------------------

# Force-plate components: F1X, Fx1, FZ, M2Y, Mz2, Cx1 (centre of pressure), also after a device prefix ("Force.Fx1").
_FORCE_LABEL = re.compile(r"^(?:[fmc]\d*[xyz]\d*|cop\w*|[fm]p\d+\w*)$", re.IGNORECASE)
# Generic numbered inputs: "Pin 1", "Voltage.1", "Analog 3", "Channel 5", "AI 2", "Aux1", "Input 4".
_GENERIC_LABEL = re.compile(
    r"^(?:pin|voltage|volt|analog|analogue|channel|chan|ch|ai|aux|auxiliary|input|in|adc|a|analog input)[\s._#-]*\d+$",
    re.IGNORECASE,
)
# Words naming a signal that is not EMG.
_NON_EMG_WORDS = {
    "force", "moment", "torque", "load", "trigger", "trig", "sync", "synch", "footswitch", "fsw", "switch",
    "accel", "acc", "accelerometer", "acceleration", "gyro", "gyroscope", "mag", "magnetometer", "imu", "gonio",
    "goniometer", "angle", "marker", "ecg", "ekg", "eeg", "eog", "resp", "respiration", "temp", "temperature",
    "battery", "pressure", "heel", "toe", "event", "button", "cop", "quaternion", "quat",
}


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", str(text).lower())


def exclusion_reason(label: str, unit: str = "", *, generic_inputs: bool = True) -> str | None:
    """Why an analog channel is *not* EMG, or None when it is taken as EMG.

    The rules, in order (documented in docs/formats.md):

    1. a unit that is not a voltage and not blank (N, Nmm, deg, g, ...);
    2. a force-plate label (``F1X``, ``Fx1``, ``M2Z``, ``Cx1``, ``COP``; also
       after a device prefix, ``Force.Fx1``);
    3. a word naming another signal in the label (force, trigger, sync,
       footswitch, accelerometer, goniometer, ECG, ...), unless the label also
       says EMG;
    4. a generic numbered input name (``Pin 1``, ``Voltage.1``, ``Analog 3``,
       ``Channel 5``, ``AI 2``) whose label does not say EMG: unidentified
       auxiliary inputs, not EMG.

    Everything else (a muscle name or abbreviation, any label containing EMG,
    or any other label in volts) is EMG.  ``generic_inputs=False`` skips rule
    4 (plain text columns named ``ch1``, ``Channel 2`` are EMG).  Force-plate channels listed in a
    C3D ``FORCE_PLATFORM:CHANNEL`` parameter are excluded by the C3D reader
    before this test.
    """
    unit_n = normalise_unit(unit)
    if unit_n and volt_factor(unit_n) is None and unit_n.lower() not in ("a.u.", "au", "counts", "count", "adc", "raw"):
        return f"unit {unit_n!r} is not a voltage"
    text = str(label).strip()
    last = re.split(r"[.:]", text)[-1].strip()
    if _FORCE_LABEL.match(last) or _FORCE_LABEL.match(text.replace(" ", "")):
        return "force-plate label"
    words = _words(text)
    says_emg = "emg" in words or "semg" in words or re.search(r"emg", text, re.IGNORECASE) is not None
    if not says_emg:
        hit = sorted(set(words) & _NON_EMG_WORDS)
        if hit:
            return f"label names a non-EMG signal ({hit[0]!r})"
        if generic_inputs and _GENERIC_LABEL.match(text):
            return "generic numbered input, not identified as EMG"
    return None


# -- channels ------------------------------------------------------------------------------------

_LOWER_LIMB = {"hip_back", "hip_front", "thigh_front", "thigh_back", "shank_front", "shank_back", "foot"}


def unique_names(labels) -> list[str]:
    """Labels made unique by numbering repeats (``EMG``, ``EMG 2``); blanks become ``ch<k>``."""
    seen, out = {}, []
    for k, lab in enumerate(labels):
        lab = str(lab).strip() or f"ch{k + 1}"
        seen[lab] = seen.get(lab, 0) + 1
        out.append(lab if seen[lab] == 1 else f"{lab} {seen[lab]}")
    return out


def build_channels(labels, descriptions=None) -> tuple[list[Channel], list[str]]:
    """Channels named by ``labels``, with muscle and side parsed from the label, else the description.

    Parameters
    ----------
    labels : sequence of str
        Channel names as written in the file (made unique).
    descriptions : sequence of str, optional
        Longer descriptions (C3D ``ANALOG:DESCRIPTIONS``, NWB electrode
        locations); used when the label names no muscle or no side.

    Returns
    -------
    channels : list of Channel
    notes : list of str
        What was inferred beyond the label itself.

    Notes
    -----
    A bare "biceps" label (``LBIC``, ``L Biceps``) parses as biceps brachii.
    When every other parsed muscle of the file is a hip, thigh or shank muscle
    (a gait recording), it is read as **biceps femoris** instead, and a note
    says so.
    """
    names = unique_names(labels)
    descriptions = list(descriptions) if descriptions is not None else [""] * len(names)
    parsed = []
    notes = []
    for name, desc in zip(names, descriptions):
        muscle, side = parse_channel_name(name)
        desc = str(desc or "").strip()
        if desc and (muscle is None or side is None):
            d_muscle, d_side = parse_channel_name(desc)
            if muscle is None and d_muscle is not None:
                muscle = d_muscle
                notes.append(f"{name}: muscle {d_muscle} from the description {desc!r}")
            if side is None and d_side is not None:
                side = d_side
                notes.append(f"{name}: side {d_side} from the description {desc!r}")
        parsed.append([name, muscle, side, desc])
    regions = [Channel("x", muscle=m).region for _, m, _, _ in parsed if m is not None and m != "biceps_brachii"]
    if regions and all(r in _LOWER_LIMB for r in regions) and len(regions) >= 2:
        for item in parsed:
            name, muscle, _, desc = item
            if muscle == "biceps_brachii" and "brachii" not in f"{name} {desc}".lower():
                item[1] = "biceps_femoris"
                notes.append(f"{name}: 'biceps' read as biceps femoris (every other muscle in the file is a leg muscle)")
    channels = [Channel(name, muscle=muscle, side=side) for name, muscle, side, _ in parsed]
    return channels, notes


def parse_number(text: str) -> float | None:
    """A float from ``"1000.00"``, ``"2 kHz"``, ``"1,5"`` (decimal comma), else None."""
    m = re.match(r"^\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*(k?hz)?\b", str(text), re.IGNORECASE)
    if not m:
        return None
    value = float(m.group(1).replace(",", "."))
    if m.group(2) and m.group(2).lower() == "khz":
        value *= 1000.0
    return value


def uniform_rate(t) -> tuple[float, str | None]:
    """Rate in Hz of strictly increasing sample times ``t`` (s), and what is wrong with them (None: uniform).

    Uniform means every step is within half a sample of the median step and
    no sample drifts more than half a sample from ``t[0] + i / fs``, with
    ``fs = (n - 1) / (t[-1] - t[0])``.
    """
    t = np.asarray(t, dtype=np.float64)
    if t.size < 2 or not np.all(np.isfinite(t)):
        return float("nan"), "fewer than 2 finite times"
    dt = np.diff(t)
    if np.any(dt <= 0):
        return float("nan"), f"not strictly increasing at sample {int(np.argmax(dt <= 0)) + 1}"
    fs = (t.size - 1) / (t[-1] - t[0])
    step = np.abs(dt - np.median(dt))
    worst = int(np.argmax(step))
    if step[worst] > 0.5 / fs:
        return fs, f"the step to sample {worst + 1} is {dt[worst]:.6g} s, not {1 / fs:.6g} s (a gap or jump of more than half a sample)"
    drift = np.abs(t - (t[0] + np.arange(t.size) / fs))
    worst = int(np.argmax(drift))
    if drift[worst] > 0.5 / fs:
        return fs, f"sample {worst} is {drift[worst]:.6g} s off a constant rate of {fs:.6g} Hz (more than half a sample)"
    return fs, None
