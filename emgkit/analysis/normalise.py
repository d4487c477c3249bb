"""Stage 5: the noise floor of each channel and the reference its amplitudes are expressed against.

Noise floor (:mod:`emgkit.noise_floor`): EMG and noise add in power, so the
envelope of the muscle's own activity is ``sqrt(env**2 - floor**2)`` (exact
for moving RMS, close for the linear envelope of Gaussian EMG); only floors
whose quiet windows have a noise-like spectrum are removed.  Reference: an MVC (recordings, conditioned
by the same :func:`~emgkit.analysis.condition.condition` as the task, or
values), else each channel's task peak or mean (Yang & Winter 1984); without an
MVC the two muscles of an agonist/antagonist pair share the agonist's reference
(:meth:`Normalisation.pair_scale`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .._chunks import Rows, row_max, row_mean
from ..channels import parse_channel_name
from ..errors import InvalidInputError
from ..noise_floor import subtract_floor

__all__ = ["Normalisation", "normalise", "GAIN_MISMATCH"]

GAIN_MISMATCH = 2.0  # baseline noise differing more than this factor between sides suggests different gains
LAZY_PIECE = 1 << 16  # samples per piece when a whole row of the floor-removed envelope is reduced (row_max)


@dataclass(frozen=True)
class Normalisation:
    """Noise floors, references and the scale of every amplitude.

    Attributes
    ----------
    floor : ndarray
        Envelope level at rest per channel (0 when not subtracted), recording unit.
    noise_rms : ndarray
        RMS of the band-passed signal at rest per channel (0 when not subtracted).
    env : ndarray or Rows
        The envelope with the floor removed in quadrature sample by sample (the
        envelope itself where nothing is subtracted).
    ref : ndarray
        Reference per channel (MVC or task peak/mean), recording unit; NaN when none.
    ref_source : list of str
    amp_scale, cc_scale : ndarray
        Factors from the envelope to amplitude units and to co-contraction units.
    amp_unit, cc_unit : str
        ``cc_unit`` is the unit of each channel's own normalized envelope
        (ensembles); a pair's co-contraction unit is :attr:`pair_unit`.
    amp_mode : {"mvc", "raw", "refused"}
    cc_mode : {"mvc", "peak", "mean"}
        The reference: MVC, or the task peak or mean (of each channel for
        shapes, of the agonist for both muscles of a pair).
    noise : NoiseFloor or None
        Every channel's noise floor (:func:`emgkit.noise_floor.floor_from_conditioned`),
        subtracted or not: activity gating compares the channels with it.
    ensembles : dict
        :meth:`ensemble` results computed so far (the reference's, for the ensembles table and the fatigue stage).
    """

    floor: np.ndarray
    noise_rms: np.ndarray
    env: object
    ref: np.ndarray
    ref_source: list
    amp_scale: np.ndarray
    amp_unit: str
    amp_mode: str
    cc_scale: np.ndarray
    cc_unit: str
    cc_mode: str
    noise: object = None
    ensembles: dict = field(default_factory=dict, repr=False, compare=False)

    def ensemble(self, fs, intervals, n_points) -> tuple:
        """:func:`emgkit.cycles.ensemble` of :attr:`env` over ``intervals`` (s), computed once per set of intervals.

        The arrays returned are shared between callers: read them, do not write into them.
        """
        from ..cycles import ensemble

        key = _ensemble_key(fs, intervals, n_points)
        if key not in self.ensembles:
            self.ensembles[key] = ensemble(self.env, fs, intervals, n_points)
        return self.ensembles[key]

    @property
    def pair_unit(self) -> str:
        """Unit of the amplitude-based co-contraction indices (Rudolph CCI, common area): ``%MVC`` or % of the agonist's task reference."""
        return "%MVC" if self.cc_mode == "mvc" else f"% agonist task {self.cc_mode}"

    def pair_scale(self, rows) -> np.ndarray:
        """Factors from the envelope to co-contraction units of the pair ``rows = [agonist, antagonist]``.

        With an MVC each muscle has its own (``cc_scale``).  Without one both
        muscles take the agonist's: one common reference keeps the ratio of
        their envelopes, so an antagonist at a tenth of the agonist stays at a
        tenth instead of being scaled up to its own task peak
        (docs/science.md#co-contraction-without-an-mvc).
        """
        scale = self.cc_scale[list(rows)]
        return scale if self.cc_mode == "mvc" else np.full(len(scale), scale[0])

    def cc_sums(self, rows, spans, active, piece) -> np.ndarray:
        """The sums of :func:`emgkit.kernels.pair_sums` of the pair ``rows = [agonist, antagonist]`` over each span.

        The envelope is in co-contraction units (:meth:`pair_scale`).  In
        memory every span is read in place in one call; a streamed envelope is
        read in pieces of at most ``piece`` samples, whose sums are added.

        Parameters
        ----------
        rows : (int, int)
        spans : ndarray of int, shape (n_spans, 2)
            Non-empty sample intervals ``[a, b)``.
        active : RunMask
            Every channel's activity (:attr:`Detection.active`).
        piece : int
            Samples per read of a streamed envelope.

        Returns
        -------
        ndarray, shape (n_spans, 7)
        """
        from ..kernels.cocontraction import pair_sums_spans
        from .store import pieces

        raw, floor = (self.env.raw, self.env.floor) if isinstance(self.env, FloorRemoved) else (self.env, None)
        scale = self.pair_scale(rows)
        if isinstance(raw, np.ndarray):
            n = raw.shape[1]
            return pair_sums_spans(raw, rows, floor, scale, active[rows[0], 0:n], active[rows[1], 0:n], spans[:, 0], spans[:, 1])
        out = np.empty((len(spans), 7))
        pair_floor = None if floor is None else floor[list(rows)]
        for k, (a, b) in enumerate(spans):
            sums = 0.0
            for p, q in pieces(int(a), int(b), piece):
                sums = sums + pair_sums_spans(raw[list(rows), p:q], (0, 1), pair_floor, scale, active[rows[0], p:q],
                                              active[rows[1], p:q], [0], [q - p])[0]
            out[k] = sums
        return out


def normalise(selection, detection, segments, store, band, cfg, mvc, notes, rest=None) -> Normalisation:
    """Subtract noise floors and set each channel's reference (MVC or task).

    Parameters
    ----------
    selection, detection, segments
        Earlier stages.
    store : MemoryStore or ScratchStore
    band : Band
    cfg : Config
    mvc : None, Recording, list of Recording, dict or sequence of float
        As :func:`emgkit.analyze`.
    notes : Notes
    rest : Recording, optional
        A rest recording of the same channels (:func:`noise_floor`).

    Returns
    -------
    Normalisation
    """
    from ..cycles import ensemble

    ncfg = cfg.normalization
    view = selection.view
    n_ch = len(selection.names)
    method = ncfg.method
    if method == "auto":
        method = "mvc" if mvc is not None else "auto"
    elif mvc is not None and method != "mvc":
        notes.add(f"an MVC reference was given but normalization.method = {method!r}: the MVC is not used")
    floor, noise_rms, env, nf = noise_floor(store, view, band, cfg, notes, rest=rest, selection=selection)
    if method == "mvc":
        if mvc is None:
            raise InvalidInputError("normalization.method = 'mvc' needs mvc=...: an MVC Recording, a list of them, or reference values")
        ref, how = mvc_reference(mvc, selection, band, floor, cfg, notes)
        scale = 100.0 / ref
        top = env_max(env) * scale
        for c in np.flatnonzero(top > 100.0):
            notes.add(f"{selection.names[c]} exceeds 100 %MVC (envelope peak {top[c]:.0f} %MVC; kept, not clipped): "
                      "check that the MVC trial was maximal and processed like the task", warn=True)
        return Normalisation(floor, noise_rms, env, ref, [how] * n_ch, scale, "%MVC", "mvc", scale, "%MVC", "mvc", nf)
    task = "mean" if method == "mean" else "peak"
    cached = {}
    if segments.n_kept:
        ens = ensemble(env, view.fs, segments.intervals, cfg.cycles.n_points)
        cached[_ensemble_key(view.fs, segments.intervals, cfg.cycles.n_points)] = ens
        mean_curve = ens[1]
        ref = mean_curve.max(axis=1) if task == "peak" else mean_curve.mean(axis=1)
    else:
        ref = env_max(env) if task == "peak" else row_mean(env)
    ref = np.where(ref > 0, ref, np.nan)
    where = "ensemble-average envelope" if segments.n_kept else "envelope"
    cc_scale = 100.0 / ref
    source = [f"task {task} of the {where} (Yang & Winter 1984)"] * n_ch
    if method in ("peak", "mean"):
        notes.add(f"amplitudes normalized to each channel's task {task}: this erases left/right amplitude asymmetry, "
                  "so amplitude symmetry indices are not computed (give an MVC); shape and timing are kept")
        return Normalisation(floor, noise_rms, env, ref, source, cc_scale, f"%{task}", "refused", cc_scale, f"%{task}", task, nf, cached)
    notes.add("amplitudes are not normalized (no MVC): left/right amplitude comparisons are indicative only, since "
              "electrode site, skin and fat change raw amplitude (Burden 2010); co-contraction expresses both muscles of a pair "
              "against the agonist's task peak (one common reference)")
    _check_gains(selection, detection, notes)
    return Normalisation(floor, noise_rms, env, ref, source, np.ones(n_ch), view.unit, "raw", cc_scale, f"%{task}", task, nf, cached)


def _ensemble_key(fs, intervals, n_points):
    return float(fs), np.asarray(intervals, dtype=np.float64).tobytes(), int(n_points)


def noise_floor(store, view, band, cfg, notes, rest=None, selection=None):
    """Each channel's noise floor (:func:`emgkit.noise_floor.floor_from_conditioned`) and the envelope without it.

    The floor is measured on a rest recording (``rest``), else on the rest
    interval ``normalization.rest_interval`` of the task, else on the task's
    quietest windows.  Only trusted floors are subtracted (quiet windows with
    a noise-like spectrum, and a rest no noisier than the task's quietest
    windows); a floor taken from tonic muscle activity is reported, not
    removed.  The envelope loses the floor in quadrature sample by sample
    (for co-contraction, ensembles and references); amplitudes per
    repetition lose it with the capped rule of
    :func:`emgkit.noise_floor.subtract_floor` (never down to 0).

    Parameters
    ----------
    store, view, band, cfg, notes
        As :func:`normalise` (``view`` the selection's).
    rest : Recording, optional
        Raw rest recording: its channels are matched to the analysed ones by
        name, else by muscle and side, resampled to the task rate like an
        MVC, and conditioned by :func:`~emgkit.analysis.condition.condition`
        with the task's band, notches and envelope.
    selection : Selection, optional
        Needed with ``rest`` (the analysed channels).

    Returns
    -------
    floor, noise_rms : ndarray, shape (n_channels,)
        What is subtracted (0 where nothing is).
    env : ndarray or Rows
    nf : NoiseFloor
        Every channel's floor (measured also when ``subtract_noise`` is off: activity gating uses it).
    """
    from ..noise_floor import floor_from_conditioned

    n_ch = store.shape[0]
    interval = cfg.normalization.rest_interval
    if rest is not None and interval is not None:
        raise InvalidInputError(f"a rest recording and normalization.rest_interval = {list(interval)} were both given: "
                                "the noise floor comes from one rest; drop one of them")
    if interval is not None:
        _check_interval(interval, view.n_samples / view.fs)
    rest_pair = _rest_signals(rest, selection, band, cfg, notes) if rest is not None else None
    lows = np.where(np.asarray(band.trunk, dtype=bool), band.trunk_low_hz or band.low_hz, band.low_hz)
    nf = floor_from_conditioned(store.filtered, store.env, view.fs, low_hz=lows, high_hz=band.high_hz, order=cfg.filters.order,
                                line_hz=cfg.filters.notch_hz or view.meta.get("powerline_hz"), unit=view.unit,
                                rest=rest_pair, rest_interval=interval)
    if not cfg.normalization.subtract_noise:
        if rest is not None or interval is not None:
            notes.add(f"a {'rest recording' if rest is not None else 'rest interval'} was given but normalization.subtract_noise "
                      "= false: its noise floors are measured (activity gating uses them) and not subtracted")
        return np.zeros(n_ch), np.zeros(n_ch), store.env, nf
    names = view.channel_names
    _floor_notes(nf, names, view.unit, notes)
    floor = nf.floor_to_subtract
    return floor, nf.rms_to_subtract, _minus_floor(store.env, floor) if floor.any() else store.env, nf


def _floor_notes(nf, names, unit, notes):
    """One note per source of the floors subtracted, one per kind of floor that is not."""
    used = [c for c in range(len(names)) if nf.trusted[c]]
    for source in dict.fromkeys(nf.method[c] for c in used):
        these = [c for c in used if nf.method[c] == source]
        lo, hi = float(np.min(nf.noise_rms[these])), float(np.max(nf.noise_rms[these]))
        where = ("their quietest windows (noise-like spectrum" if source == "task: quietest windows"
                 else f"the {source} (noise-like spectrum, not above the task's quietest windows")
        notes.add(f"noise floors of {len(these)} of {len(names)} channels from {where}; "
                  f"{lo:.3g}-{hi:.3g} {unit} RMS) removed in quadrature, capped below twice the floor")
    tonic = [c for c in range(len(names)) if not nf.trusted[c] and nf.method[c] == "task: upper-band estimate"]
    if tonic:
        notes.add(f"noise floor not subtracted for {', '.join(names[c] for c in tonic)}: their quietest 0.5 s is muscle "
                  "activity (tonic), not noise; amplitudes keep the noise in them", warn=True)
    for c in range(len(names)):
        if not nf.trusted[c] and c not in tonic and nf.reason[c]:
            notes.add(f"{names[c]}: no noise floor subtracted ({nf.reason[c]})")


def mvc_reference(mvc, selection, band, floor, cfg, notes):
    """Reference per analysed channel from MVC recordings or values, and how it was found."""
    from ..recording import Recording

    names = selection.names
    if isinstance(mvc, Recording) or (isinstance(mvc, (list, tuple)) and mvc and all(isinstance(m, Recording) for m in mvc)):
        trials = [mvc] if isinstance(mvc, Recording) else list(mvc)
        refs = np.vstack([_mvc_trial(t, k, selection, band, cfg, notes) for k, t in enumerate(trials)])
        ref = subtract_floor(refs.max(axis=0), floor)  # same electrodes: same noise floor
        how = f"MVC: highest {cfg.normalization.mvc_window_ms:g} ms window mean of the envelope" + (
            f", best of {len(trials)} trials" if len(trials) > 1 else "")
    elif isinstance(mvc, dict):
        ref = np.array([_lookup_value(mvc, c) for c in selection.channels], dtype=np.float64)
        how = "MVC: given reference values"
    else:
        try:
            values = np.asarray(mvc, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidInputError(f"mvc must be a Recording, a list of Recordings, a dict or numbers, got {type(mvc).__name__}") from None
        if values.shape != (len(names),):
            raise InvalidInputError(f"mvc values: one per analysed channel ({len(names)}: {names}), got shape {values.shape}")
        ref, how = values, "MVC: given reference values"
    bad = [n for n, v in zip(names, ref) if not (np.isfinite(v) and v > 0)]
    if bad:
        raise InvalidInputError(f"MVC reference is zero, negative or missing for {bad}: a silent MVC channel cannot normalize (check the MVC trial)")
    return ref, how


def _mvc_trial(trial, k, selection, band, cfg, notes):
    """Highest ``mvc_window_ms`` window mean of the envelope of MVC trial ``k``, conditioned exactly like the task."""
    x, fs = _trial_samples(trial, f"MVC trial {k + 1}", "MVC recording", selection, cfg, notes)
    n = x.shape[1]
    w = max(1, int(round(cfg.normalization.mvc_window_ms * 1e-3 * fs)))
    if w > n:
        raise InvalidInputError(f"MVC trial {k + 1} lasts {n / fs:.3f} s, shorter than the {cfg.normalization.mvc_window_ms:g} ms reference window")
    return _window_means(_conditioned(x, fs, selection, band, cfg, notes).env, w).max(axis=1)


def _rest_signals(rest, selection, band, cfg, notes):
    """``(filtered, env)`` of a rest recording, its channels matched and conditioned exactly like the task's."""
    from ..noise_floor import EDGE_S, WINDOW_S
    from ..recording import Recording

    if not isinstance(rest, Recording):
        raise InvalidInputError(f"rest must be a Recording of the same channels at rest, got {type(rest).__name__}; "
                                "read the file with emgkit.read first")
    x, fs = _trial_samples(rest, "the rest recording", "rest recording", selection, cfg, notes)
    shortest = WINDOW_S + 2 * EDGE_S
    if x.shape[1] < int(round(shortest * fs)):
        raise InvalidInputError(f"the rest recording lasts {x.shape[1] / fs:.3f} s; the noise floor needs at least {shortest:g} s "
                                f"(a {WINDOW_S:g} s window {EDGE_S:g} s away from each end): record a longer rest")
    store = _conditioned(x, fs, selection, band, cfg, notes)
    return store.filtered, store.env


def _check_interval(interval, duration):
    """Refuse a rest interval that is not inside the record or holds no floor window."""
    from ..noise_floor import EDGE_S, WINDOW_S

    t0, t1 = (float(t) for t in interval)
    if t0 < 0 or t1 > duration + 1e-9:
        raise InvalidInputError(f"normalization.rest_interval {t0:g}-{t1:g} s lies outside the record (0 to {duration:.3f} s); "
                                "give a rest interval inside the record (s from its start), or leave it unset")
    if min(t1, duration - EDGE_S) - max(t0, EDGE_S) < WINDOW_S:
        raise InvalidInputError(f"normalization.rest_interval {t0:g}-{t1:g} s holds no {WINDOW_S:g} s window "
                                f"{EDGE_S:g} s away from the record's ends (0 to {duration:.3f} s); give a longer rest")


def _trial_samples(trial, what, kind, selection, cfg, notes):
    """The analysed channels of another recording of the task's electrodes (MVC, rest) at the task rate, float64."""
    view = selection.view
    if trial.unit != view.unit:
        raise InvalidInputError(f"the {kind} is in {trial.unit!r} and the task in {view.unit!r}; convert one of them first")
    rows = [_trial_row(trial, ch, what) for ch in selection.channels]
    x = np.asarray(trial.data[rows], dtype=np.float64)
    fs = trial.fs
    if fs != view.fs:
        if not cfg.normalization.resample_mvc:
            raise InvalidInputError(f"the {kind} is sampled at {fs:g} Hz and the task at {view.fs:g} Hz; resample one "
                                    "of them or set normalization.resample_mvc = true")
        from scipy.signal import resample_poly

        frac = Fraction(view.fs / fs).limit_denominator(1000)
        x = resample_poly(x, frac.numerator, frac.denominator, axis=1)
        notes.add(f"{what[0].upper()}{what[1:]} resampled from {fs:g} to {view.fs:g} Hz (polyphase, factor {frac.numerator}/{frac.denominator})")
        fs = view.fs
    return x, fs


def _conditioned(x, fs, selection, band, cfg, notes):
    """A MemoryStore of ``x`` conditioned by the task's own :func:`~emgkit.analysis.condition.condition`."""
    from .._chunks import ArraySource
    from .condition import condition
    from .store import MemoryStore
    from .view import RecordingView

    n = x.shape[1]
    store = MemoryStore(len(selection.channels), n, 1)
    condition(RecordingView(ArraySource(x, fs), selection.channels, selection.view.unit, {}), cfg, band, store, n, notes,
              task=False)
    return store


def _trial_row(trial, ch, what) -> int:
    if ch.name in trial.channel_names:
        return trial.index(ch.name)
    hits = [i for i, t in enumerate(trial.channels) if ch.muscle and (t.muscle, t.side) == (ch.muscle, ch.side)]
    if len(hits) != 1:
        raise InvalidInputError(
            f"{what[0].upper()}{what[1:]} has no channel for {ch.name!r} (by name or muscle and side); its channels are "
            f"{trial.channel_names}")
    return hits[0]


def _lookup_value(mapping, ch) -> float:
    if ch.name in mapping:
        return float(mapping[ch.name])
    hits = [v for k, v in mapping.items() if ch.muscle and parse_channel_name(str(k)) == (ch.muscle, ch.side)]
    if len(hits) == 1:
        return float(hits[0])
    raise InvalidInputError(f"mvc has no value for channel {ch.name!r} (keys: {list(mapping)}); give one per analysed channel")


def _check_gains(selection, detection, notes):
    noise = detection.quality["baseline_noise"].to_numpy(float)
    for p in selection.pairing.bilateral:
        a, b = noise[selection.index(p.left)], noise[selection.index(p.right)]
        if a > 0 and b > 0 and max(a / b, b / a) > GAIN_MISMATCH:
            notes.add(
                f"{p.muscle}: baseline noise differs {max(a / b, b / a):.1f}-fold between {p.left!r} and {p.right!r}: "
                "different amplifier gains or electrode contact are likely, and raw amplitudes are compared without "
                "normalization; normalize to MVC before reading the amplitude symmetry index",
                warn=True,
            )


def _window_means(x, w):
    """Means of every ``w``-sample window of the rows of ``x`` (window ``i`` starts at column ``i``)."""
    csum = np.concatenate([np.zeros((x.shape[0], 1)), np.cumsum(x, axis=1)], axis=1)
    return (csum[:, w:] - csum[:, :-w]) / w


def _minus_floor(env, floor):
    """``sqrt(max(env**2 - floor**2, 0))`` row by row: the envelope of the muscle's own activity (:class:`FloorRemoved`)."""
    return FloorRemoved(env if isinstance(env, Rows) else np.ascontiguousarray(env, dtype=np.float64), floor)


class FloorRemoved(Rows):
    """The envelope with each row's floor removed in quadrature (:func:`emgkit.kernels.minus_floor`), where it is read.

    Computed where it is read, also in memory: its readers take a repetition,
    a cycle or a piece at a time, and a whole-record copy (8 bytes per sample
    of fresh memory) cost more in page faults than the arithmetic.

    Parameters
    ----------
    env : ndarray (C-contiguous float64) or Rows, shape (n_channels, n_samples)
        The envelope, recording unit.
    floor : ndarray, shape (n_channels,)
        Every row's floor, recording unit.
    """

    def __init__(self, env, floor):
        from ..kernels import minus_floor, minus_floor_rows

        self.raw, self.floor = env, np.asarray(floor, dtype=np.float64)
        if isinstance(env, Rows):
            super().__init__(env.shape, lambda rows, a, b: minus_floor(env[rows, a:b], self.floor[rows]), env.chunk)
        else:
            super().__init__(env.shape, lambda rows, a, b: minus_floor_rows(env, rows, a, b, self.floor), LAZY_PIECE)

    def take(self, cols) -> np.ndarray:
        """Every row at samples ``cols`` (any order, repeats allowed), shape ``(n_channels, len(cols))``."""
        from ..kernels import minus_floor

        cols = np.asarray(cols, dtype=np.int64)
        if isinstance(self.raw, Rows):  # streamed: one read of the span
            lo = int(cols.min())
            return minus_floor(self.raw[:, lo : int(cols.max()) + 1][:, cols - lo], self.floor)
        return minus_floor(self.raw[:, cols], self.floor)

    def row_max(self) -> np.ndarray:
        """Maximum of every row, NaN ignored (NaN for an all-NaN row), like :func:`emgkit._chunks.row_max`."""
        from ..kernels.noise import minus_floor_max

        out = np.full(self.shape[0], -np.inf)
        for v in (p for _, _, p in self.raw.pieces()) if isinstance(self.raw, Rows) else (self.raw,):
            out = np.maximum(out, minus_floor_max(v, self.floor))
        return np.where(np.isneginf(out), np.nan, out)


def env_max(env) -> np.ndarray:
    """Maximum of every row of an envelope (array, Rows or :class:`FloorRemoved`), NaN ignored."""
    return env.row_max() if isinstance(env, FloorRemoved) else row_max(env)
