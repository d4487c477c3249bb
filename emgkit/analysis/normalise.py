"""Stage 5: the noise floor of each channel and the reference its amplitudes are expressed against.

Noise floor: EMG and noise add in power, so the envelope of the muscle's own
activity is ``sqrt(env**2 - floor**2)`` (exact for moving RMS, close for the
linear envelope of Gaussian EMG).  Reference: an MVC (recordings, conditioned
by the same :func:`~emgkit.analysis.condition.condition` as the task, or
values), else each channel's task peak or mean (Yang & Winter 1984).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._chunks import Rows, row_max, row_mean
from ..channels import parse_channel_name
from ..errors import InvalidInputError
from .store import pieces

__all__ = ["Normalisation", "normalise", "REST_WINDOW_S", "QUIET_FACTOR", "GAIN_MISMATCH"]

REST_WINDOW_S = 0.5  # windows of this length within QUIET_FACTOR of the quietest one give each channel's noise floor
QUIET_FACTOR = 1.25
GAIN_MISMATCH = 2.0  # baseline noise differing more than this factor between sides suggests different gains


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
        The envelope with the floor removed in quadrature (the envelope itself without subtraction).
    ref : ndarray
        Reference per channel (MVC or task peak/mean), recording unit; NaN when none.
    ref_source : list of str
    amp_scale, cc_scale : ndarray
        Factors from the envelope to amplitude units and to co-contraction units.
    amp_unit, cc_unit : str
    amp_mode : {"mvc", "raw", "refused"}
    cc_mode : {"mvc", "peak", "mean"}
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

    def cc_env(self, rows, a, b) -> np.ndarray:
        """Samples ``[a, b)`` of channels ``rows`` of the envelope in co-contraction units."""
        return self.env[rows, a:b] * self.cc_scale[rows][:, None]


def normalise(selection, detection, segments, store, band, cfg, mvc, notes) -> Normalisation:
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
    floor, noise_rms, env = noise_floor(store, view.fs, ncfg.subtract_noise, notes)
    if method == "mvc":
        if mvc is None:
            raise InvalidInputError("normalization.method = 'mvc' needs mvc=...: an MVC Recording, a list of them, or reference values")
        ref, how = mvc_reference(mvc, selection, band, floor, cfg, notes)
        scale = 100.0 / ref
        top = row_max(env) * scale
        for c in np.flatnonzero(top > 100.0):
            notes.add(f"{selection.names[c]} exceeds 100 %MVC (envelope peak {top[c]:.0f} %MVC; kept, not clipped): "
                      "check that the MVC trial was maximal and processed like the task", warn=True)
        return Normalisation(floor, noise_rms, env, ref, [how] * n_ch, scale, "%MVC", "mvc", scale, "%MVC", "mvc")
    task = "mean" if method == "mean" else "peak"
    if segments.n_kept:
        _, mean_curve, _ = ensemble(env, view.fs, segments.intervals, cfg.cycles.n_points)
        ref = mean_curve.max(axis=1) if task == "peak" else mean_curve.mean(axis=1)
    else:
        ref = row_max(env) if task == "peak" else row_mean(env)
    ref = np.where(ref > 0, ref, np.nan)
    where = "ensemble-average envelope" if segments.n_kept else "envelope"
    cc_scale = 100.0 / ref
    source = [f"task {task} of the {where} (Yang & Winter 1984)"] * n_ch
    if method in ("peak", "mean"):
        notes.add(f"amplitudes normalized to each channel's task {task}: this erases left/right amplitude asymmetry, "
                  "so amplitude symmetry indices are not computed (give an MVC); shape and timing are kept")
        return Normalisation(floor, noise_rms, env, ref, source, cc_scale, f"%{task}", "refused", cc_scale, f"%{task}", task)
    notes.add("amplitudes are not normalized (no MVC): left/right amplitude comparisons are indicative only, since "
              "electrode site, skin and fat change raw amplitude (Burden 2010); co-contraction uses each channel's task peak")
    _check_gains(selection, detection, notes)
    return Normalisation(floor, noise_rms, env, ref, source, np.ones(n_ch), view.unit, "raw", cc_scale, f"%{task}", task)


def noise_floor(store, fs, subtract, notes):
    """Envelope level and RMS of each channel at rest, and the envelope with the level removed in quadrature.

    Rest = every 0.5 s window whose mean envelope is within 25 % of the
    quietest one, 0.25 s away from the record's ends (the same samples give
    the noise RMS); a record too short for it gets no correction (noted).
    Every such window counts, not the minimum alone, which is biased low
    (and quadrature subtraction is sensitive to that).

    Returns
    -------
    floor, noise_rms : ndarray, shape (n_channels,)
    env : ndarray or Rows
    """
    n_ch, n = store.shape
    zeros = np.zeros(n_ch)
    w = int(round(REST_WINDOW_S * fs))
    edge = int(round(0.25 * fs))
    if not subtract:
        return zeros, zeros.copy(), store.env
    if n - 2 * edge < w:
        notes.add(f"the record is shorter than {REST_WINDOW_S + 0.5:g} s: noise floors are not subtracted")
        return zeros, zeros.copy(), store.env
    from ..kernels import min_window_mean, quiet_sums

    env, filtered, piece = store.env, store.filtered, store.piece
    first, last = edge, n - edge - w + 1  # window starts
    quietest = np.full(n_ch, np.inf)
    for a, b in pieces(first, last, piece):
        quietest = np.minimum(quietest, min_window_mean(env[:, a : b + w - 1], w))
    level = QUIET_FACTOR * quietest
    sums = np.zeros((n_ch, 3))
    for a, b in pieces(first, last + w - 1, piece):  # samples [a, b) and the windows that may cover them
        lo, hi = max(first, a - w + 1), min(last, b)
        sums += quiet_sums(env[:, lo : hi + w - 1], filtered[:, a:b], a - lo, hi - lo, w, level)
    floor = sums[:, 0] / sums[:, 2]
    return floor, np.sqrt(sums[:, 1] / sums[:, 2]), _minus_floor(env, floor)


def mvc_reference(mvc, selection, band, floor, cfg, notes):
    """Reference per analysed channel from MVC recordings or values, and how it was found."""
    from ..recording import Recording

    names = selection.names
    if isinstance(mvc, Recording) or (isinstance(mvc, (list, tuple)) and mvc and all(isinstance(m, Recording) for m in mvc)):
        trials = [mvc] if isinstance(mvc, Recording) else list(mvc)
        refs = np.vstack([_mvc_trial(t, k, selection, band, cfg, notes) for k, t in enumerate(trials)])
        ref = np.sqrt(np.maximum(refs.max(axis=0) ** 2 - floor**2, 0.0))  # same electrodes: same noise floor
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
    from .._chunks import ArraySource
    from .condition import condition
    from .store import MemoryStore
    from .view import RecordingView

    view = selection.view
    if trial.unit != view.unit:
        raise InvalidInputError(f"the MVC recording is in {trial.unit!r} and the task in {view.unit!r}; convert one of them first")
    rows = [_trial_row(trial, ch, k) for ch in selection.channels]
    x = np.asarray(trial.data[rows], dtype=np.float64)
    fs = trial.fs
    if fs != view.fs:
        if not cfg.normalization.resample_mvc:
            raise InvalidInputError(f"the MVC recording is sampled at {fs:g} Hz and the task at {view.fs:g} Hz; resample one "
                                    "of them or set normalization.resample_mvc = true")
        from scipy.signal import resample_poly

        frac = Fraction(view.fs / fs).limit_denominator(1000)
        x = resample_poly(x, frac.numerator, frac.denominator, axis=1)
        notes.add(f"MVC trial {k + 1} resampled from {fs:g} to {view.fs:g} Hz (polyphase, factor {frac.numerator}/{frac.denominator})")
        fs = view.fs
    n = x.shape[1]
    w = max(1, int(round(cfg.normalization.mvc_window_ms * 1e-3 * fs)))
    if w > n:
        raise InvalidInputError(f"MVC trial {k + 1} lasts {n / fs:.3f} s, shorter than the {cfg.normalization.mvc_window_ms:g} ms reference window")
    store = MemoryStore(len(rows), n, 1)
    condition(RecordingView(ArraySource(x, fs), selection.channels, view.unit, {}), cfg, band, store, n, notes)
    return _window_means(store.env, w).max(axis=1)


def _trial_row(trial, ch, k) -> int:
    if ch.name in trial.channel_names:
        return trial.index(ch.name)
    hits = [i for i, t in enumerate(trial.channels) if ch.muscle and (t.muscle, t.side) == (ch.muscle, ch.side)]
    if len(hits) != 1:
        raise InvalidInputError(
            f"MVC trial {k + 1} has no channel for {ch.name!r} (by name or muscle and side); its channels are {trial.channel_names}")
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
    """``sqrt(max(env**2 - floor**2, 0))`` row by row: the envelope of the muscle's own activity."""
    from ..kernels import minus_floor

    if isinstance(env, Rows):
        return Rows(env.shape, lambda rows, a, b: minus_floor(env[rows, a:b], floor[rows]), env.chunk)
    return minus_floor(env, floor)
