"""Simulated multichannel surface EMG with exact, JSON-serialisable ground truth.

The model (documented in ``docs/datasets.md``):

* **EMG** of a channel is Gaussian noise shaped to the Shwedyk et al. (1977)
  power spectrum ``P(f) ~ f^2 / ((f^2 + fl^2)(f^2 + fh^2)^2)`` with
  ``fh = 2 fl`` (peak about 65 Hz, median frequency about 96 Hz for
  ``fl = 60 Hz``), scaled so each channel has its own median frequency,
  multiplied by an activation envelope and by the channel's amplitude.
* **Fatigue** compresses the spectrum: the noise is read on a warped time axis
  ``tau(t) = t + r t^2 / 120`` so that every frequency, and hence the median
  frequency, is multiplied by ``k(t) = 1 + r t / 60`` (``r`` = MDF change in
  %/min / 100).  Amplitude rises as ``g(t) = 1 + a t / 60``.
* **Noise floor**: Gaussian noise, flat between 10 Hz and ``min(500, fs/2)`` Hz.
  Powerline hum, baseline wander and an ECG waveform are optional additions.

All randomness comes from one ``numpy.random.SeedSequence(seed)``: one child
stream per channel (split again per component) and one shared stream for the
ECG, so changing ``snr_db`` leaves the EMG itself unchanged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from emgkit._checks import check_fs
from emgkit.channels import Channel, known_muscles
from emgkit.errors import InvalidInputError
from emgkit.recording import Recording

__all__ = ["simulate", "rhythmic_schedule"]

TRUTH_VERSION = 1
ANALYSIS_BAND_HZ = (20.0, 450.0)  # band in which truth MDF/MNF are stated (docs/science.md#fatigue)
NOISE_BAND_HZ = (10.0, 500.0)  # amplifier band of the simulated noise floor
SHAPE_FL_HZ, SHAPE_FH_HZ = 60.0, 120.0  # Shwedyk shape at scale 1 (MDF about 96 Hz)
DEFAULT_MDF_RANGE_HZ = (85.0, 115.0)  # per-channel MDF drawn here when mdf_hz is None
OVERSAMPLE = 2  # source rate factor of the time-warped (fatigued) noise
K_LIMITS = (0.25, 2.0)  # allowed spectral scale k(t) over the record
MAX_THREADS = 2  # channels rendered in parallel (NumPy and the FFT release the GIL)
_SIDES = ("L", "R", None)
_FATIGUE_KEYS = ("mdf_pct_per_min", "amplitude_pct_per_min")

# ECG template: (relative amplitude, centre s, width s) of the P, Q, R, S, T waves
_ECG_WAVES = ((0.12, -0.20, 0.025), (-0.12, -0.035, 0.010), (1.0, 0.0, 0.011), (-0.25, 0.035, 0.011), (0.30, 0.28, 0.055))
_ECG_SPAN_S = (-0.35, 0.55)


def simulate(
    *,
    duration_s=None,
    fs=2000.0,
    muscles=("biceps_brachii", "triceps_brachii"),
    sides=("L", "R"),
    agonists=None,
    n_reps=None,
    burst_s=2.0,
    rest_s=2.0,
    lead_in_s=2.0,
    schedule=None,
    ramp_s=0.1,
    amplitude_uv=300.0,
    lr_ratio=1.0,
    onset_delay_s=0.0,
    onset_lag_s=0.0,
    cocontraction=0.15,
    level_cv=0.0,
    tonic=0.0,
    timing_jitter_s=0.0,
    mdf_hz=None,
    fatigue=None,
    snr_db=20.0,
    noise_uv=None,
    noise_drift=0.0,
    noise_drift_period_s=60.0,
    powerline_hz=50.0,
    powerline_uv=0.0,
    powerline_harmonics=(),
    wander_uv=0.0,
    wander_hz=0.5,
    ecg_uv=0.0,
    heart_rate_bpm=70.0,
    adc_range_uv=None,
    dtype="float64",
    seed=0,
) -> Recording:
    """Simulate multichannel surface EMG of a repetition set with known ground truth.

    Every muscle is recorded on every side in ``sides``; channels are named
    ``"<side> <muscle>"`` (``"L biceps_brachii"``), side-major.  Agonists burst
    at full level on a shared repetition schedule; every other muscle is an
    antagonist that co-contracts during the same bursts at ``cocontraction``
    of its own full amplitude.  The exact ground truth is in
    ``rec.meta["truth"]`` (see Notes), and ``simulate(**rec.meta["truth"]["params"])``
    reproduces the recording bit for bit.

    Per-muscle parameters accept a number (every channel) or a mapping keyed
    by muscle (``{"biceps_brachii": 400}``) or, where noted, by channel name
    (``{"R biceps_brachii": 400}``; a channel key wins over its muscle key).
    Muscles missing from a mapping take the fallback named in the parameter.

    Parameters
    ----------
    duration_s : float > 0, optional
        Record length in s.  Default: the offset of the last scheduled burst
        (before delays and jitter) plus one rest.
        When given without ``n_reps``, every repetition whose burst ends
        within it is simulated (the last rest may be cut short).
    fs : float > 0, default 2000
        Sampling rate in Hz.
    muscles : sequence of str, default ("biceps_brachii", "triceps_brachii")
        Canonical muscle names (``emgkit.channels.known_muscles()``).
    sides : sequence of {"L", "R", None}, default ("L", "R")
        Body sides; ``(None,)`` gives unilateral channels named by muscle only.
    agonists : sequence of str, optional
        Muscles that carry the main bursts (level 1).  Default: ``muscles[0]``.
    n_reps : int >= 1, optional
        Repetitions.  Default 10 when ``duration_s`` is not given.
    burst_s, rest_s : float or sequence of float, default 2.0
        Burst (onset to offset, ramps included) and rest durations in s;
        sequences are cycled over repetitions.
    lead_in_s : float >= 0, default 2.0
        Rest before the first burst (a quiet baseline for onset detectors).
    schedule : sequence of (onset_s, offset_s), optional
        Explicit agonist bursts in s, replacing ``n_reps``, ``burst_s``,
        ``rest_s`` and ``lead_in_s``.
    ramp_s : float >= 0 or mapping (muscle or channel), default 0.1
        Rise time (and fall time) of the activation envelope in s; 0 gives a
        step.  Fallback 0.1.
    amplitude_uv : float > 0 or mapping (muscle), default 300
        RMS of the left (or only) side's EMG at full activation, before fatigue,
        in microvolts.  Fallback 300.
    lr_ratio : float > 0 or mapping (muscle), default 1.0
        Right / left amplitude ratio.  Fallback 1.
    onset_delay_s : float or mapping (muscle), default 0.0
        Right minus left timing in s: the whole right burst (onset and offset)
        is shifted by this amount.  Fallback 0.
    onset_lag_s : float or mapping (muscle or channel), default 0.0
        Shift of a muscle's bursts from the schedule in s (e.g. an antagonist
        switching on after the agonist).  Fallback 0.
    cocontraction : float in [0, 1] or mapping (muscle), default 0.15
        Antagonist activation during agonist bursts, as a fraction of the
        antagonist's own full amplitude.  0 leaves the antagonist silent.
        Fallback 0.
    level_cv : float in [0, 0.35], default 0
        Coefficient of variation of each burst's level (independent per channel
        and burst; the realised levels are in the truth).
    tonic : float in [0, 1] or mapping (muscle or channel), default 0
        Tonic (steady) activation held over the whole record, as a fraction of
        the channel's full amplitude: the activation envelope is
        ``max(burst envelope, tonic)``, so there is no rest and a channel
        without bursts still carries EMG at this level.  Fallback 0.
    timing_jitter_s : float >= 0, default 0
        SD in s of independent Gaussian perturbations of each burst's onset and
        offset (per channel, clipped at 3 SD; realised times are in the truth).
    mdf_hz : float or mapping (muscle or channel), optional
        Median frequency in the 20-450 Hz band at the start of the record.
        Default: drawn per channel, uniformly in 85-115 Hz.
    fatigue : mapping, optional
        ``{"mdf_pct_per_min": -10, "amplitude_pct_per_min": 5}`` for every
        channel, or a mapping from muscle or channel name to such a mapping.
        The median frequency changes linearly in time by ``mdf_pct_per_min``
        percent of its initial value per minute (spectral compression when
        negative) and the amplitude by ``amplitude_pct_per_min``.  Fallback: none.
    snr_db : float or mapping (muscle or channel), default 20
        Per channel, ``20 log10(amplitude / noise RMS)`` with the amplitude at
        full activation (t = 0); so with ``lr_ratio != 1`` the two sides have
        different absolute noise floors.  ``None`` (or ``inf``) for no noise.
        Fallback 20.
    noise_uv : float >= 0 or mapping (muscle or channel), optional
        Absolute noise-floor RMS in microvolts, replacing ``snr_db``.
    noise_drift : float in [0, 1), default 0
        Relative slow modulation of the noise-floor RMS:
        ``sigma(t) = sigma (1 + noise_drift sin(2 pi t / noise_drift_period_s + phase))``.
    noise_drift_period_s : float > 0, default 60
        Period of that modulation in s (phase random per channel).
    powerline_hz : float, default 50
        Mains frequency in Hz (also written to ``meta["powerline_hz"]``).
    powerline_uv : float >= 0 or mapping (muscle or channel), default 0
        Peak amplitude of the mains fundamental in microvolts (random phase per channel).
    powerline_harmonics : sequence of float, default ()
        Amplitudes of the 2nd, 3rd, ... harmonics relative to the fundamental.
    wander_uv : float >= 0 or mapping (muscle or channel), default 0
        RMS of the baseline wander (Gaussian noise flat from 0 to ``wander_hz``) in microvolts.
    wander_hz : float > 0, default 0.5
        Upper frequency of the baseline wander in Hz.
    ecg_uv : float >= 0 or mapping (muscle or channel), default 0
        R-wave amplitude of the ECG added to each channel in microvolts
        (one heartbeat sequence shared by all channels).
    heart_rate_bpm : float > 0, default 70
        Mean heart rate; RR intervals vary with a 4 % SD.
    adc_range_uv : float > 0, optional
        Converter limit in microvolts: the output is clipped to
        ``[-adc_range_uv, adc_range_uv]`` and ``meta["adc_range"]`` is set (in V).
    dtype : {"float64", "float32"}, default "float64"
        Sample type of the returned data.
    seed : int >= 0 or None, default 0
        Seed of ``numpy.random.SeedSequence``.  None draws fresh entropy; the
        value used is stored in the truth, so the record can be reproduced.

    Returns
    -------
    Recording
        Data in V, shape ``(len(sides) * len(muscles), n_samples)``;
        ``meta["truth"]`` holds the ground truth, ``meta["powerline_hz"]``
        the mains frequency.

    Raises
    ------
    InvalidInputError
        For unknown muscles or mapping keys, values out of range, bursts that
        overlap, are shorter than their two ramps or leave the record, and
        fatigue so strong that the spectrum would shrink below 25 % or grow
        beyond 200 % of its initial scale.

    Notes
    -----
    Ground truth (``rec.meta["truth"]``; every value is a JSON type, times in s,
    amplitudes in V):

    * ``channels[name]["bursts"]``: ``[[onset_s, offset_s], ...]``.  The
      activation envelope is exactly 0 up to ``onset_s``, rises as a raised
      cosine ``0.5 (1 - cos(pi u))`` over ``ramp_s``, holds its level, falls
      over ``ramp_s`` and is 0 again from ``offset_s``: so onset is the instant
      the envelope starts rising and offset the instant it has finished
      falling.  Half level is reached at ``onset_s + ramp_s / 2``.
      ``levels`` holds each burst's plateau level (1 for agonists times the
      ``level_cv`` factor, ``cocontraction`` for antagonists).
      ``tonic`` (present only when > 0): the level held between bursts.
    * ``amplitude_v``: expected RMS of the EMG component at level 1 and t = 0;
      at time t the plateau RMS is ``amplitude_v * level * (1 + a t / 60)``.
    * ``mdf_hz``, ``mnf_hz``: median and mean frequency of the EMG component's
      model spectrum in 20-450 Hz at t = 0.  ``fatigue["mdf_slope_hz_per_s"]``
      and ``fatigue["mdf_slope_pct_per_min"]`` are the *realised* slopes: the
      least-squares line through the model MDF (20-450 Hz, including the
      band truncation at fs/2) evaluated at 61 instants over the record, in
      Hz/s and in %/min of that line's intercept (docs/science.md#fatigue).
    * ``noise_rms_v``, ``snr_db``, ``powerline_v``, ``wander_rms_v``, ``ecg_v``
      per channel; ``lr_ratio``, ``onset_delay_s``, ``cocontraction``,
      ``pairs`` per muscle; ``ecg["r_peaks_s"]``; ``schedule``; ``seed``;
      ``params`` (the arguments, for reproduction).

    Examples
    --------
    >>> from emgkit.datasets import simulate
    >>> rec = simulate(n_reps=3, fs=1000, lr_ratio={"biceps_brachii": 1.3}, seed=1)
    >>> rec.channel_names
    ['L biceps_brachii', 'L triceps_brachii', 'R biceps_brachii', 'R triceps_brachii']
    >>> rec.meta["truth"]["channels"]["L biceps_brachii"]["bursts"][0]
    [2.0, 4.0]
    """
    params = {k: v for k, v in locals().items() if not (k == "tonic" and v == 0)}  # truth of older records stays identical
    fs = check_fs(fs)
    dtype = _check_dtype(dtype)
    seed = _check_seed(seed)
    params["seed"] = seed
    muscles, sides = _check_layout(muscles, sides)
    agonists = _check_agonists(agonists, muscles)
    channels = [Channel(f"{s} {m}" if s else m, muscle=m, side=s) for s in sides for m in muscles]
    names = [c.name for c in channels]

    per = _Resolver(muscles, names)
    amp_uv = per.muscle("amplitude_uv", amplitude_uv, 300.0, lo=0.0, lo_open=True)
    lr = per.muscle("lr_ratio", lr_ratio, 1.0, lo=0.0, lo_open=True)
    delay = per.muscle("onset_delay_s", onset_delay_s, 0.0)
    coco = per.muscle("cocontraction", cocontraction, 0.0, lo=0.0, hi=1.0)
    lag = per.channel("onset_lag_s", onset_lag_s, 0.0, channels)
    ramp = per.channel("ramp_s", ramp_s, 0.1, channels, lo=0.0)
    tonic_level = per.channel("tonic", tonic, 0.0, channels, lo=0.0, hi=1.0)
    mdf_target = per.channel("mdf_hz", mdf_hz, None, channels, lo=30.0, hi=300.0)
    snr = per.channel("snr_db", snr_db, 20.0, channels, allow_none=True)
    noise_abs = per.channel("noise_uv", noise_uv, None, channels, lo=0.0)
    line_uv = per.channel("powerline_uv", powerline_uv, 0.0, channels, lo=0.0)
    wander = per.channel("wander_uv", wander_uv, 0.0, channels, lo=0.0)
    ecg_amp = per.channel("ecg_uv", ecg_uv, 0.0, channels, lo=0.0)
    fat = per.fatigue(fatigue, channels)
    level_cv = _check_range("level_cv", level_cv, 0.0, 0.35)
    jitter = _check_range("timing_jitter_s", timing_jitter_s, 0.0, None)
    noise_drift = _check_range("noise_drift", noise_drift, 0.0, 1.0, hi_open=True)
    drift_period = _check_range("noise_drift_period_s", noise_drift_period_s, 0.0, None, lo_open=True)
    line_hz = _check_range("powerline_hz", powerline_hz, 0.0, fs / 2, lo_open=True, hi_open=True)
    harmonics = [_check_range("powerline_harmonics", h, 0.0, None) for h in _as_list(powerline_harmonics)]
    wander_hz = _check_range("wander_hz", wander_hz, 0.0, min(20.0, fs / 4), lo_open=True)
    heart_rate = _check_range("heart_rate_bpm", heart_rate_bpm, 20.0, 240.0)
    adc_uv = None if adc_range_uv is None else _check_range("adc_range_uv", adc_range_uv, 0.0, None, lo_open=True)

    base, tail_s = _base_schedule(schedule, n_reps, burst_s, rest_s, lead_in_s, duration_s)

    root = np.random.SeedSequence(seed)
    shared_ss, *channel_ss = root.spawn(1 + len(channels))
    parts = ("timing", "level", "spectrum", "emg", "noise", "line", "wander")
    streams = [dict(zip(parts, (np.random.default_rng(s) for s in ss.spawn(len(parts))))) for ss in channel_ss]

    plans = [
        _plan_bursts(ch, base, agonists, coco, lag[i] + (delay[ch.muscle] if ch.side == "R" else 0.0), jitter, level_cv, streams[i])
        for i, ch in enumerate(channels)
    ]

    if duration_s is None:
        duration = base[-1][1] + tail_s
    else:
        duration = _check_range("duration_s", duration_s, 0.0, None, lo_open=True)
    n = int(round(duration * fs))
    if n < 2:
        raise InvalidInputError(f"duration_s={duration_s} gives {n} samples at fs={fs:g} Hz; simulate at least 2 samples")
    duration = n / fs
    for ch, plan, r in zip(channels, plans, ramp):
        _check_bursts(ch.name, plan["bursts"], r, duration)

    t = np.arange(n) / fs
    data = np.empty((len(channels), n), dtype=np.float64)
    shape = _Spectrum(fs)
    ecg_wave, r_peaks = (None, [])
    if any(a > 0 for a in ecg_amp):
        ecg_wave, r_peaks = _ecg(np.random.default_rng(shared_ss), n, fs, heart_rate)

    for ch, rates in zip(channels, fat):
        _check_fatigue(ch.name, rates, duration)

    def render(i):
        """Write channel i into data[i] and return its truth (channels are independent: run in threads)."""
        ch = channels[i]
        rng = streams[i]
        m = ch.muscle
        amp = amp_uv[m] * 1e-6 * (lr[m] if ch.side == "R" else 1.0)
        target = mdf_target[i]
        if target is None:
            target = float(rng["spectrum"].uniform(*DEFAULT_MDF_RANGE_HZ))
        r_mdf = fat[i]["mdf_pct_per_min"] / 100.0
        cutoff = shape.source_max_hz(r_mdf, duration)
        scale = shape.scale_for_mdf(target, cutoff)
        a_amp = fat[i]["amplitude_pct_per_min"] / 100.0

        env = _envelope(plans[i]["bursts"], plans[i]["levels"], ramp[i], fs, n)
        if tonic_level[i] > 0:
            np.maximum(env, tonic_level[i], out=env)
        x = data[i]
        if plans[i]["bursts"] or tonic_level[i] > 0:
            emg = shape.emg(rng["emg"], n, scale, r_mdf, duration)
            if a_amp:
                env *= 1.0 + a_amp * t / 60.0
            np.multiply(emg, env, out=x)
            x *= amp
        else:
            x[:] = 0.0

        noise_rms, ch_snr = _noise_floor(amp, snr[i], noise_abs[i])
        drift_phase = 0.0
        if noise_rms > 0:
            floor = _band_noise(rng["noise"], n, fs, NOISE_BAND_HZ[0], min(NOISE_BAND_HZ[1], fs / 2)) * noise_rms
            if noise_drift > 0:
                drift_phase = float(rng["noise"].uniform(0, 2 * np.pi))
                floor *= 1.0 + noise_drift * np.sin(2 * np.pi * t / drift_period + drift_phase)
            x += floor

        line_v = line_uv[i] * 1e-6
        phases = []
        if line_v > 0:
            for h, rel in enumerate([1.0, *harmonics], start=1):
                phase = float(rng["line"].uniform(0, 2 * np.pi))
                phases.append(phase)
                if rel > 0 and h * line_hz < fs / 2:
                    x += (line_v * rel) * np.sin(2 * np.pi * h * line_hz * t + phase)

        wander_v = wander[i] * 1e-6
        if wander_v > 0:
            x += _wander(rng["wander"], n, fs, wander_hz) * wander_v
        ecg_v = ecg_amp[i] * 1e-6
        if ecg_v > 0:
            x += ecg_wave * ecg_v

        mdf0, mnf0 = shape.mdf_mnf(scale, 1.0, cutoff)
        tonic_truth = {"tonic": tonic_level[i]} if tonic_level[i] > 0 else {}
        return {
            **tonic_truth,
            "muscle": m,
            "side": ch.side,
            "role": plans[i]["role"],
            "bursts": plans[i]["bursts"],
            "levels": [float(v) for v in plans[i]["levels"]],
            "ramp_s": ramp[i],
            "amplitude_v": amp,
            "mdf_hz": mdf0,
            "mnf_hz": mnf0,
            "spectrum": {"model": "shwedyk", "f_low_hz": SHAPE_FL_HZ * scale, "f_high_hz": SHAPE_FH_HZ * scale},
            "fatigue": _fatigue_truth(shape, scale, fat[i], amp, duration),
            "snr_db": ch_snr if math.isfinite(ch_snr) else None,
            "noise_rms_v": noise_rms,
            "noise_drift_phase_rad": drift_phase,
            "powerline_v": line_v,
            "powerline_phase_rad": phases,
            "wander_rms_v": wander_v,
            "ecg_v": ecg_v,
        }

    workers = min(MAX_THREADS, os.cpu_count() or 1, len(channels))
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(render, range(len(channels))))
    else:
        results = [render(i) for i in range(len(channels))]
    truth_channels = {ch.name: res for ch, res in zip(channels, results)}

    meta = {"source": "emgkit.datasets.simulate", "powerline_hz": line_hz}
    if adc_uv is not None:
        lim = adc_uv * 1e-6
        np.clip(data, -lim, lim, out=data)
        meta["adc_range"] = [-lim, lim]
        for i, ch in enumerate(channels):
            truth_channels[ch.name]["clipped_fraction"] = float(np.mean(np.abs(data[i]) >= lim))

    agon = [m for m in muscles if m in agonists]
    antag = [m for m in muscles if m not in agonists]
    meta["truth"] = {
        "version": TRUTH_VERSION,
        "generator": "emgkit.datasets.simulate",
        "seed": seed,
        "fs": fs,
        "n_samples": n,
        "duration_s": duration,
        "unit": "V",
        "definitions": {
            "onset_s": "instant the activation envelope starts rising from 0",
            "offset_s": "instant the activation envelope has fallen back to 0",
            "envelope": "raised-cosine ramps of ramp_s, plateau at the burst level",
            "amplitude_v": "expected RMS of the EMG component at level 1, t = 0",
            "mdf_hz": "median frequency of the model EMG spectrum in 20-450 Hz",
            "mdf_slope": "least-squares slope of the model MDF over the record (Hz/s; %/min of the intercept)",
            "snr_db": "20 log10(amplitude_v / noise_rms_v)",
            "lr_ratio": "right / left amplitude_v",
            "onset_delay_s": "right minus left burst times",
        },
        "schedule": {"bursts": [[float(a), float(b)] for a, b in base], "tail_s": tail_s},
        "agonists": agon,
        "antagonists": antag,
        "lr_ratio": {m: lr[m] for m in muscles},
        "onset_delay_s": {m: delay[m] for m in muscles},
        "cocontraction": {m: coco[m] for m in antag},
        "pairs": [
            {"side": s, "agonist": a, "antagonist": b, "cocontraction": coco[b]} for s in sides for a in agon for b in antag
        ],
        "level_cv": level_cv,
        "timing_jitter_s": jitter,
        "noise": {"band_hz": [NOISE_BAND_HZ[0], min(NOISE_BAND_HZ[1], fs / 2)], "drift": noise_drift, "drift_period_s": drift_period},
        "powerline": {"hz": line_hz, "harmonics": harmonics},
        "wander": {"max_hz": wander_hz},
        "ecg": {"heart_rate_bpm": heart_rate, "r_peaks_s": r_peaks},
        "adc_range_v": None if adc_uv is None else [-adc_uv * 1e-6, adc_uv * 1e-6],
        "channels": truth_channels,
        "params": _jsonable(params),
    }
    if dtype != np.float64:
        data = data.astype(dtype)
    return Recording(data, fs, channels, unit="V", meta=meta)


# -- model pieces ---------------------------------------------------------------


class _Spectrum:
    """The Shwedyk spectral shape at a scale ``s`` (``fl = 60 s``, ``fh = 120 s``) and its band statistics."""

    def __init__(self, fs):
        self.fs = fs
        lo, hi = ANALYSIS_BAND_HZ
        self.band_hi = min(hi, fs / 2)
        self.grid = np.linspace(lo, self.band_hi, 4097)

    @staticmethod
    def power(f, scale):
        fl, fh = SHAPE_FL_HZ * scale, SHAPE_FH_HZ * scale
        f2 = np.square(f)
        return f2 / ((f2 + fl * fl) * np.square(f2 + fh * fh))

    def source_max_hz(self, r_mdf, duration):
        """Highest source frequency of an EMG whose spectral scale ends at ``1 + r_mdf duration / 60``.

        The source is band-limited so that no frequency exceeds fs/2 after
        the time warp (no aliasing).
        """
        return self.fs / (2.0 * max(1.0, 1.0 + r_mdf * duration / 60.0))

    def mdf_mnf(self, scale, k=1.0, cutoff_hz=None):
        """MDF and MNF in the analysis band of the spectrum at scale ``scale * k``, zero above ``cutoff_hz``."""
        f = self.grid
        p = self.power(f, scale * k)
        if cutoff_hz is not None:
            p = np.where(f <= cutoff_hz, p, 0.0)
        # trapezoid cumulative integral on the uniform grid
        c = np.concatenate(([0.0], np.cumsum(0.5 * (p[1:] + p[:-1]))))
        mdf = float(np.interp(0.5 * c[-1], c, f))
        mnf = float(np.sum(f * p) / np.sum(p))
        return mdf, mnf

    def scale_for_mdf(self, target, cutoff_hz):
        """Scale whose band MDF (t = 0, no power above ``cutoff_hz``) equals ``target`` Hz, by bisection."""
        lo, hi = 0.05, 20.0
        if not self.mdf_mnf(lo, 1.0, cutoff_hz)[0] < target < self.mdf_mnf(hi, 1.0, cutoff_hz)[0]:
            raise InvalidInputError(f"mdf_hz={target:g} cannot be reached inside {ANALYSIS_BAND_HZ[0]:g}-{self.band_hi:g} Hz")
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            if self.mdf_mnf(mid, 1.0, cutoff_hz)[0] < target:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    def emg(self, rng, n, scale, r_mdf, duration):
        """Unit-variance EMG noise with MDF scaled by ``k(t) = 1 + r_mdf t / 60``."""
        if r_mdf == 0:
            return _shaped_noise(rng, n, self.fs, lambda f: self.power(f, scale), f_max=self.fs / 2)
        # time warp: tau(t) = t + r t^2 / 120, read a source sampled OVERSAMPLE times faster
        src_fs = OVERSAMPLE * self.fs
        t = np.arange(n) / self.fs
        tau = t + r_mdf * np.square(t) / 120.0
        n_src = int(math.ceil(tau[-1] * src_fs)) + 2

        def pre_emphasised(f):
            # compensate linear interpolation's sinc^2 amplitude response
            return self.power(f, scale) / np.sinc(f / src_fs) ** 4

        src = _shaped_noise(rng, n_src, src_fs, pre_emphasised, f_max=self.source_max_hz(r_mdf, duration), norm=lambda f: self.power(f, scale))
        return np.interp(tau * src_fs, np.arange(n_src), src)


def rhythmic_schedule(period_s, burst_s, duration_s, seed=None) -> list[tuple[float, float]]:
    """Bursts of a rhythmic task (clapping, running) for :func:`simulate`'s ``schedule``.

    Parameters
    ----------
    period_s : float
        Mean time between burst onsets, s; each interval varies by 10 % (normal).
    burst_s : float
        Mean burst length, s; each varies by up to 20 % (uniform).
    duration_s : float
        Record length, s; no burst within 0.3 s of either end.
    seed : int, optional
        Seed of the draws (the first onset falls at a random phase of the period).

    Returns
    -------
    list of (onset_s, offset_s), rounded to 0.1 ms.
    """
    rng = np.random.default_rng(seed)
    t, schedule = 0.3 + rng.uniform(0, period_s), []
    while t + burst_s < duration_s - 0.3:
        schedule.append((round(t, 4), round(t + burst_s * (1 + 0.2 * rng.uniform(-1, 1)), 4)))
        t += period_s * (1 + 0.1 * rng.standard_normal())
    return schedule


def _rfft_len(n):
    from scipy import fft

    return fft.next_fast_len(n, real=True)


def _shaped_noise(rng, n, fs, power, *, f_max, f_min=0.0, norm=None):
    """Gaussian noise of ``n`` samples whose PSD follows ``power(f)`` on ``f_min < f <= f_max``.

    Generated in the frequency domain: independent complex Gaussian bins (the
    distribution of the FFT of white noise), weighted and inverse-transformed
    with a fast real FFT length; the first ``n`` samples are kept.  The
    expected variance is 1 for the spectrum ``norm`` (default ``power``);
    ``power / norm`` acts as a pre-emphasis on top of it.
    """
    from scipy import fft

    m = _rfft_len(n)
    df = fs / m
    k0 = int(math.floor(f_min / df)) + 1
    k1 = min(m // 2, int(math.floor(f_max / df)))
    if k1 < k0:
        raise InvalidInputError(f"no frequency bins between {f_min:g} and {f_max:g} Hz at fs={fs:g} Hz; raise fs")
    f = np.arange(k0, k1 + 1) * df
    p_norm = (norm or power)(f)
    # unit variance: the two-sided sum of |H|^2 over the m bins equals m
    total = 2.0 * p_norm.sum()
    if m % 2 == 0 and k1 == m // 2:
        total -= p_norm[-1]
    gain = p_norm if norm is None else power(f)
    # E|bin|^2 = m for white noise; a standard complex normal has E|z|^2 = 2
    z = rng.standard_normal(2 * f.size).view(np.complex128)
    z *= np.sqrt(gain * (m * m / (2.0 * total)))
    if m % 2 == 0 and k1 == m // 2:
        z[-1] = z[-1].real * math.sqrt(2.0)
    spec = np.zeros(m // 2 + 1, dtype=np.complex128)
    spec[k0 : k1 + 1] = z
    return fft.irfft(spec, n=m)[:n]


def _band_noise(rng, n, fs, f_lo, f_hi):
    """Unit-variance Gaussian noise with a flat spectrum on ``(f_lo, f_hi]`` Hz."""
    return _shaped_noise(rng, n, fs, np.ones_like, f_min=f_lo, f_max=f_hi)


def _wander(rng, n, fs, max_hz):
    """Unit-variance baseline wander: noise flat on (0, max_hz], made at 20 max_hz and interpolated."""
    low_fs = 20.0 * max_hz
    n_low = int(math.ceil(n / fs * low_fs)) + 2
    low = _shaped_noise(rng, n_low, low_fs, np.ones_like, f_max=max_hz)
    return np.interp(np.arange(n) * (low_fs / fs), np.arange(n_low), low)


def _plan_bursts(ch, base, agonists, coco, shift, jitter, level_cv, rng):
    """Role, bursts ``[[onset_s, offset_s], ...]`` and plateau levels of one channel."""
    role = "agonist" if ch.muscle in agonists else "antagonist"
    level = 1.0 if role == "agonist" else coco[ch.muscle]
    bursts = [[on + shift, off + shift] for on, off in base] if level > 0 else []
    if bursts and jitter > 0:
        z = np.clip(rng["timing"].standard_normal((len(bursts), 2)), -3.0, 3.0) * jitter
        bursts = [[on + dz[0], off + dz[1]] for (on, off), dz in zip(bursts, z)]
    levels = [level] * len(bursts)
    if bursts and level_cv > 0:
        z = np.clip(rng["level"].standard_normal(len(bursts)), -2.5, 2.5)
        levels = [level * (1.0 + level_cv * float(v)) for v in z]
    return {"role": role, "bursts": [[float(a), float(b)] for a, b in bursts], "levels": levels}


def _noise_floor(amp, snr_db, noise_uv):
    """Noise RMS in V and the resulting SNR in dB (inf without noise)."""
    if noise_uv is not None:
        noise_rms = noise_uv * 1e-6
        return noise_rms, (math.inf if noise_rms == 0 else 20.0 * math.log10(amp / noise_rms))
    if snr_db is None:
        return 0.0, math.inf
    return amp / 10.0 ** (snr_db / 20.0), snr_db


def _envelope(bursts, levels, ramp, fs, n):
    """Activation envelope: 0 outside bursts, raised-cosine ramps of ``ramp`` s, plateau at the level."""
    env = np.zeros(n)
    for (on, off), level in zip(bursts, levels):
        a = max(0, int(math.ceil(on * fs)))
        b = min(n, int(math.floor(off * fs)) + 1)
        if b <= a:
            continue
        tt = np.arange(a, b) / fs
        if ramp > 0:
            u = np.clip(np.minimum(tt - on, off - tt) / ramp, 0.0, 1.0)
            env[a:b] = level * 0.5 * (1.0 - np.cos(np.pi * u))
        else:
            env[a:b] = np.where((tt > on) & (tt < off), level, 0.0)
    return env


def _ecg(rng, n, fs, heart_rate):
    """One ECG waveform (R peak = 1) over the record and its R-peak times in s."""
    mean_rr = 60.0 / heart_rate
    duration = n / fs
    peaks = []
    t = float(rng.uniform(0.0, mean_rr))
    while t < duration:
        peaks.append(t)
        t += mean_rr * float(np.clip(1.0 + 0.04 * rng.standard_normal(), 0.8, 1.2))
    wave = np.zeros(n)
    peak_value = _ecg_template(np.linspace(-0.05, 0.05, 2001)).max()
    for tp in peaks:
        a = max(0, int(math.ceil((tp + _ECG_SPAN_S[0]) * fs)))
        b = min(n, int(math.floor((tp + _ECG_SPAN_S[1]) * fs)) + 1)
        if b > a:
            wave[a:b] += _ecg_template(np.arange(a, b) / fs - tp)
    return wave / peak_value, [float(p) for p in peaks]


def _ecg_template(u):
    return sum(amp * np.exp(-0.5 * np.square((u - c) / w)) for amp, c, w in _ECG_WAVES)


def _fatigue_truth(shape, scale, fat, amp, duration):
    """Nominal fatigue rates and the realised MDF slope (least squares over 61 instants)."""
    r = fat["mdf_pct_per_min"] / 100.0
    times = np.linspace(0.0, duration, 61)
    f_src = shape.source_max_hz(r, duration)
    mdf = np.array([shape.mdf_mnf(scale, k, k * f_src)[0] for k in 1.0 + r * times / 60.0])
    slope, intercept = np.polyfit(times, mdf, 1)
    return {
        "mdf_pct_per_min": fat["mdf_pct_per_min"],
        "amplitude_pct_per_min": fat["amplitude_pct_per_min"],
        "mdf_slope_hz_per_s": float(slope),
        "mdf_slope_pct_per_min": float(slope * 60.0 / intercept * 100.0),
        "mdf_hz_end": float(mdf[-1]),
        "amplitude_slope_v_per_s": amp * fat["amplitude_pct_per_min"] / 100.0 / 60.0,
    }


# -- argument handling ----------------------------------------------------------


class _Resolver:
    """Per-channel values from a number or a mapping keyed by muscle (or channel name)."""

    def __init__(self, muscles, names):
        self.muscles = muscles
        self.names = names

    def _check_keys(self, name, value, allow_channels):
        valid = list(self.muscles) + (list(self.names) if allow_channels else [])
        bad = [k for k in value if k not in valid]
        if bad:
            what = "muscles or channel names" if allow_channels else "muscles"
            raise InvalidInputError(f"{name} has unknown keys {bad}; keys must be {what}: {valid}")

    def muscle(self, name, value, fallback, **limits):
        if isinstance(value, Mapping):
            self._check_keys(name, value, False)
            return {m: _check_range(name, value.get(m, fallback), **_limits(limits)) for m in self.muscles}
        v = _check_range(name, value, **_limits(limits))
        return {m: v for m in self.muscles}

    def channel(self, name, value, fallback, channels, allow_none=False, **limits):
        def one(v):
            if v is None:
                if allow_none or fallback is None:
                    return None
                raise InvalidInputError(f"{name} must be a number, got None")
            if allow_none and isinstance(v, (int, float, np.number)) and v == math.inf:
                return None
            return _check_range(name, v, **_limits(limits))

        if isinstance(value, Mapping):
            self._check_keys(name, value, True)
            return [one(value.get(c.name, value.get(c.muscle, fallback))) for c in channels]
        return [one(value)] * len(channels)

    def fatigue(self, value, channels):
        none = dict.fromkeys(_FATIGUE_KEYS, 0.0)
        if value is None:
            return [dict(none) for _ in channels]
        if not isinstance(value, Mapping):
            raise InvalidInputError(
                f"fatigue must be a mapping such as {{'mdf_pct_per_min': -10, 'amplitude_pct_per_min': 5}} "
                f"(or muscle/channel -> such a mapping), got {value!r}"
            )

        def rates(entry, where):
            if not isinstance(entry, Mapping):
                raise InvalidInputError(f"fatigue[{where!r}] must be a mapping with keys {list(_FATIGUE_KEYS)}, got {entry!r}")
            bad = [k for k in entry if k not in _FATIGUE_KEYS]
            if bad:
                raise InvalidInputError(f"fatigue has unknown keys {bad}; use {list(_FATIGUE_KEYS)}")
            return {k: _check_range(f"fatigue {k}", entry.get(k, 0.0)) for k in _FATIGUE_KEYS}

        if value and all(k in _FATIGUE_KEYS for k in value):
            common = rates(value, "all")
            return [dict(common) for _ in channels]
        self._check_keys("fatigue", value, True)
        out = []
        for c in channels:
            entry = value.get(c.name, value.get(c.muscle))
            out.append(rates(entry, c.name) if entry is not None else dict(none))
        return out


def _limits(limits):
    return {"lo": limits.get("lo"), "hi": limits.get("hi"), "lo_open": limits.get("lo_open", False), "hi_open": limits.get("hi_open", False)}


def _check_range(name, value, lo=None, hi=None, *, lo_open=False, hi_open=False):
    """``value`` as a finite float within the limits, or InvalidInputError naming it."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be a number, got {value!r}") from None
    ok = math.isfinite(v)
    if ok and lo is not None:
        ok = v > lo if lo_open else v >= lo
    if ok and hi is not None:
        ok = v < hi if hi_open else v <= hi
    if not ok:
        lo_txt = "" if lo is None else f"{'>' if lo_open else '>='} {lo:g}"
        hi_txt = "" if hi is None else f"{'<' if hi_open else '<='} {hi:g}"
        rule = " and ".join(x for x in (lo_txt, hi_txt) if x) or "finite"
        raise InvalidInputError(f"{name} must be {rule}, got {value!r}")
    return v


