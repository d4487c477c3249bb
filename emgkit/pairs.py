"""Pairing channels for comparison: left vs right, agonist vs antagonist.

* **Bilateral pairs**: the same muscle on sides ``"L"`` and ``"R"``
  (:attr:`emgkit.Channel.muscle` / :attr:`~emgkit.Channel.side`).
* **Agonist/antagonist pairs**: muscles that oppose each other at a joint, on
  the same side, from the catalogue ``emgkit/data/pairs.toml`` (elbow, knee,
  ankle, hip, trunk, shoulder girdle, shoulder, wrist).  Extend it with a TOML
  file of the same shape (:meth:`PairCatalogue.from_toml`).
* **Explicit pairs** override the automatic ones: a channel named in an
  explicit pair of one kind is left out of the automatic pairs of that kind.

Every channel that ends up without a partner is reported with the reason
(:attr:`Pairing.unpaired`), so "why is my muscle missing from the table?"
always has an answer.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .channels import Channel, known_muscles
from .errors import FileFormatError, InvalidInputError

if TYPE_CHECKING:
    from .recording import Recording

__all__ = [
    "PairRule",
    "PairCatalogue",
    "BilateralPair",
    "MusclePair",
    "Unpaired",
    "Pairing",
    "find_pairs",
    "default_catalogue",
]


@dataclass(frozen=True)
class PairRule:
    """One catalogue entry: ``agonists`` perform ``action`` at ``joint``; ``antagonists`` oppose it."""

    name: str
    joint: str
    action: str
    agonists: tuple[str, ...]
    antagonists: tuple[str, ...]


class PairCatalogue:
    """Agonist/antagonist rules by joint and action.

    Parameters
    ----------
    rules : iterable of PairRule
        Rules in order; a later rule with the same ``name`` replaces an
        earlier one.
    """

    def __init__(self, rules=()):
        by_name = {}
        for rule in rules:
            by_name[rule.name] = rule
        self.rules: tuple[PairRule, ...] = tuple(by_name.values())

    @classmethod
    def default(cls) -> "PairCatalogue":
        """The built-in catalogue (``emgkit/data/pairs.toml``)."""
        with resources.files("emgkit").joinpath("data/pairs.toml").open("rb") as fh:
            return cls(_parse(tomllib.load(fh), "built-in pairs.toml"))

    @classmethod
    def from_toml(cls, path, *, base: "PairCatalogue | None" = None) -> "PairCatalogue":
        """The rules of ``base`` (default: the built-in catalogue) plus those of a TOML file.

        Parameters
        ----------
        path : str or Path
            TOML file with ``[[pairs]]`` tables holding ``name``, ``joint``,
            ``action``, ``agonists`` and ``antagonists`` (canonical muscle
            names).  A ``name`` already in ``base`` replaces that rule.

        Raises
        ------
        FileNotFoundError, FileFormatError
            Missing file, invalid TOML, missing keys or unknown muscle names.
        """
        path = Path(path).expanduser()
        try:
            with path.open("rb") as fh:
                doc = tomllib.load(fh)
        except FileNotFoundError:
            raise FileNotFoundError(f"pair catalogue not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise FileFormatError(f"{path} is not valid TOML: {exc}") from None
        base = cls.default() if base is None else base
        return cls([*base.rules, *_parse(doc, str(path))])

    def rules_between(self, agonist: str, antagonist: str) -> list[PairRule]:
        """Rules in which ``agonist`` and ``antagonist`` (muscle names) oppose each other."""
        return [r for r in self.rules if agonist in r.agonists and antagonist in r.antagonists]

    def muscles(self) -> set[str]:
        """Every muscle named in a rule."""
        return {m for r in self.rules for m in (*r.agonists, *r.antagonists)}

    def __repr__(self):
        return f"<PairCatalogue {len(self.rules)} rules: {', '.join(r.name for r in self.rules)}>"


def default_catalogue() -> PairCatalogue:
    """The built-in agonist/antagonist catalogue."""
    return PairCatalogue.default()


def _parse(doc: dict, source: str) -> list[PairRule]:
    entries = doc.get("pairs")
    if not isinstance(entries, list) or not entries:
        raise FileFormatError(f"{source}: expected [[pairs]] tables with name, joint, action, agonists, antagonists")
    extra = [k for k in doc if k != "pairs"]
    if extra:
        raise FileFormatError(f"{source}: unknown top-level key(s) {extra}; only [[pairs]] tables are allowed")
    known = set(known_muscles())
    rules = []
    for i, entry in enumerate(entries):
        where = f"{source}: [[pairs]] #{i + 1}"
        if not isinstance(entry, dict):
            raise FileFormatError(f"{where} must be a table")
        keys = ("name", "joint", "action", "agonists", "antagonists")
        missing = [k for k in keys if k not in entry]
        unknown = [k for k in entry if k not in keys]
        if missing or unknown:
            raise FileFormatError(f"{where}: missing keys {missing}, unknown keys {unknown}; keys are {list(keys)}")
        groups = {}
        for k in ("agonists", "antagonists"):
            value = entry[k]
            if isinstance(value, str) or not isinstance(value, list) or not value or not all(isinstance(m, str) for m in value):
                raise FileFormatError(f"{where}: {k} must be a non-empty list of muscle names, got {value!r}")
            for m in value:
                if m not in known:
                    hint = difflib.get_close_matches(m, sorted(known), n=1)
                    extra_txt = f" (did you mean {hint[0]!r}?)" if hint else ""
                    raise FileFormatError(
                        f"{where}: unknown muscle {m!r}{extra_txt}; use canonical names of the muscle catalogue "
                        "(emgkit.channels.known_muscles(), extensible with emgkit.channels.load_catalogue)"
                    )
            groups[k] = tuple(value)
        both = set(groups["agonists"]) & set(groups["antagonists"])
        if both:
            raise FileFormatError(f"{where}: {sorted(both)} listed as both agonist and antagonist")
        rules.append(PairRule(str(entry["name"]), str(entry["joint"]), str(entry["action"]), groups["agonists"], groups["antagonists"]))
    return rules


# -- pairs ------------------------------------------------------------------------------
@dataclass(frozen=True)
class BilateralPair:
    """Left and right channel of one muscle."""

    muscle: str
    left: str
    right: str
    source: str = "auto"  # "auto" or "explicit"


@dataclass(frozen=True)
class MusclePair:
    """Agonist and antagonist channel on one side (``side`` None for unilateral channels)."""

    side: str | None
    agonist: str
    antagonist: str
    joint: str
    action: str
    source: str = "auto"


@dataclass(frozen=True)
class Unpaired:
    """A channel without a partner of one kind, and why."""

    channel: str
    kind: str  # "bilateral", "agonist_antagonist" or "excluded"
    reason: str


@dataclass(frozen=True)
class Pairing:
    """The result of :func:`find_pairs`."""

    bilateral: tuple[BilateralPair, ...]
    agonist_antagonist: tuple[MusclePair, ...]
    unpaired: tuple[Unpaired, ...]

    def to_frame(self):
        """One row per pair or unpaired channel.

        Columns ``kind, status, channel_a, channel_b, muscle, side, joint,
        action, source, reason`` (``status`` is ``"paired"``, ``"unpaired"``
        or ``"excluded"``; for agonist/antagonist pairs ``channel_a`` is the
        agonist).
        """
        import pandas as pd

        rows = []
        for p in self.bilateral:
            rows.append(("bilateral", "paired", p.left, p.right, p.muscle, "L/R", "", "", p.source, ""))
        for p in self.agonist_antagonist:
            rows.append(("agonist_antagonist", "paired", p.agonist, p.antagonist, "", p.side or "", p.joint, p.action, p.source, ""))
        for u in self.unpaired:
            status = "excluded" if u.kind == "excluded" else "unpaired"
            rows.append((u.kind, status, u.channel, "", "", "", "", "", "", u.reason))
        cols = ["kind", "status", "channel_a", "channel_b", "muscle", "side", "joint", "action", "source", "reason"]
        return pd.DataFrame(rows, columns=cols).astype(str)


def find_pairs(
    channels: Sequence[Channel | str] | Recording,
    *,
    bilateral: Iterable[Sequence[str]] = (),
    agonist_antagonist: Iterable[Sequence[str]] = (),
    auto: bool = True,
    exclude: Iterable[str] = (),
    catalogue: PairCatalogue | None = None,
) -> Pairing:
    """Find left/right and agonist/antagonist pairs among channels.

    Parameters
    ----------
    channels : sequence of Channel or str, or a Recording
        The recorded channels (strings are parsed into muscle and side).
    bilateral : sequence of (left, right) channel names
        Explicit left/right pairs.
    agonist_antagonist : sequence of (agonist, antagonist) channel names
        Explicit agonist/antagonist pairs (same side, or both without side).
    auto : bool, default True
        Also pair the remaining channels from their muscle and side.
    exclude : sequence of str
        Channels left out entirely (trigger, goniometer, broken electrode).
    catalogue : PairCatalogue, optional
        Agonist/antagonist rules; default the built-in catalogue.

    Returns
    -------
    Pairing
        Pairs in channel order, and every channel left without a partner of
        each kind with the reason.

    Raises
    ------
    InvalidInputError
        An explicit pair names an unknown channel (the message suggests the
        nearest), pairs a channel with itself, or puts an agonist/antagonist
        pair across sides.

    Examples
    --------
    >>> from emgkit.pairs import find_pairs
    >>> p = find_pairs(["L Biceps", "R Biceps", "L Triceps"])
    >>> [(b.left, b.right) for b in p.bilateral]
    [('L Biceps', 'R Biceps')]
    >>> [(m.agonist, m.antagonist) for m in p.agonist_antagonist]
    [('L Biceps', 'L Triceps')]
    >>> [(u.channel, u.kind) for u in p.unpaired]
    [('R Biceps', 'agonist_antagonist'), ('L Triceps', 'bilateral')]
    >>> p.unpaired[1].reason
    "no right-side channel of triceps_brachii (the left one is 'L Triceps')"
    """
    chans = _as_channels(channels)
    by_name = {c.name: c for c in chans}
    catalogue = default_catalogue() if catalogue is None else catalogue
    excluded = set()
    unpaired: list[Unpaired] = []
    for name in exclude:
        _lookup(name, by_name, "exclude")
        excluded.add(name)
        unpaired.append(Unpaired(name, "excluded", "excluded by the configuration (pairs.exclude)"))
    active = [c for c in chans if c.name not in excluded]

    bil, bil_used = _explicit_bilateral(bilateral, by_name, excluded)
    aa, aa_used = _explicit_agonist_antagonist(agonist_antagonist, by_name, excluded)
    if auto:
        pairs, missing = _auto_bilateral([c for c in active if c.name not in bil_used])
        bil += pairs
        unpaired += missing
        pairs, missing = _auto_agonist_antagonist([c for c in active if c.name not in aa_used], catalogue)
        aa += pairs
        unpaired += missing
    else:
        unpaired += [Unpaired(c.name, "bilateral", "automatic pairing is off and no explicit pair names it") for c in active if c.name not in bil_used]
        unpaired += [
            Unpaired(c.name, "agonist_antagonist", "automatic pairing is off and no explicit pair names it") for c in active if c.name not in aa_used
        ]
    order = {c.name: i for i, c in enumerate(chans)}
    bil.sort(key=lambda p: (order[p.left], order[p.right]))
    aa.sort(key=lambda p: (order[p.agonist], order[p.antagonist]))
    unpaired.sort(key=lambda u: (order[u.channel], u.kind))
    return Pairing(tuple(bil), tuple(aa), tuple(unpaired))


def _as_channels(channels) -> list[Channel]:
    if hasattr(channels, "channels") and hasattr(channels, "fs"):
        channels = channels.channels
    if isinstance(channels, (str, Channel)):
        channels = [channels]
    out = [c if isinstance(c, Channel) else Channel(str(c)) for c in channels]
    names = [c.name for c in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise InvalidInputError(f"duplicate channel names {dupes}; channel names must be unique")
    return out


def _lookup(name, by_name, what) -> Channel:
    if not isinstance(name, str):
        raise InvalidInputError(f"{what}: channel names must be strings, got {name!r}")
    if name not in by_name:
        lower = {n.lower(): n for n in by_name}
        hint = difflib.get_close_matches(name.lower(), list(lower), n=1)
        extra = f" Did you mean {lower[hint[0]]!r}?" if hint else ""
        raise InvalidInputError(f"{what}: no channel named {name!r}.{extra} Channels are {list(by_name)}")
    return by_name[name]


def _two(item, what):
    if isinstance(item, str) or len(item) != 2:
        raise InvalidInputError(f"{what} pairs must be (channel, channel), got {item!r}")
    return item


def _explicit_bilateral(items, by_name, excluded):
    pairs, used = [], set()
    for item in items:
        a, b = _two(item, "bilateral")
        left, right = _lookup(a, by_name, "bilateral pair"), _lookup(b, by_name, "bilateral pair")
        if a == b:
            raise InvalidInputError(f"bilateral pair ({a!r}, {b!r}) pairs a channel with itself")
        for n in (a, b):
            if n in excluded:
                raise InvalidInputError(f"bilateral pair names {n!r}, which pairs.exclude leaves out")
        if left.side == "R" and right.side == "L":
            left, right = right, left  # keep (left, right) order whatever order the user wrote
        muscle = left.muscle if left.muscle and left.muscle == right.muscle else f"{left.name} / {right.name}"
        pairs.append(BilateralPair(muscle, left.name, right.name, "explicit"))
        used.update((left.name, right.name))
    return pairs, used


def _explicit_agonist_antagonist(items, by_name, excluded):
    pairs, used = [], set()
    for item in items:
        a, b = _two(item, "agonist_antagonist")
        ago, ant = _lookup(a, by_name, "agonist/antagonist pair"), _lookup(b, by_name, "agonist/antagonist pair")
        if a == b:
            raise InvalidInputError(f"agonist/antagonist pair ({a!r}, {b!r}) pairs a channel with itself")
        for n in (a, b):
            if n in excluded:
                raise InvalidInputError(f"agonist/antagonist pair names {n!r}, which pairs.exclude leaves out")
        if ago.side != ant.side:
            raise InvalidInputError(
                f"agonist/antagonist pair ({a!r}, {b!r}) crosses sides ({ago.side} vs {ant.side}); "
                "co-contraction compares muscles of one side"
            )
        pairs.append(MusclePair(ago.side, ago.name, ant.name, "", "", "explicit"))
        used.update((ago.name, ant.name))
    return pairs, used


def _auto_bilateral(chans):
    pairs, missing = [], []
    groups: dict[str, dict[str, list[Channel]]] = {}
    for c in chans:
        if c.muscle is None:
            missing.append(Unpaired(c.name, "bilateral", f"muscle not recognised in the name {c.name!r} (rename it or pass Channel(name, muscle=...))"))
        elif c.side is None:
            missing.append(Unpaired(c.name, "bilateral", f"no side (L/R) in the name {c.name!r}: a unilateral channel has no left/right index"))
        else:
            groups.setdefault(c.muscle, {"L": [], "R": []})[c.side].append(c)
    for muscle, sides in groups.items():
        lefts, rights = sides["L"], sides["R"]
        if len(lefts) == 1 and len(rights) == 1:
            pairs.append(BilateralPair(muscle, lefts[0].name, rights[0].name))
            continue
        for side, own, other in (("left", lefts, rights), ("right", rights, lefts)):
            other_side = "right" if side == "left" else "left"
            for c in own:
                if not other:
                    reason = f"no {other_side}-side channel of {muscle} (the {side} one is {c.name!r})"
                else:
                    names = ", ".join(repr(x.name) for x in (*lefts, *rights))
                    reason = f"{len(lefts)} left and {len(rights)} right channels of {muscle} ({names}): give the pair explicitly"
                missing.append(Unpaired(c.name, "bilateral", reason))
    return pairs, missing


def _auto_agonist_antagonist(chans, catalogue):
    pairs, missing = [], []
    seen = set()
    partnered = set()
    known = catalogue.muscles()
    for side in ("L", "R", None):
        here = [c for c in chans if c.side == side and c.muscle is not None]
        for rule in catalogue.rules:
            agos = [c for c in here if c.muscle in rule.agonists]
            ants = [c for c in here if c.muscle in rule.antagonists]
            for a in agos:
                for b in ants:
                    if (a.name, b.name) in seen:
                        continue
                    seen.add((a.name, b.name))
                    pairs.append(MusclePair(side, a.name, b.name, rule.joint, rule.action))
                    partnered.update((a.name, b.name))
    for c in chans:
        if c.name in partnered:
            continue
        if c.muscle is None:
            reason = f"muscle not recognised in the name {c.name!r} (rename it or pass Channel(name, muscle=...))"
        elif c.muscle not in known:
            reason = f"{c.muscle} has no antagonist in the pair catalogue (add a rule with pairs.catalogue)"
        else:
            opposite = sorted(
                {m for r in catalogue.rules for m in (r.antagonists if c.muscle in r.agonists else r.agonists if c.muscle in r.antagonists else ())}
            )
            where = f"side {c.side}" if c.side else "the unilateral channels"
            reason = f"no opposing muscle recorded on {where} (the catalogue pairs {c.muscle} with {', '.join(opposite)})"
        missing.append(Unpaired(c.name, "agonist_antagonist", reason))
    return pairs, missing
