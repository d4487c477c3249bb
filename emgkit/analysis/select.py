"""Stage 1: which channels are analysed, and how they pair (left/right, agonist/antagonist)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ..errors import InvalidInputError
from ..pairs import PairCatalogue, Pairing, Unpaired, find_pairs

__all__ = ["Selection", "select_channels", "dead_reason", "OVERFLOW"]

OVERFLOW = 1e150  # |sample| above this: squares and filter states overflow float64 (a wrong scale, not EMG)


@dataclass(frozen=True)
class Selection:
    """The analysed channels and their pairs.

    Attributes
    ----------
    view : RecordingView
        The analysed channels only.
    names : list of str
    excluded : dict
        Channel name -> why it is not analysed (configuration, trigger, not EMG).
    pairing : Pairing
        Pairs, and unpaired or excluded channels with the reason.
    kinds : dict
        Channel name -> :class:`emgkit.channel_kinds.ChannelKind` of every channel.
    roles : dict
        Channel name -> role of a channel left out for what its samples are
        (``"dead"``: constant, non-finite or overflowing; ``"hum"``: mains hum
        with ``filters.hum_action = "exclude"``).
    """

    view: object
    names: list
    excluded: dict
    pairing: Pairing
    kinds: dict
    roles: dict = field(default_factory=dict)

    def role(self, name) -> str:
        """What a left-out channel is: dead/hum, its kind when it is not EMG, else ``"excluded"``/``"trigger"``."""
        if name in self.roles:
            return self.roles[name]
        kind = self.kinds.get(name)
        if kind is not None and not kind.is_emg:
            return kind.kind
        return "trigger" if "trigger" in self.excluded.get(name, "") else "excluded"

    @property
    def channels(self):
        return self.view.channels

    def index(self, name) -> int:
        return self.names.index(name)


def select_channels(view, cfg, pairs=None, drop=None) -> Selection:
    """Set aside excluded, trigger, non-EMG and dead channels, then pair the rest.

    Parameters
    ----------
    view : RecordingView
        Every channel of the recording.
    cfg : Config
    pairs : Pairing, dict or list of (channel, channel), optional
        Explicit pairs (see :func:`emgkit.analyze`).
    drop : dict, optional
        Channel -> (role, reason) of channels a later stage found unusable
        (dead over the whole record, hum with ``hum_action = "exclude"``).

    Returns
    -------
    Selection
        With no analysed channel (``names`` empty) when every channel that is
        not excluded for its kind is dead: there is no usable EMG.

    Raises
    ------
    InvalidInputError
        Unknown channels in the configuration; every channel excluded by the
        configuration or not EMG (and none dead).
    """
    from ..channel_kinds import classify

    names = view.channel_names
    excluded = {}
    for name in cfg.pairs.exclude:
        if name not in names:
            raise InvalidInputError(f"pairs.exclude names {name!r}, which is not a channel; channels are {names}")
        excluded[name] = "excluded by the configuration (pairs.exclude)"
    trig = cfg.cycles.trigger_channel
    if trig is not None and trig in names:
        excluded[trig] = "trigger channel (cycles.trigger_channel): not EMG"
    kinds = {k.name: k for k in classify(view.all_source, channels=view.all_channels, unit=view.unit, meta=view.meta)}
    roles = {}
    for name, (role, why) in (drop or {}).items():
        excluded.setdefault(name, why)
        roles.setdefault(name, role)
    for name in names:
        kind = kinds[name]
        dead = dead_reason(kind, view.meta, name, view.n_samples)
        if dead and name not in excluded:
            excluded[name], roles[name] = dead, "dead"
        elif not kind.is_emg and name not in excluded:
            excluded[name] = (f"not EMG ({kind.kind}: {kind.reason}); if it is EMG, declare it with "
                              f"--channel \"{name}=emg\" (and its muscle with --channel \"{name}=<side> <muscle>\") "
                              "or a channel map")
    keep = [n for n in names if n not in excluded]
    if not keep and roles:
        unusable = Pairing((), (), tuple(Unpaired(n, "excluded", why) for n, why in excluded.items()))
        return Selection(view, [], excluded, unusable, kinds, roles)
    if not keep:
        raise InvalidInputError(_nothing_left(names, excluded, kinds))
    emg = view.select(keep) if len(keep) != len(names) else view
    pairing = _pair(emg, view, cfg, pairs, excluded, keep)
    extra = tuple(Unpaired(n, "excluded", why) for n, why in excluded.items())
    return Selection(emg, keep, excluded, Pairing(pairing.bilateral, pairing.agonist_antagonist, pairing.unpaired + extra),
                     kinds, roles)


def _nothing_left(names, excluded, kinds) -> str:
    """One message for a recording with no EMG channel: channels with the same reason named together, the fix once."""
    groups: dict[str, list[str]] = {}
    not_emg = False
    for n in names:
        kind = kinds[n]
        if excluded[n].startswith("not EMG (") and not kind.is_emg:
            not_emg = True
            why = f"not EMG ({kind.kind}: {re.sub(r' [(]named [^)]*[)]$', '', kind.reason)})"
        else:
            why = excluded[n]
        groups.setdefault(why, []).append(n)
    parts = [f"{', '.join(ns) if len(ns) < len(names) or len(ns) == 1 else f'all {len(ns)} channels'}: {why}"
             for why, ns in groups.items()]
    fix = ("; if a channel is EMG, declare it with --channel \"NAME=emg\" (and its muscle with --channel "
           "\"NAME=<side> <muscle>\") or a channel map" if not_emg else "")
    return f"no EMG channel left to analyse: {'; '.join(parts)}{fix}"


def dead_reason(kind, meta, name, n_samples) -> str:
    """Why a channel is dead from its kind and the reader's non-finite report ('' when it is not).

    Dead: every sample non-finite (repaired to 0 by the reader), or constant
    (the content test of :func:`emgkit.channel_kinds.classify`) unless the
    channel map declared its kind.
    """
    bad = ((meta or {}).get("nonfinite") or {}).get("channels", {}).get(name)
    if isinstance(bad, dict) and n_samples and bad.get("samples", 0) >= n_samples:
        return "dead: every sample is non-finite (NaN/inf in the file, set to 0 on reading): no signal"
    if kind.basis == "content" and kind.reason.startswith("constant"):
        return f"dead: {kind.reason}"
    return ""


def dead_in_record(names, stats) -> dict:
    """Channel -> (``"dead"``, reason) of channels constant or overflowing over the whole record (pass-1 statistics)."""
    import numpy as np

    out = {}
    for c, name in enumerate(names):
        lo, hi = float(stats.lo[c]), float(stats.hi[c])
        if not (np.isfinite(lo) and np.isfinite(hi)) or max(abs(lo), abs(hi)) > OVERFLOW:
            out[name] = ("dead", f"dead: overflowing (samples reach {max(abs(lo), abs(hi)):.3g}; a wrong scale or "
                                 "conversion factor in the file?): no usable signal")
        elif lo == hi:
            out[name] = ("dead", f"dead: constant, every sample is {lo:.6g} (unused or disconnected input?)")
    return out


def _pair(emg, view, cfg, pairs, excluded, keep) -> Pairing:
    if isinstance(pairs, Pairing):
        for p in pairs.bilateral:
            _known(keep, p.left, p.right)
        for p in pairs.agonist_antagonist:
            _known(keep, p.agonist, p.antagonist)
        return pairs
    bil, aa = cfg.pairs.bilateral, cfg.pairs.agonist_antagonist
    if pairs is not None:
        bil, aa = _split_pairs(pairs, view)
    catalogue = PairCatalogue.from_toml(cfg.pairs.catalogue) if cfg.pairs.catalogue else None
    for a, b in (*bil, *aa):
        for n in (a, b):
            if n in excluded:
                raise InvalidInputError(f"the pair ({a!r}, {b!r}) names {n!r}, which is {excluded[n]}")
    return find_pairs(emg.channels, bilateral=bil, agonist_antagonist=aa, auto=cfg.pairs.auto, catalogue=catalogue)


def _known(keep, *names):
    for n in names:
        if n not in keep:
            raise InvalidInputError(f"the pairing names {n!r}, which is not an analysed channel; channels are {keep}")


def _split_pairs(pairs, view):
    """Explicit pairs given to analyze(): (bilateral list, agonist/antagonist list)."""
    if isinstance(pairs, dict):
        unknown = [k for k in pairs if k not in ("bilateral", "agonist_antagonist")]
        if unknown:
            raise InvalidInputError(f"pairs keys must be 'bilateral' and 'agonist_antagonist', got {unknown}")
        return tuple(map(tuple, pairs.get("bilateral", ()))), tuple(map(tuple, pairs.get("agonist_antagonist", ())))
    try:
        items = [tuple(p) for p in pairs]
    except TypeError:
        raise InvalidInputError(f"pairs must be a Pairing, a dict or a list of (channel, channel), got {pairs!r}") from None
    names = view.channel_names
    bil, aa = [], []
    for p in items:
        if len(p) != 2:
            raise InvalidInputError(f"each pair must be (channel, channel), got {p!r}")
        for n in p:
            if n not in names:
                hint = difflib.get_close_matches(str(n), names, n=1)
                raise InvalidInputError(f"pairs names {n!r}, which is not a channel" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                                        + f"; channels are {names}")
        ca, cb = view.channels[view.index(p[0])], view.channels[view.index(p[1])]
        if ca.muscle and ca.muscle == cb.muscle and {ca.side, cb.side} == {"L", "R"}:
            bil.append(p)
        else:
            aa.append(p)
    return tuple(bil), tuple(aa)