def _as_list(value):
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) and not isinstance(value, np.ndarray):
        return [value]
    return list(value)


def _check_dtype(dtype):
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise InvalidInputError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def _check_seed(seed):
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidInputError(f"seed must be a non-negative integer or None, got {seed!r}")
    return int(seed)


def _check_layout(muscles, sides):
    if isinstance(muscles, str):
        muscles = [muscles]
    muscles = list(muscles)
    if not muscles:
        raise InvalidInputError("muscles is empty; name at least one, e.g. muscles=['biceps_brachii']")
    known = known_muscles()
    for m in muscles:
        if m not in known:
            import difflib

            hint = difflib.get_close_matches(str(m), known, n=1)
            extra = f" Did you mean {hint[0]!r}?" if hint else " See emgkit.channels.known_muscles()."
            raise InvalidInputError(f"unknown muscle {m!r}: use canonical catalogue names.{extra}")
    if len(set(muscles)) != len(muscles):
        raise InvalidInputError(f"muscles has duplicates: {muscles}")
    if isinstance(sides, str) or sides is None:
        sides = [sides]
    sides = list(sides)
    if not sides or any(s not in _SIDES for s in sides) or len(set(sides)) != len(sides):
        raise InvalidInputError(f"sides must be distinct values from 'L', 'R' (or (None,) for unilateral), got {sides!r}")
    if None in sides and len(sides) > 1:
        raise InvalidInputError(f"sides=(None,) stands alone for unilateral channels; got {sides!r}")
    return muscles, sides


