"""Raw -> 20-450 Hz band-pass -> 100 ms RMS envelope: emgkit vs NumPy/SciPy, NeuroKit2, BioSPPy."""

import sys

import numpy as np

LOW, HIGH, ORDER = 20.0, 450.0, 4  # Hz, Hz, Butterworth order (4 second-order sections)
WINDOW_MS = 100.0


def run(bench):
    import emgkit

    x = bench.emg()
    fs = bench.fs
    window = int(round(WINDOW_MS * 1e-3 * fs))

    def pipeline():
        return emgkit.rms_envelope(emgkit.bandpass(x, fs, low=LOW, high=HIGH, order=ORDER), fs, window_ms=WINDOW_MS)

    ours = pipeline()
    reference = scipy_pipeline(x, fs, window)
    diff = np.max(np.abs(ours - reference)) / np.max(np.abs(reference))
    bench.time("emgkit bandpass + rms_envelope", pipeline, note=f"max rel. diff vs NumPy/SciPy {diff:.1e}")
    bench.time(
        "NumPy/SciPy: sosfiltfilt + cumsum moving RMS",
        lambda: scipy_pipeline(x, fs, window),
        note="same filter and window",
    )
    _neurokit2(bench, x, fs)
    _biosppy(bench, x, fs, window)


def scipy_pipeline(x, fs, window):
    """The same job in plain SciPy/NumPy: zero-phase band-pass, centred moving RMS via a cumulative sum."""
    from scipy import signal

    sos = signal.butter(ORDER, [LOW, HIGH], btype="bandpass", fs=fs, output="sos")
    y = signal.sosfiltfilt(sos, x, axis=-1)
    n = y.shape[-1]
    cs = np.zeros(y.shape[:-1] + (n + 1,))
    np.cumsum(y * y, axis=-1, out=cs[..., 1:])
    i = np.arange(n)
    lo = np.maximum(i - window // 2, 0)
    hi = np.minimum(i - window // 2 + window, n)
    return np.sqrt(np.maximum(cs[..., hi] - cs[..., lo], 0.0) / (hi - lo))


def _neurokit2(bench, x, fs):
    name = "NeuroKit2 emg_clean + emg_amplitude (per channel)"
    try:
        import neurokit2 as nk
    except Exception as exc:  # noqa: BLE001 - any import failure means "not available"
        bench.skip(name, f"not importable ({type(exc).__name__}: {exc})")
        return

    def job():
        for row in x:
            nk.emg_amplitude(nk.emg_clean(row, sampling_rate=int(fs)), sampling_rate=int(fs))

    bench.time(name, job, reference=True, warmup=False, note="100 Hz high-pass, TKEO, linear envelope")


def _biosppy(bench, x, fs, window):
    name = "BioSPPy filter_signal + smoother RMS (per channel)"
    from ._harness import import_biosppy

    try:
        st = import_biosppy("tools")
    except Exception as exc:  # noqa: BLE001 - not installed, or broken in another way
        bench.skip(name, f"not importable ({type(exc).__name__}: {exc})")
        return

    def job():
        for row in x:
            filtered = st.filter_signal(
                signal=row, ftype="butter", band="bandpass", order=ORDER, frequency=[LOW, HIGH], sampling_rate=fs
            )["signal"]
            power = st.smoother(signal=filtered * filtered, kernel="boxcar", size=window, mirror=True)["signal"]
            np.sqrt(np.maximum(power, 0.0))

    note = "filtfilt (b, a) + boxcar smoothing"
    if "peakutils" in sys.modules and not getattr(sys.modules["peakutils"], "__file__", None):
        note += "; peakutils stand-in"
    bench.time(name, job, warmup=False, note=note)
