"""Channels: name, muscle and body side, parsed from labels by a synonym catalogue.

The catalogue (``emgkit/data/muscles.toml``) maps the labels labs write
(``"L Biceps"``, ``"R_BIC"``, ``"RF right"``, ``"TA_L"``, ``"LREC"``) to canonical
snake_case muscle names (SENIAM naming) and sides ``"L"``/``"R"``.  Extend it
with :func:`load_catalogue` (a TOML file of the same shape) or
:func:`add_synonyms`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .errors import FileFormatError, InvalidInputError

__all__ = ["Channel", "KINDS", "parse_channel_name", "add_synonyms", "load_catalogue", "muscle_region", "known_muscles",
           "lookup_muscle", "closest_muscle", "split_side"]

_SIDES = ("L", "R")
# What a channel records: EMG, or a signal that must never enter EMG statistics (docs/channels.md).
KINDS = ("emg", "trigger", "angle", "force", "accelerometer", "processed", "unknown")


class _Catalogue:
    """Synonym -> canonical muscle, side words, ignored words, muscle -> region."""

    def __init__(self):
        self.synonyms: dict[str, str] = {}
        self.regions: dict[str, str] = {}
        self.side_words: dict[str, str] = {}
        self.ignore: set[str] = set()
        self.max_words = 1

    def update(self, doc: dict, source: str) -> None:
        for muscle, entry in doc.get("muscles", {}).items():
            canonical = _snake(muscle)
            if not isinstance(entry, dict):
                raise FileFormatError(f"{source}: [muscles.{muscle}] must be a table with 'synonyms'")
            if "region" in entry:
                self.regions[canonical] = str(entry["region"])
            for syn in [canonical, *entry.get("synonyms", [])]:
                key = _phrase(syn)
                if not key:
                    continue
                owner = self.synonyms.get(key)
                if owner is not None and owner != canonical and source == "built-in":
                    raise FileFormatError(f"{source}: synonym {syn!r} is listed for both {owner} and {canonical}")
                self.synonyms[key] = canonical  # a user file may re-map a built-in synonym
                self.max_words = max(self.max_words, len(key.split()))
        for side, words in doc.get("sides", {}).items():
            if side not in _SIDES:
                raise FileFormatError(f"{source}: [sides] keys must be 'L' or 'R', got {side!r}")
            for w in words:
                self.side_words[_phrase(w)] = side
        self.ignore.update(_phrase(w) for w in doc.get("ignore", {}).get("words", []))


def _snake(text: str) -> str:
    return "_".join(_words(text))


def _words(text: str) -> list[str]:
    """Lower-case alphanumeric words; letters and digits are split (``EMG12`` -> emg, 12) and so are
    CamelCase words (``RTibAnt`` -> r, tib, ant; ``LGastroc`` -> l, gastroc), while an all-capitals run stays
    one word (``LREC``)."""
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", str(text))]


def _phrase(text: str) -> str:
    return " ".join(_words(text))


def _load_builtin() -> _Catalogue:
    cat = _Catalogue()
    with resources.files("emgkit").joinpath("data/muscles.toml").open("rb") as fh:
        cat.update(tomllib.load(fh), "built-in")
    return cat


_CATALOGUE = _load_builtin()


def load_catalogue(path) -> None:
    """Add the muscles, synonyms and side words of a TOML file to the catalogue.

    Parameters
    ----------
    path : str or Path
        TOML file shaped like ``emgkit/data/muscles.toml``: ``[muscles.<name>]``
        tables with ``synonyms = [...]`` and optional ``region``, optional
        ``[sides]`` and ``[ignore]``.  Entries override built-in synonyms.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise FileNotFoundError(f"muscle catalogue not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(f"{path} is not valid TOML: {exc}") from None
    _CATALOGUE.update(doc, str(path))


def add_synonyms(mapping: dict[str, str]) -> None:
    """Map extra labels to muscles, e.g. ``add_synonyms({"bizeps": "biceps_brachii"})``."""
    _CATALOGUE.update({"muscles": {m: {"synonyms": [s]} for s, m in mapping.items()}}, "add_synonyms")


def known_muscles() -> list[str]:
    """Canonical muscle names in the catalogue, sorted."""
    return sorted(set(_CATALOGUE.synonyms.values()))


def lookup_muscle(text: str) -> str | None:
    """The canonical muscle that ``text`` names exactly (a canonical name or a synonym), else None.

    Examples
    --------
    >>> lookup_muscle("Quads"), lookup_muscle("quadricepz")
    ('quadriceps', None)
    """
    return _CATALOGUE.synonyms.get(_phrase(text))


def split_side(text: str) -> tuple[str | None, str]:
    """``(side, rest)`` when the first or last word of ``text`` is a side word, else ``(None, text)``.

    Examples
    --------
    >>> split_side("L quadriceps"), split_side("biceps right"), split_side("quadriceps")
    (('L', 'quadriceps'), ('R', 'biceps'), (None, 'quadriceps'))
    """
    words = _words(text)
    if len(words) > 1:
        for i in (0, -1):
            side = _CATALOGUE.side_words.get(words[i])
            if side is not None:
                rest = words[1:] if i == 0 else words[:-1]
                return side, " ".join(rest)
    return None, str(text)


def closest_muscle(text: str) -> str | None:
    """The canonical muscle whose name or synonym is most similar to ``text`` (difflib ratio >= 0.6), else None.

    Examples
    --------
    >>> closest_muscle("quadricepz")
    'quadriceps'
    """
    import difflib

    hit = difflib.get_close_matches(_phrase(text), list(_CATALOGUE.synonyms), n=1, cutoff=0.6)
    return _CATALOGUE.synonyms[hit[0]] if hit else None


def muscle_region(muscle: str | None) -> str | None:
    """Body region of a canonical muscle (``"upper_arm"``, ``"thigh_back"``, ...), or None."""
    return _CATALOGUE.regions.get(muscle) if muscle else None


def _match_muscle(words: list[str]) -> str | None:
    """Longest run of consecutive words that is a known synonym."""
    cat = _CATALOGUE
    for n in range(min(len(words), cat.max_words), 0, -1):
        for i in range(len(words) - n + 1):
            hit = cat.synonyms.get(" ".join(words[i : i + n]))
            if hit is not None:
                return hit
    return None


def parse_channel_name(name: str) -> tuple[str | None, str | None]:
    """Parse a channel label into ``(muscle, side)``; either may be None.

    Side words may stand alone (``"L Biceps"``, ``"TA_L"``, ``"RF right"``) or be
    glued to a known abbreviation (``"LREC"``, ``"RBIC"``).  Words such as
    ``EMG``, ``ch`` and numbers are ignored.

    Examples
    --------
    >>> parse_channel_name("R-Tri")
    ('triceps_brachii', 'R')
    >>> parse_channel_name("Left biceps brachii")
    ('biceps_brachii', 'L')
    >>> parse_channel_name("Voltage.1")
    (None, None)
    """
    cat = _CATALOGUE
    words = [w for w in _words(name) if w not in cat.ignore and not w.isdigit()]
    side = None
    for i, w in enumerate(words):
        if w in cat.side_words and (len(words) > 1 or w not in cat.synonyms):
            side = cat.side_words[w]
            del words[i]
            break
    muscle = _match_muscle(words)
    if muscle is None and side is None and len(words) == 1:
        # glued side prefix: LREC, RTTI, leftbic
        word = words[0]
        for prefix in sorted(cat.side_words, key=len, reverse=True):
            rest = word[len(prefix):]
            if word.startswith(prefix) and rest in cat.synonyms:
                return cat.synonyms[rest], cat.side_words[prefix]
    return muscle, side


def _normalise_side(side):
    if side is None:
        return None
    key = _phrase(side)
    if key in _CATALOGUE.side_words:
        return _CATALOGUE.side_words[key]
    if str(side).upper() in _SIDES:
        return str(side).upper()
    raise InvalidInputError(f"side must be 'L', 'R' or None, got {side!r}")


@dataclass(frozen=True)
class Channel:
    """One channel: EMG, or a signal recorded beside it (trigger, angle, force, ...).

    Parameters
    ----------
    name : str
        Label as written in the source file (kept verbatim; untrusted text).
    muscle : str, optional
        Canonical snake_case muscle (``"biceps_brachii"``).  A known synonym is
        mapped to its canonical name.  Parsed from ``name`` when omitted.
    side : {"L", "R", None}, optional
        Body side.  Parsed from ``name`` when omitted.
    kind : {"emg", "trigger", "angle", "force", "accelerometer", "processed", "unknown", None}, optional
        What the channel records, when declared (a channel map, a file that
        stores it).  None: not declared; :func:`emgkit.channel_kinds.classify`
        tells it from the name, unit and content.
    """

    name: str
    muscle: str | None = field(default=None)
    side: str | None = field(default=None)
    kind: str | None = field(default=None)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError(f"a channel name must be a non-empty string, got {self.name!r}")
        parsed_muscle, parsed_side = parse_channel_name(self.name)
        muscle = self.muscle
        if muscle is None:
            muscle = parsed_muscle
        else:
            muscle = _CATALOGUE.synonyms.get(_phrase(muscle)) or _snake(muscle) or None
        side = parsed_side if self.side is None else _normalise_side(self.side)
        if self.kind is not None and self.kind not in KINDS:
            import difflib

            close = difflib.get_close_matches(str(self.kind), KINDS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InvalidInputError(f"channel {self.name!r}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}{hint}")
        object.__setattr__(self, "muscle", muscle)
        object.__setattr__(self, "side", side)

    @property
    def region(self) -> str | None:
        """Body region of the muscle, from the catalogue."""
        return muscle_region(self.muscle)