def _check_agonists(agonists, muscles):
    if agonists is None:
        return {muscles[0]}
    agonists = [agonists] if isinstance(agonists, str) else list(agonists)
    bad = [m for m in agonists if m not in muscles]
    if bad or not agonists:
        raise InvalidInputError(f"agonists must be a non-empty subset of muscles {muscles}, got {agonists!r}")
    return set(agonists)


def _base_schedule(schedule, n_reps, burst_s, rest_s, lead_in_s, duration_s):
    """Agonist bursts ``[(onset_s, offset_s), ...]`` before shifts, and the rest after the last one."""
    if schedule is not None:
        if n_reps is not None:
            raise InvalidInputError("give either schedule or n_reps, not both")
        try:
            base = [(float(a), float(b)) for a, b in schedule]
        except (TypeError, ValueError):
            raise InvalidInputError(f"schedule must be a sequence of (onset_s, offset_s) pairs, got {schedule!r}") from None
        if not base:
            raise InvalidInputError("schedule is empty; give at least one (onset_s, offset_s) burst")
        return base, _check_range("lead_in_s", lead_in_s, 0.0)
    bursts = [_check_range("burst_s", b, 0.0, None, lo_open=True) for b in _as_list(burst_s)]
    rests = [_check_range("rest_s", r, 0.0) for r in _as_list(rest_s)]
    if not bursts or not rests:
        raise InvalidInputError("burst_s and rest_s need at least one value each")
    t = _check_range("lead_in_s", lead_in_s, 0.0)
    if n_reps is not None:
        if isinstance(n_reps, bool) or not isinstance(n_reps, (int, np.integer)) or n_reps < 1:
            raise InvalidInputError(f"n_reps must be a positive integer, got {n_reps!r}")
        count = int(n_reps)
    elif duration_s is None:
        count = 10
    else:
        count = None
        limit = _check_range("duration_s", duration_s, 0.0, None, lo_open=True)
    base, tail, i = [], rests[0], 0
    while count is None or i < count:
        b, r = bursts[i % len(bursts)], rests[i % len(rests)]
        if count is None and t + b > limit + 1e-9:
            break
        base.append((t, t + b))
        t += b + r
        tail = r
        i += 1
    if not base:
        raise InvalidInputError(
            f"no repetition fits in duration_s={duration_s}: lead-in {lead_in_s} s + burst {bursts[0]} s is longer; "
            "lengthen duration_s or shorten lead_in_s/burst_s"
        )
    return base, tail


