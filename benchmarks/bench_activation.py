"""Onset detection, raw -> bursts: emgkit's detectors vs NeuroKit2 and BioSPPy (per channel-minute and vs a copy)."""

import warnings

# Targets (issue 3): raw -> bursts >= 300x faster than NeuroKit2 per channel-minute, and
# 16 ch x 10 min at 2 kHz within 60x the time of a memory copy of that array.
NK_SPEEDUP_TARGET = 300.0
COPY_RATIO_TARGET = 60.0


def run(bench):
    from emgkit._notes import Notes
    from emgkit.activation import detect_activation

    x = bench.emg()
    fs = bench.fs
    n_channels, n = x.shape
    channel_minutes = n_channels * n / fs / 60.0

    def detector(method, data):
        return lambda: detect_activation(data, fs=fs, method=method, notes=Notes())

    rows = {}
    for method in ("auto", "tkeo", "hodges", "bonato"):
        note = f"target <= {COPY_RATIO_TARGET:g}x copy" if method == "auto" else ""
        rows[method] = bench.time(f"emgkit detect_activation {method}", detector(method, x), note=note)
    bench.time("emgkit detect_activation auto (float32 input)", detector("auto", bench.emg("float32")))
    ours = rows["auto"].seconds / channel_minutes
    bench.add("emgkit auto, seconds per channel-minute", ours, note="derived from the 'auto' row")
    _analysis_path(bench, x, fs)
    _streamed(bench, x, fs)

    seg_s = 10.0 if bench.quick else 60.0  # one channel of this length is timed, then scaled
    segment = x[0, : int(seg_s * fs)].copy()
    _neurokit2(bench, segment, fs, seg_s, ours)
    _biosppy(bench, segment, fs, seg_s, ours)


def _analysis_path(bench, x, fs):
    """The analysis's call: the band-passed signal and the clipped runs given, so detection filters and scans less."""
    from emgkit import bandpass, remove_dc
    from emgkit._chunks import ArraySource
    from emgkit._notes import Notes
    from emgkit.activation import detect_source
    from emgkit.envelope import rms_envelope

    y = bandpass(remove_dc(x), fs)
    channels = [f"EMG {i + 1}" for i in range(x.shape[0])]
    none = [([], [])] * x.shape[0]
    kernels = bench.time("emgkit bandpass + rms_envelope (the reference of the analysis target)",
                         lambda: rms_envelope(bandpass(x, fs), fs, window_ms=100))
    row = bench.time("emgkit detect_source auto (band-passed signal and clipping given)",
                     lambda: detect_source(ArraySource(x, fs), channels, filtered=y, clipped=none, notes=Notes()))
    row.note = f"{row.seconds / kernels.seconds:.2f}x bandpass + rms_envelope"


def _streamed(bench, x, fs):
    """The same detector over 60000-sample pieces (the streaming path), Bonato included."""
    from emgkit._chunks import ArraySource
    from emgkit._notes import Notes
    from emgkit.activation import detect_activation_stream

    channels = [f"EMG {i + 1}" for i in range(x.shape[0])]
    for method in ("auto", "bonato"):
        bench.time(f"emgkit detect_activation_stream {method} (60000-sample pieces)",
                   lambda m=method: detect_activation_stream(ArraySource(x, fs), channels, method=m, notes=Notes()))


def _neurokit2(bench, segment, fs, seg_s, ours):
    name = "NeuroKit2 raw -> bursts, seconds per channel-minute"
    try:
        import neurokit2 as nk
    except Exception as exc:  # noqa: BLE001 - any import failure means "not available"
        bench.skip(name, f"not importable ({type(exc).__name__}: {exc})")
        return

    def job():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clean = nk.emg_clean(segment, sampling_rate=int(fs))
            amplitude = nk.emg_amplitude(clean, sampling_rate=int(fs))
            nk.emg_activation(emg_amplitude=amplitude, sampling_rate=int(fs), method="threshold")

    row = bench.time(f"NeuroKit2 emg_clean + emg_amplitude + emg_activation ({seg_s:g} s, 1 ch)", job, warmup=False,
                     repeat=1, note="method='threshold' (emg_process default)")
    per_min = row.seconds / (seg_s / 60.0)
    bench.add(name, per_min, note=f"emgkit auto is {per_min / ours:.0f}x faster (target >= {NK_SPEEDUP_TARGET:g}x)")


def _biosppy(bench, segment, fs, seg_s, ours):
    from .validate_activation import _import_biosppy_emg

    name = "BioSPPy raw -> onsets, seconds per channel-minute"
    emg = _import_biosppy_emg()
    if emg is None:
        bench.skip(name, "biosppy not importable")
        return
    row = bench.time(f"BioSPPy emg.emg (100 Hz high-pass + find_onsets, {seg_s:g} s, 1 ch)",
                     lambda: emg.emg(signal=segment, sampling_rate=fs, show=False), warmup=False, repeat=1)
    per_min = row.seconds / (seg_s / 60.0)
    bench.add(name, per_min, note=f"emgkit auto is {per_min / ours:.0f}x faster")
