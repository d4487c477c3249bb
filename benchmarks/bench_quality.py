"""Quality table and clipping: emgkit.quality.assess (whole, fused inputs), the clipping passes, bandpass + RMS."""


def run(bench):
    import emgkit
    from emgkit import clipping, quality
    from emgkit.channels import Channel

    x = bench.emg()
    rec = emgkit.Recording(x, bench.fs, [Channel(f"ch{i}") for i in range(x.shape[0])])
    band = emgkit.bandpass(x, bench.fs)
    bench.time("bandpass + rms_envelope 100 ms",
               lambda: emgkit.rms_envelope(emgkit.bandpass(x, bench.fs), bench.fs, window_ms=100))
    bench.time("clipping pass 1: channel_stats", lambda: clipping.channel_stats(x))
    st = clipping.channel_stats(x)
    bench.time("clipping pass 2: clipped_runs (stats given)", lambda: clipping.clipped_runs(x, stats=st))
    runs = clipping.clipped_runs(x, stats=st)
    bench.time("quality.assess", lambda: quality.assess(rec), note="both passes, Welch spectra, 20 Hz high-pass, quietest window")
    bench.time("quality.assess, fused inputs", lambda: quality.assess(rec, stats=st, clipped=runs, highpassed=band),
               note="statistics, runs and a band-passed signal given: spectra and noise windows only")