def _check_fatigue(name, rates, duration):
    """The spectral scale must stay within K_LIMITS and the amplitude gain positive over the record."""
    k_end = 1.0 + rates["mdf_pct_per_min"] / 100.0 * duration / 60.0
    if not K_LIMITS[0] <= k_end <= K_LIMITS[1]:
        raise InvalidInputError(
            f"fatigue mdf_pct_per_min={rates['mdf_pct_per_min']:g} on {name!r} scales the spectrum by "
            f"{k_end:.2f} after {duration:g} s; keep the scale within {K_LIMITS[0]}-{K_LIMITS[1]} "
            "(a smaller rate or a shorter record)"
        )
    if 1.0 + rates["amplitude_pct_per_min"] / 100.0 * duration / 60.0 <= 0:
        raise InvalidInputError(
            f"fatigue amplitude_pct_per_min={rates['amplitude_pct_per_min']:g} on {name!r} drives the amplitude "
            f"below zero within {duration:g} s; use a rate above {-6000.0 / duration:.1f} %/min"
        )


def _check_bursts(name, bursts, ramp, duration):
    prev_off = 0.0
    for k, (on, off) in enumerate(bursts):
        if on < 0 or off > duration:
            raise InvalidInputError(
                f"{name}: burst {k} ({on:.3f}-{off:.3f} s) lies outside the record (0-{duration:.3f} s); "
                "lengthen duration_s or lead_in_s, or reduce the delays"
            )
        if off - on < 2 * ramp:
            raise InvalidInputError(
                f"{name}: burst {k} lasts {off - on:.3f} s, shorter than its two ramps (2 x ramp_s = {2 * ramp:.3f} s); "
                "shorten ramp_s or lengthen burst_s"
            )
        if k and on < prev_off:
            raise InvalidInputError(f"{name}: burst {k} starts at {on:.3f} s before burst {k - 1} ends ({prev_off:.3f} s)")
        prev_off = off


def _jsonable(value):
    """Arguments as JSON types (tuples -> lists, numpy scalars -> Python)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, type) and issubclass(value, np.generic):
        return np.dtype(value).name
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no inf/NaN; the only non-finite argument allowed is snr_db=inf, same as None
    return value
