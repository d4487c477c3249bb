"""Validation of the noise-floor estimator (emgkit.noise_floor) on simulations and on the shared recordings.

``python -m benchmarks.validate_noise_floor [--quick] [--no-real]``

Simulations (``emgkit.datasets.simulate``, bilateral biceps/triceps, 300 uV
at full activation, 5 repetitions, 3 seeds x 4 channels per row, fs 1 and
2 kHz): the truth is the RMS of the simulated noise (and hum) after the same
zero-phase 20-450 Hz band-pass, computed from the filter's response.  Each
row gives the share of channels whose floor is trusted, the median and range
of estimated / true noise RMS, and the same ratio for the quietest-window
floor without the spectral test (the floor the analysis used before).

Real recordings (``../shared/data``, skipped when absent): per file, the
channels trusted, the trusted floors and the estimates of the others; and for
the UCI physical-action Clapping trial of subject 1, the share of 0.5 s
windows of each channel that a quadrature subtraction of the quietest-window
floor sets to exactly 0, against :func:`emgkit.noise_floor.subtract_floor`.
Prints Markdown.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
AMP_UV, NOISE_UV = 300.0, 5.0


def band_truth(rec, name, low=20.0, high=450.0, order=4):
    """RMS of the simulated noise floor and hum after the zero-phase band-pass (V)."""
    from scipy.signal import butter, sosfreqz

    truth = rec.meta["truth"]
    ch = truth["channels"][name]
    sos = butter(order, [low, high], btype="band", fs=rec.fs, output="sos")
    lo, hi = truth["noise"]["band_hz"]
    f = np.linspace(lo, hi, 20001)
    power = ch["noise_rms_v"] ** 2 * np.trapezoid(np.abs(sosfreqz(sos, worN=f, fs=rec.fs)[1]) ** 4, f) / (hi - lo)
    for h, rel in enumerate([1.0, *truth["powerline"]["harmonics"]], start=1):
        if ch["powerline_v"] and h * truth["powerline"]["hz"] < rec.fs / 2:
            g = abs(sosfreqz(sos, worN=[h * truth["powerline"]["hz"]], fs=rec.fs)[1][0]) ** 2
            power += (ch["powerline_v"] * rel * g) ** 2 / 2
    return math.sqrt(power)


def _scenarios():
    tonic = lambda db: min(1.0, NOISE_UV / AMP_UV * 10 ** (db / 20))  # noqa: E731 - tonic RMS db above the noise
    for snr in (10, 20, 30):
        yield "(i) rest periods", f"SNR {snr} dB", {"noise_uv": AMP_UV / 10 ** (snr / 20)}, {}, None
    yield "(i) rest interval 0-1.9 s given", "SNR 20 dB", {"noise_uv": AMP_UV / 10}, {"rest_interval": (0.0, 1.9)}, None
    for db in (-10, 0, 3, 6, 10, 20, 30):
        yield "(ii) tonic activity, no rest", f"tonic {db:+d} dB", {"noise_uv": NOISE_UV, "tonic": tonic(db)}, {}, None
    yield "(ii) tonic, rest recording given", "tonic +20 dB", {"noise_uv": NOISE_UV, "tonic": tonic(20)}, {}, "rest"
    for h in (0.5, 1.0, 3.0, 10.0):
        yield ("(iii) hum 50 Hz (+30 %, 10 % harmonics)", f"{h:g} x noise RMS",
               {"noise_uv": NOISE_UV, "powerline_uv": NOISE_UV * h, "powerline_harmonics": (0.3, 0.1)}, {}, None)
    for g in (2.0, 4.0):
        noise = {f"{s} {m}": NOISE_UV * (g if s == "R" else 1.0) for s in "LR" for m in ("biceps_brachii", "triceps_brachii")}
        yield "(iv) gain R / L", f"{g:g}", {"noise_uv": noise, "lr_ratio": g}, {}, None


def simulations(seeds):
    from emgkit.datasets import simulate
    from emgkit.noise_floor import estimate_noise

    lines = ["| scenario | level | fs Hz | channels | trusted | estimated / true | quietest-window floor / true |",
             "|---|---|---|---|---|---|---|"]
    for scenario, level, sim_kw, est_kw, rest in _scenarios():
        for fs in (1000.0, 2000.0):
            est, old, trusted = [], [], []
            for seed in seeds:
                rec = simulate(fs=fs, n_reps=5, amplitude_uv=AMP_UV, seed=seed, **sim_kw)
                kw = dict(est_kw)
                if rest:
                    kw["rest"] = simulate(fs=fs, n_reps=1, amplitude_uv=1e-3, seed=seed + 100,
                                          noise_uv=sim_kw["noise_uv"])
                nf = estimate_noise(rec, **kw)
                truth = np.array([band_truth(rec, n) for n in rec.channel_names])
                est.append(nf.noise_rms / truth)
                old.append(nf.quiet_rms / truth)
                trusted.append(nf.trusted)
            est, old, trusted = np.concatenate(est), np.concatenate(old), np.concatenate(trusted)
            if scenario.startswith("(iv)"):
                side = np.tile(np.repeat([0, 1], 2), len(seeds))  # L, L, R, R per recording
                ratio = " / ".join(f"{s}: {np.median(est[side == k]):.2f} [{est[side == k].min():.2f}-{est[side == k].max():.2f}]"
                                   for k, s in enumerate("LR"))
            else:
                ratio = f"{np.median(est):.2f} [{est.min():.2f}-{est.max():.2f}]"
            lines.append(f"| {scenario} | {level} | {fs:g} | {est.size} | {trusted.mean():.2f} | {ratio} | "
                         f"{np.median(old):.2f} [{old.min():.2f}-{old.max():.2f}] |")
    return "\n".join(lines)


def _recordings():
    import emgkit
    from emgkit.datasets.readers import read_opensignals, read_uci_lower_limb, read_uci_physical_action

    for sub in ("sub01", "sub02"):
        for path in sorted((SHARED / "uci_physical_action" / sub).glob("*/txt/*.txt")):
            yield f"physical-action {sub} {path.stem}", read_uci_physical_action(path), {}
    yield ("physical-action sub01 Clapping, rest = sub01 Standing",
           read_uci_physical_action(SHARED / "uci_physical_action/sub01/Normal/txt/Clapping.txt"),
           {"rest": read_uci_physical_action(SHARED / "uci_physical_action/sub01/Normal/txt/Standing.txt")})
    for name in ("emg_1.txt", "emg.txt"):
        yield f"BioSPPy {name}", read_opensignals(SHARED / "biosppy_single" / name), {}
    for path in sorted((SHARED / "uci_lower_limb").glob("*.txt")):
        yield f"UCI lower limb {path.stem}", read_uci_lower_limb(path), {}
    for path in sorted((SHARED / "c3d_bilateral_gait").glob("*.c3d")):
        yield f"C3D {path.name}", emgkit.read(path), {}
    yield "pyomeca markers_analogs.c3d", emgkit.read(SHARED / "pyomeca_shoulder" / "markers_analogs.c3d"), {}


def real():
    from emgkit.noise_floor import estimate_noise

    lines = ["| recording | unit | trusted / channels | trusted floors (RMS, channel) | not trusted: upper-band estimate / quietest-window RMS |",
             "|---|---|---|---|---|"]
    for label, rec, kw in _recordings():
        nf = estimate_noise(rec, **kw)
        names = rec.channel_names
        good = ", ".join(f"{v:.3g} {n}" for n, v, t in zip(names, nf.noise_rms, nf.trusted) if t) or "-"
        silent = sum("silent" in r for r in nf.reason)
        other = [f"{v:.3g}/{q:.3g} {n}" for n, v, q, t, r in zip(names, nf.noise_rms, nf.quiet_rms, nf.trusted, nf.reason)
                 if not t and "silent" not in r]
        bad = (", ".join(other) if other else "-") + (f"; {silent} silent channels" if silent else "")
        lines.append(f"| {label} | {rec.unit} | {int(nf.trusted.sum())} / {len(names)} | {good} | {bad} |")
    return "\n".join(lines)


def zeroed():
    """Share of 0.5 s windows of sub01 Clapping set to 0 by the old subtraction and by subtract_floor."""
    import emgkit
    from emgkit.datasets.readers import read_uci_physical_action
    from emgkit.noise_floor import estimate_noise, subtract_floor

    rec = read_uci_physical_action(SHARED / "uci_physical_action/sub01/Normal/txt/Clapping.txt")
    nf = estimate_noise(rec)
    x = np.asarray(rec.data, dtype=float)
    y = np.asarray(emgkit.bandpass(x - x.mean(axis=1, keepdims=True), rec.fs))[:, 250:-250]
    w = 500
    rms = np.sqrt((y[:, : y.shape[1] // w * w].reshape(len(y), -1, w) ** 2).mean(axis=2))
    old = np.sqrt(np.maximum(rms**2 - nf.quiet_rms[:, None] ** 2, 0.0))
    new = subtract_floor(rms, nf.noise_rms[:, None], nf.trusted[:, None])
    lines = ["| channel | quietest-window floor | windows at 0 (old) | floor used | trusted | windows at 0 (new) | median window RMS lost (new) |",
             "|---|---|---|---|---|---|---|"]
    for c, name in enumerate(rec.channel_names):
        lost = 1 - np.median(new[c] / rms[c])
        lines.append(f"| {name} | {nf.quiet_rms[c]:.3g} | {np.mean(old[c] == 0):.2f} | "
                     f"{nf.noise_rms[c] if nf.trusted[c] else 0:.3g} | {'yes' if nf.trusted[c] else 'no'} | "
                     f"{np.mean(new[c] == 0):.2f} | {100 * lost:.1f} % |")
    return "\n".join(lines)


def speed():
    """Seconds for floor_from_conditioned on 16 channels x 10 min at 2 kHz (arrays, best of 3)."""
    from emgkit.noise_floor import floor_from_conditioned

    y = np.random.default_rng(0).standard_normal((16, 2000 * 600))
    e = np.abs(y)
    floor_from_conditioned(y, e, 2000.0)
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        floor_from_conditioned(y, e, 2000.0)
        best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validate_noise_floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one seed")
    parser.add_argument("--no-real", action="store_true", help="skip the shared recordings")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    print("### Simulations\n")
    print(simulations(range(1) if args.quick else range(3)))
    if not args.no_real and SHARED.is_dir():
        print("\n### Shared recordings\n")
        print(real())
        print("\n### Subtraction on physical-action sub01 Clapping (0.5 s windows)\n")
        print(zeroed())
    print(f"\nfloor_from_conditioned, 16 channels x 10 min at 2 kHz: {speed():.3f} s")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
