"""Electrode and baseline noise of each channel, told apart from tonic muscle activity.

The noise floor is what a channel shows when its muscle is silent: electrode
and amplifier noise, plus interference that stays on during activity (hum).
EMG and noise add in power, so a floor is removed in quadrature.  The quietest
stretch of a task is that floor only if the muscle rests somewhere; in a task
without rest it is tonic activity, and removing it erases real activity.  This
module measures the floor on a rest recording, a rest interval or the task
itself, and says whether it may be subtracted (``docs/noise_floor.md``: method,
formulas, validation):

* **Quiet windows.**  0.5 s windows every 0.25 s, 0.25 s away from the
  record's ends; the floor is the mean over every window whose band-passed
  RMS is within 25 % of the quietest one (the minimum alone is biased low).
* **Spectral test.**  Electrode and amplifier noise is broadband; surface EMG
  power falls steeply above 200-300 Hz.  From the averaged spectrum of the
  quietest windows (up to 32, Hann, bins within 4 Hz of a mains harmonic left
  out): ``phi`` = share of power above 250 Hz, ``phi_white`` = the same share
  for white noise through the same band-pass, ``rho = phi / phi_white``
  (white noise 1, electrode noise of the shared recordings 0.4-1, the
  quietest windows of active muscles there 0-0.4).
* **Trust.**  A floor is trusted when ``rho >= 0.4`` (and, for a rest
  recording or interval, when it is not above the task's quietest windows).
  Otherwise it is reported with the reason and must not be subtracted; for a
  task whose quietest windows are muscle activity the reported RMS is the
  upper-band estimate ``sqrt(rho) x`` their RMS: the white noise the band
  above 250 Hz has room for.

:func:`subtract_floor` is the subtraction rule: quadrature, capped so that a
value never loses more than ``1 - sqrt(1 - 1/ratio**2)`` of itself (13.4 % at
the default ratio 2) and never becomes 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._chunks import settle_samples
from ._signal import as_signal
from .errors import InvalidInputError

__all__ = [
    "NoiseFloor",
    "estimate_noise",
    "floor_from_conditioned",
    "subtract_floor",
    "within_noise",
    "NOISE_LIKE",
    "SUBTRACT_RATIO",
]

WINDOW_S = 0.5  # length of the windows the floor is measured on, s
HOP_S = WINDOW_S / 2  # step between window starts, s; a window is two steps
EDGE_S = 0.25  # kept away from the record's ends (filter transients), s
QUIET_FACTOR = 1.25  # windows with RMS within this factor of the quietest one make the floor
N_SPECTRA = 32  # quietest windows whose spectra are averaged for the test
SPLIT_HZ = 250.0  # the test's upper band starts here; surface EMG power is mostly below it
MIN_UPPER_HZ = 100.0  # the upper band [SPLIT_HZ, high_hz] must be at least this wide
LINE_HALF_WIDTH_HZ = 4.0  # bins this close to a mains harmonic are left out of the test
NOISE_LIKE = 0.4  # rho at or above which quiet windows are noise (rho: upper-band share / white noise's)
SILENT = 1e-12  # a window with power below this fraction of the channel's loudest is digital silence
SILENT_MARGIN = 2  # windows on each side of digital silence left out (partly silent or ringing)
SUBTRACT_RATIO = 2.0  # values below this multiple of the floor lose at most 1 - sqrt(1 - 1/ratio**2)
LOUD_PERCENTILE = 95.0  # percentile of the window RMS reported as the channel's loud level
PIECE_S = 30.0  # samples are read this many seconds at a time


@dataclass(frozen=True)
class NoiseFloor:
    """Noise floor of every channel, how it was found and whether it may be subtracted.

    All amplitudes are in the recording's unit (V, mV, counts, ...).

    Attributes
    ----------
    floor : ndarray, shape (n_channels,)
        Level of the envelope at rest: the mean of the given envelope over the
        floor's windows (for the linear envelope of Gaussian noise about
        ``sqrt(2/pi) x noise_rms``; for the moving RMS about ``noise_rms``).
        0 for a silent channel.
    noise_rms : ndarray, shape (n_channels,)
        RMS of the band-passed (and notched) signal at rest.
    trusted : ndarray of bool, shape (n_channels,)
        True when the floor may be subtracted (:func:`subtract_floor`).
    method : tuple of str
        Where each floor comes from: ``"rest recording"``, ``"rest interval
        A-B s"``, ``"task: quietest windows"``, ``"task: upper-band estimate"``
        (the quietest windows are muscle activity; the values are
        ``sqrt(noise_likeness)`` times their level: the white noise the band
        above 250 Hz has room for) or ``"none"`` (silent channel, record too
        short).
    reason : tuple of str
        Why a floor is not trusted, one sentence naming the numbers and the
        fix; ``""`` when trusted.
    noise_likeness : ndarray, shape (n_channels,)
        ``rho`` of the floor's windows: share of their power above 250 Hz
        divided by that of white noise through the same band-pass (1: white
        noise; below ``NOISE_LIKE`` = 0.4: muscle-like).  NaN when the band
        ends below 350 Hz or there is no window.
    quiet_rms : ndarray, shape (n_channels,)
        RMS of the band-passed task in its quietest windows (what a
        quietest-window floor without the spectral test would be).
    loud_rms : ndarray, shape (n_channels,)
        95th percentile of the task's 0.5 s window RMS (band-passed): with
        ``noise_rms``, how far the channel rises above its floor.
    rest_s : ndarray, shape (n_channels,)
        Seconds of signal behind the floor: its number of windows times the
        0.25 s step between them.
    """

    floor: np.ndarray
    noise_rms: np.ndarray
    trusted: np.ndarray
    method: tuple
    reason: tuple
    noise_likeness: np.ndarray
    quiet_rms: np.ndarray
    loud_rms: np.ndarray
    rest_s: np.ndarray

    @property
    def floor_to_subtract(self) -> np.ndarray:
        """``floor`` where trusted, 0 elsewhere (envelope units)."""
        return np.where(self.trusted, self.floor, 0.0)

    @property
    def rms_to_subtract(self) -> np.ndarray:
        """``noise_rms`` where trusted, 0 elsewhere (band-passed RMS units)."""
        return np.where(self.trusted, self.noise_rms, 0.0)


def subtract_floor(values, floor, trusted=True, ratio=SUBTRACT_RATIO):
    """Remove a noise floor from amplitude values in quadrature, never down to 0.

    ``v' = sqrt(v**2 - min(f**2, (v / ratio)**2))``: exact quadrature
    subtraction (EMG and noise add in power) for values at least ``ratio``
    times the floor; below that the subtraction is capped, so a value keeps at
    least ``sqrt(1 - 1/ratio**2)`` of itself (0.866 at ratio 2) and is never
    made 0 or reordered.  The cap applies where a value is within the noise
    (:func:`within_noise`): there the floor and the value are of one size, the
    difference is not measurable, and a wrong floor (tonic activity taken for
    noise) would otherwise turn activity into 0.  Where the floor is not
    trusted nothing is subtracted.

    Parameters
    ----------
    values : array_like
        Non-negative amplitudes: envelope means or peaks (with the envelope
        ``floor``), band-passed RMS (with ``noise_rms``); any unit.
    floor : array_like
        Floor in the unit of ``values``, broadcast against them (e.g.
        ``floor[:, None]`` for values shaped (n_channels, n_repetitions)).
    trusted : array_like of bool, default True
        Broadcast like ``floor``.
    ratio : float > 1, default 2
        Values at or above ``ratio x floor`` are corrected exactly.

    Returns
    -------
    ndarray
        Corrected values (NaN stays NaN).

    Examples
    --------
    >>> subtract_floor([10.0, 3.0, 1.0], 1.0)
    array([9.94987437, 2.82842712, 0.8660254 ])
    """
    if not ratio > 1:
        raise InvalidInputError(f"ratio must be > 1, got {ratio!r}")
    v = np.asarray(values, dtype=np.float64)
    f = np.where(np.asarray(trusted, dtype=bool), np.asarray(floor, dtype=np.float64), 0.0)
    return np.sqrt(v * v - np.minimum(f * f, (v / ratio) ** 2))


def within_noise(values, floor, trusted=True, ratio=SUBTRACT_RATIO):
    """True where a value is below ``ratio`` times a trusted floor (where :func:`subtract_floor` caps).

    Parameters are those of :func:`subtract_floor`; returns an ndarray of bool.
    """
    v = np.asarray(values, dtype=np.float64)
    return np.asarray(trusted, dtype=bool) & (v < ratio * np.asarray(floor, dtype=np.float64))


def floor_from_conditioned(filtered, env, fs, *, low_hz=20.0, high_hz=450.0, order=4, line_hz=None,
                           rest=None, rest_interval=None, unit="") -> NoiseFloor:
    """Noise floor of every channel from signals already band-passed and enveloped.

    The analysis calls this with its own conditioned signals, so the floor is
    measured on exactly what it subtracts from.

    Parameters
    ----------
    filtered : ndarray or emgkit._chunks.Rows, shape (n_channels, n_samples)
        The task's band-passed (and notched, if the analysis notches) EMG,
        recording unit.
    env : ndarray or Rows, shape (n_channels, n_samples)
        Its envelope (linear or moving RMS), recording unit.
    fs : float
        Sampling rate in Hz.
    low_hz : float or array_like (n_channels,), default 20
        Lower band-pass corner of each channel in Hz (trunk channels may have
        their own).
    high_hz : float, default 450
        Upper corner in Hz.
    order : int, default 4
        Butterworth design order of the zero-phase band-pass.
    line_hz : float, optional
        Mains frequency; bins within 4 Hz of its harmonics are left out of the
        spectral test.  Default: those of both 50 and 60 Hz.
    rest : (ndarray or Rows, ndarray or Rows), optional
        ``(filtered, env)`` of a rest recording of the same channels, at
        ``fs``, conditioned exactly like the task.  The floor is measured on it.
    rest_interval : (float, float), optional
        Start and end in s of a rest within the task; the floor is measured on
        it.  Not with ``rest``.
    unit : str, optional
        Recording unit, used in the reasons (``"V"``, ``"counts"``).

    Returns
    -------
    NoiseFloor

    Raises
    ------
    InvalidInputError
        Mismatched shapes, both ``rest`` and ``rest_interval``, or a rest
        interval that holds no 0.5 s window.
    """
    fs = float(fs)
    n_ch, n = filtered.shape
    if tuple(env.shape) != (n_ch, n):
        raise InvalidInputError(f"filtered {tuple(filtered.shape)} and env {tuple(env.shape)} must have one shape")
    if rest is not None and rest_interval is not None:
        raise InvalidInputError("give rest (a rest recording) or rest_interval (a rest within the task), not both")
    lows = np.broadcast_to(np.asarray(low_hz, dtype=np.float64), (n_ch,))
    test = _SpectralTest(fs, lows, float(high_hz), int(order), line_hz)
    edge = int(round(EDGE_S * fs))
    task = _scan(filtered, env, fs, edge, n - edge)
    if rest is None and rest_interval is None:
        return _decide(n_ch, task, task, test, "task", unit)
    if rest is not None:
        r_filtered, r_env = rest
        if r_filtered.shape[0] != n_ch or tuple(r_env.shape) != tuple(r_filtered.shape):
            raise InvalidInputError(
                f"the rest recording has shape {tuple(r_filtered.shape)} (env {tuple(r_env.shape)}); "
                f"it needs the task's {n_ch} channels, in the same order")
        m = r_filtered.shape[1]
        stretch = _scan(r_filtered, r_env, fs, edge, m - edge)
        what = "rest recording"
    else:
        t0, t1 = (float(t) for t in rest_interval)
        a, b = max(edge, int(round(t0 * fs))), min(n - edge, int(round(t1 * fs)))
        stretch = _scan(filtered, env, fs, a, b)
        if stretch is None:
            raise InvalidInputError(
                f"rest_interval {t0:g}-{t1:g} s holds no {WINDOW_S:g} s window within the record "
                f"({n / fs:g} s, {EDGE_S:g} s kept from each end); give a longer rest")
        what = f"rest interval {t0:g}-{t1:g} s"
    return _decide(n_ch, stretch, task, test, what, unit)


def estimate_noise(x, fs=None, *, rest=None, rest_interval=None, low_hz=20.0, high_hz=450.0, order=4, notch_hz=None,
                   envelope="linear", cutoff_hz=6.0, envelope_order=2, rms_window_ms=100.0, line_hz=None,
                   chunk_s=PIECE_S) -> NoiseFloor:
    """Noise floor of every channel of a raw recording: condition it, then :func:`floor_from_conditioned`.

    Conditioning: DC removal, zero-phase Butterworth band-pass ``low_hz``-
    ``high_hz`` of design order ``order`` (:func:`emgkit.bandpass`), an
    optional notch (:func:`emgkit.notch`), and the envelope: ``"linear"``
    (:func:`emgkit.linear_envelope`, ``cutoff_hz``, ``envelope_order``) or
    ``"rms"`` (:func:`emgkit.rms_envelope`, centred ``rms_window_ms``).

    Parameters
    ----------
    x : ndarray, Recording, ArraySource or FileSource
        Raw EMG, (n_channels, n_samples) or one channel (n_samples,), in the
        recording's unit.  A source (``emgkit._chunks``) is read
        ``chunk_s`` at a time with settling margins, never whole.
    fs : float, optional
        Sampling rate in Hz (from a Recording or source otherwise).
    rest : same kinds as ``x``, optional
        A rest recording of the same channels at the same rate.
    rest_interval : (float, float), optional
        A rest within ``x``, start and end in s.
    low_hz, high_hz, order, notch_hz : band-pass corners (Hz), design order, notch frequency (Hz, None: none)
    envelope : {"linear", "rms"}, default "linear"
    cutoff_hz, envelope_order, rms_window_ms : envelope settings (Hz, order, ms)
    line_hz : float, optional
        Mains frequency for the spectral test (default: notch_hz, else 50 and 60).
    chunk_s : float, default 30
        Seconds read at a time from a source.

    Returns
    -------
    NoiseFloor
        ``unit`` of the amplitudes: that of ``x``.

    Examples
    --------
    >>> from emgkit.datasets import simulate
    >>> rec = simulate(n_reps=3, fs=2000, noise_uv=5.0, seed=1)
    >>> nf = estimate_noise(rec)
    >>> bool(nf.trusted.all()), [round(float(v) * 1e6, 1) for v in nf.noise_rms]  # µV: 5 x 0.895 in 20-450 Hz
    (True, [4.5, 4.5, 4.5, 4.5])
    """
    cond = _Conditioning(float(low_hz), float(high_hz), int(order), notch_hz, envelope, float(cutoff_hz),
                         int(envelope_order), float(rms_window_ms))
    task, fs, unit = _conditioned(x, fs, cond, chunk_s)
    rest_pair = None
    if rest is not None:
        rest_pair, rest_fs, _ = _conditioned(rest, fs, cond, chunk_s)
        if rest_fs != fs:
            raise InvalidInputError(f"the rest recording is sampled at {rest_fs:g} Hz and the task at {fs:g} Hz; resample one")
    line = line_hz if line_hz is not None else notch_hz
    return floor_from_conditioned(*task, fs, low_hz=cond.low, high_hz=cond.high, order=cond.order, line_hz=line,
                                  rest=rest_pair, rest_interval=rest_interval, unit=unit)


# -- scanning the windows ---------------------------------------------------------


@dataclass
class _Stretch:
    """Window statistics of one stretch of one signal (every channel)."""

    power: np.ndarray  # (n_ch, n_windows) mean square of the band-passed signal
    env_mean: np.ndarray  # (n_ch, n_windows) mean envelope
    keys: np.ndarray  # (n_ch, N_SPECTRA) power of the quietest windows kept (inf: empty)
    samples: np.ndarray  # (n_ch, N_SPECTRA, w) their band-passed samples
    hop: int


def _scan(filtered, env, fs, first, last):
    """Statistics of the 0.5 s windows of samples ``[first, last)``, read a piece at a time; None if none fits."""
    hop = max(1, int(round(HOP_S * fs)))
    w = 2 * hop
    n_blocks = (last - first) // hop if last > first else 0
    if n_blocks < 2:
        return None
    n_ch = filtered.shape[0]
    stop = first + n_blocks * hop
    step = max(2, int(round(PIECE_S * fs)) // hop) * hop
    keys = np.full((n_ch, N_SPECTRA), np.inf)
    samples = np.zeros((n_ch, N_SPECTRA, w))
    loudest = np.zeros(n_ch)
    powers, envs = [], []
    for a in range(first, stop - hop, step):  # piece [a - hop, b): its windows start at its blocks but the last
        lo, b = max(first, a - hop), min(stop, a + step)
        y = np.asarray(filtered[:, lo:b], dtype=np.float64)
        e = np.asarray(env[:, lo:b], dtype=np.float64)
        m = (b - lo) // hop
        pb = np.einsum("ijk,ijk->ij", y.reshape(n_ch, m, hop), y.reshape(n_ch, m, hop))
        eb = e.reshape(n_ch, m, hop).sum(axis=2)
        pw = (pb[:, :-1] + pb[:, 1:]) / w
        powers.append(pw)
        envs.append((eb[:, :-1] + eb[:, 1:]) / w)
        loudest = np.maximum(loudest, pw.max(axis=1))
        windows = np.lib.stride_tricks.as_strided(y, (n_ch, m - 1, w), (y.strides[0], hop * y.strides[1], y.strides[1]), writeable=False)
        keys, samples = _keep_quietest(keys, samples, pw, windows, loudest)
    return _Stretch(np.hstack(powers), np.hstack(envs), keys, samples, hop)


def _keep_quietest(keys, samples, pw, windows, loudest):
    """Merge a piece's windows into the N_SPECTRA quietest kept per channel (digital silence never kept).

    A kept window stays in its slot; a slot is refilled only when a quieter
    window of the piece displaces it, so only those windows are copied.
    """
    floor = SILENT * loudest[:, None]
    keys = np.where(keys > floor, keys, np.inf)
    all_keys = np.hstack([keys, np.where(pw > floor, pw, np.inf)])
    k = keys.shape[1]
    if all_keys.shape[1] > k:
        chosen = np.zeros(all_keys.shape, dtype=bool)
        np.put_along_axis(chosen, np.argpartition(all_keys, k - 1, axis=1)[:, :k], True, axis=1)
        for c in np.flatnonzero(chosen[:, k:].any(axis=1)):
            free, new = np.flatnonzero(~chosen[c, :k]), np.flatnonzero(chosen[c, k:])
            keys[c, free] = all_keys[c, k + new]
            samples[c, free] = windows[c, new]
    return keys, samples


# -- the spectral test ------------------------------------------------------------


class _SpectralTest:
    """Share of power above SPLIT_HZ in averaged window spectra, and the same share for white noise."""

    def __init__(self, fs, lows, high, order, line_hz):
        from scipy.signal import butter, sosfreqz

        self.fs, self.high = fs, high
        self.available = high - SPLIT_HZ >= MIN_UPPER_HZ
        w = 2 * max(1, int(round(HOP_S * fs)))
        self.freqs = np.fft.rfftfreq(w, 1.0 / fs)
        keep = np.ones(self.freqs.size, dtype=bool)
        for line in ((50.0, 60.0) if line_hz is None else (float(line_hz),)):
            harmonics = np.arange(1, int(fs / 2 / line) + 2) * line
            keep &= np.min(np.abs(self.freqs[:, None] - harmonics[None, :]), axis=1) > LINE_HALF_WIDTH_HZ
        self.keep, self.upper = keep, keep & (self.freqs >= SPLIT_HZ)
        self.window = np.hanning(w)
        self.white = np.empty(len(lows))
        for low in np.unique(lows):
            sos = butter(order, [low, high], btype="band", fs=fs, output="sos")
            gain = np.abs(sosfreqz(sos, worN=self.freqs, fs=fs)[1]) ** 4  # power response of the zero-phase pair
            self.white[lows == low] = gain[self.upper].sum() / gain[keep].sum()

    def share(self, spectra):
        """``phi`` of spectra (n, n_bins) averaged over n: power above SPLIT_HZ / power (mains bins left out)."""
        s = spectra.mean(axis=0)
        total = s[self.keep].sum()
        return s[self.upper].sum() / total if total > 0 else np.nan

    def spectra(self, samples):
        return np.abs(np.fft.rfft(samples * self.window, axis=-1)) ** 2


# -- decisions ----------------------------------------------------------------------


def _decide(n_ch, stretch, task, test, what, unit) -> NoiseFloor:
    """Floor, trust and reason of every channel from the floor's stretch and the task's windows."""
    cols = {k: np.full(n_ch, np.nan) for k in ("floor", "noise_rms", "rho", "quiet", "loud", "rest_s")}
    trusted = np.zeros(n_ch, dtype=bool)
    method, reason = ["none"] * n_ch, [""] * n_ch
    fmt = _Formatter(unit)
    base = "task: quietest windows" if what == "task" else what
    for c in range(n_ch):
        if task is not None:
            q = _quiet(task, c)
            cols["quiet"][c] = np.sqrt(q[0]) if q else 0.0
            cols["loud"][c] = np.sqrt(np.percentile(task.power[c], LOUD_PERCENTILE))
        if stretch is None:
            reason[c] = f"the record is too short: the floor needs a {WINDOW_S:g} s window {EDGE_S:g} s away from each end"
            continue
        q = _quiet(stretch, c)
        if q is None:
            cols["floor"][c] = cols["noise_rms"][c] = cols["rest_s"][c] = 0.0
            reason[c] = "the channel is silent (digital zero): it has no noise floor and no signal"
            continue
        power, env_level, n_windows, samples = q
        cols["rest_s"][c] = n_windows * stretch.hop / test.fs
        rms = np.sqrt(power)
        cols["floor"][c], cols["noise_rms"][c], method[c] = env_level, rms, base
        if not test.available:
            reason[c] = (f"the band ends at {test.high:g} Hz, leaving less than {MIN_UPPER_HZ:g} Hz above {SPLIT_HZ:g} Hz: "
                         "noise cannot be told from tonic muscle activity by its spectrum; give a rest recording or a rest interval")
            continue
        rho = cols["rho"][c] = test.share(test.spectra(samples)) / test.white[c]
        if rho < NOISE_LIKE:
            where = "the quietest 0.5 s of the task is" if what == "task" else f"the {what} is"
            estimate = rms * np.sqrt(rho)
            reason[c] = (f"{where} muscle activity, not noise: {100 * rho * test.white[c]:.1f} % of its power lies above "
                         f"{SPLIT_HZ:g} Hz (white noise: {100 * test.white[c]:.0f} %; noise has at least {100 * NOISE_LIKE:.0f} % "
                         f"of that), so subtracting its level ({fmt(rms)} RMS) would remove activity; the band above "
                         f"{SPLIT_HZ:g} Hz leaves room for about {fmt(estimate)} RMS of white noise. "
                         + ("Give a rest recording or a rest interval to subtract the noise" if what == "task"
                            else "Record a rest with the muscle relaxed"))
            if what == "task":
                method[c] = "task: upper-band estimate"
                cols["floor"][c], cols["noise_rms"][c] = env_level * np.sqrt(rho), estimate
            continue
        if what != "task" and cols["noise_rms"][c] > QUIET_FACTOR * cols["quiet"][c]:
            reason[c] = (f"the {what}'s noise ({fmt(cols['noise_rms'][c])} RMS) is above the task's quietest 0.5 s "
                         f"({fmt(cols['quiet'][c])} RMS): it was recorded with other electrodes, gain or interference, "
                         "so it is not this recording's floor")
            continue
        trusted[c] = True
    return NoiseFloor(cols["floor"], cols["noise_rms"], trusted, tuple(method), tuple(reason), cols["rho"],
                      cols["quiet"], cols["loud"], cols["rest_s"])


def _quiet(stretch, c):
    """``(mean power, mean envelope, n windows, samples for the test)`` of channel c's quiet windows; None if silent.

    Windows of digital silence (power below SILENT times the loudest) and the
    two on either side of them (partly silent, or ringing from the filters)
    are left out.  Quiet windows are those within QUIET_FACTOR**2 of the
    lowest remaining power whose mean envelope is also within QUIET_FACTOR of
    the lowest among them (a window whose envelope is raised by a neighbouring
    burst is left out).
    """
    p, e = stretch.power[c], stretch.env_mean[c]
    loud = p.max()
    if not loud > 0:
        return None
    silent = p <= SILENT * loud
    # centred running sum ("full" sliced: mode "same" returns the kernel's length when there are fewer windows)
    near = np.convolve(silent, np.ones(2 * SILENT_MARGIN + 1))[SILENT_MARGIN : SILENT_MARGIN + p.size] > 0
    live = ~near if (~near).any() else ~silent
    level = p[live].min()
    limit = QUIET_FACTOR**2 * level
    band = live & (p <= limit)
    quiet = band & (e <= QUIET_FACTOR * e[band].min())
    kept = stretch.keys[c] <= limit
    return p[quiet].mean(), e[quiet].mean(), int(quiet.sum()), stretch.samples[c][kept]


class _Formatter:
    def __init__(self, unit):
        self.unit = f" {unit}" if unit else ""

    def __call__(self, v):
        return f"{v:.3g}{self.unit}"


# -- conditioning raw input ---------------------------------------------------------


@dataclass(frozen=True)
class _Conditioning:
    low: float
    high: float
    order: int
    notch_hz: float | None
    envelope: str
    cutoff_hz: float
    envelope_order: int
    rms_window_ms: float

    def apply(self, x, fs):
        """Band-passed (and notched) signal and envelope of DC-free ``x`` (n_channels, n), float64."""
        from .envelope import linear_envelope, rms_envelope
        from .preprocess import bandpass, notch

        y = bandpass(x, fs, low=self.low, high=self.high, order=self.order)
        if self.notch_hz:
            y = notch(y, fs, freq=self.notch_hz)
        if self.envelope == "linear":
            e = linear_envelope(y, fs, cutoff=self.cutoff_hz, order=self.envelope_order)
        else:
            e = rms_envelope(y, fs, window_ms=self.rms_window_ms)
        return np.asarray(y, dtype=np.float64), np.asarray(e, dtype=np.float64)

    def margin(self, fs):
        """Samples read beyond each piece so that band-pass, notch and envelope have settled on it."""
        from scipy.signal import butter

        from .envelope import winter_correction
        from .preprocess import lowpass_sos, notch_sos

        total = settle_samples(butter(self.order, [self.low, self.high], btype="band", fs=fs, output="sos"))
        if self.notch_hz:
            total += sum(settle_samples(s[None]) for s in notch_sos(fs, self.notch_hz)[0])
        if self.envelope == "linear":
            total += settle_samples(lowpass_sos(fs, self.cutoff_hz / winter_correction(self.envelope_order), self.envelope_order))
        else:
            total += int(round(self.rms_window_ms * 1e-3 * fs)) + 1
        return total + 8


def _conditioned(x, fs, cond, chunk_s):
    """``((filtered, env), fs, unit)`` of raw input: arrays for arrays/Recordings, piecewise Rows for sources."""
    from ._chunks import Rows

    if cond.envelope not in ("linear", "rms"):
        raise InvalidInputError(f"envelope must be 'linear' or 'rms', got {cond.envelope!r}")
    if hasattr(x, "read") and hasattr(x, "n_samples"):
        src_fs = float(x.fs)
        if fs is not None and float(fs) != src_fs:
            raise InvalidInputError(f"fs={fs} disagrees with the source's fs={src_fs:g}; omit fs for sources")
        offset = x.read(0, min(x.n_samples, int(src_fs))).mean(axis=1)
        margin = cond.margin(src_fs)
        chunk = max(1, int(round(chunk_s * src_fs)))

        last = {}  # the scan reads the band-passed signal, then the envelope of the same piece: condition it once

        def read(which):
            def piece(rows, a, b):
                key = (tuple(rows), a, b)
                if key not in last:
                    lo, hi = max(0, a - margin), min(x.n_samples, b + margin)
                    y, e = cond.apply(x.read(lo, hi, rows) - offset[rows][:, None], src_fs)
                    last.clear()
                    last[key] = (y[:, a - lo : b - lo], e[:, a - lo : b - lo])
                return last[key][which]
            return Rows((x.n_channels, x.n_samples), piece, chunk)

        return (read(0), read(1)), src_fs, getattr(x, "unit", "")
    arr, fs, rec = as_signal(x, fs)
    arr = np.atleast_2d(np.asarray(arr, dtype=np.float64))
    unit = rec.unit if rec is not None else ""
    return cond.apply(arr - arr.mean(axis=1, keepdims=True), fs), fs, unit
