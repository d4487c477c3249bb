"""The main job, emgkit.analyze, against its own kernels (band-pass + RMS envelope) on the same recording."""

import warnings

MUSCLES = ("biceps_brachii", "triceps_brachii", "rectus_femoris", "biceps_femoris",
           "tibialis_anterior", "gastrocnemius_medialis", "rectus_abdominis", "erector_spinae")
TARGET = 5.0  # issue: analyze within 5x the time of bandpass + rms_envelope


def run(bench):
    import emgkit
    from emgkit.datasets import simulate

    n_channels, n = bench.shape
    duration = n / bench.fs
    rec = simulate(duration_s=duration, fs=bench.fs, muscles=MUSCLES[: max(1, n_channels // 2)], sides=("L", "R"),
                   n_reps=max(3, int(duration / 4)), seed=1)
    label = f"{rec.n_channels} ch x {duration / 60:.1f} min at {bench.fs:g} Hz"
    x = rec.data
    kernels = bench.time(f"bandpass + rms_envelope ({label})",
                         lambda: emgkit.rms_envelope(emgkit.bandpass(x, bench.fs), bench.fs, window_ms=100.0), reference=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        whole = bench.time("emgkit.analyze (every table)", lambda: emgkit.analyze(rec), repeat=3)
    ratio = whole.seconds / kernels.seconds
    whole.note = f"{ratio:.1f}x bandpass + rms_envelope (target <= {TARGET:g}x)"
