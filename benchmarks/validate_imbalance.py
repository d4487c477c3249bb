"""Validation of the imbalance analysis on simulated recordings with known imbalance.

``python -m benchmarks.validate_imbalance [--quick] [--out docs/validation_imbalance.md]``

Four scenarios, each over a range of SNRs and seeds, every recording analysed
end to end by :func:`emgkit.analyze` (band-pass, envelope, onset detection,
repetition segmentation, normalization, indices):

* **left/right amplitude ratio**: right/left amplitude ratio r of the biceps
  (no normalization); truth ``SI = (r - 1) / ((r + 1) / 2) * 100``.
* **co-activation level**: the triceps co-contracts at a fraction c of its
  MVC during the biceps bursts; normalized with the exact MVC references of
  the simulator (envelope plateau at level 1), truth = Falconer-Winter and
  Rudolph indices of the noise-free activation envelopes over the same cycles.
* **onset delay**: the right biceps switches on (and off) d s after the left;
  truth = d, with the coverage of the reported 95 % CI.
* **fatigue slope**: a 60 s hold whose median frequency falls r %/min on the
  left and not at all on the right; truth = the simulator's realised MDF
  slope (least squares over the record, %/min of the intercept), with CI
  coverage and whether the left/right difference is detected.

The tolerances below are the targets at SNR >= 15 dB; lower SNRs are
reported as they are.  The result table is written as Markdown (``--out``).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings

import numpy as np

TOLERANCE = {
    "lr_ratio": ("abs SI error", 5.0, "% points"),
    "cocontraction_falconer": ("abs CCI error", 6.0, "% points"),
    "cocontraction_rudolph": ("abs Rudolph error", 4.0, "%MVC"),
    "onset_delay": ("abs delay error", 15.0, "ms"),
    "fatigue": ("abs slope error", 5.0, "%/min"),
}
SNRS = (6.0, 10.0, 15.0, 20.0, 30.0)
GOOD_SNR = 15.0
GAUSS_MAV = math.sqrt(2 / math.pi)


def _analyze(rec, **kw):
    from emgkit.analysis import analyze
    from emgkit.errors import SignalQualityWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SignalQualityWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        return analyze(rec, **kw)


def _ideal(rec, name):
    ch = rec.meta["truth"]["channels"][name]
    t = np.arange(rec.n_samples) / rec.fs
    env = np.zeros(rec.n_samples)
    for (on, off), level in zip(ch["bursts"], ch["levels"]):
        u = np.clip(np.minimum(t - on, off - t) / ch["ramp_s"], 0, 1) if ch["ramp_s"] > 0 else np.ones_like(t)
        env = np.where((t > on) & (t < off), level * 0.5 * (1 - np.cos(np.pi * u)), env)
    return 100 * env


def lr_ratio(seeds, snrs):
    from emgkit.datasets import simulate

    rows = []
    for ratio in (1.0, 1.2, 1.5):
        truth = (ratio - 1) / ((ratio + 1) / 2) * 100
        for snr in snrs:
            for seed in seeds:
                rec = simulate(n_reps=6, fs=1000, lr_ratio={"biceps_brachii": ratio}, snr_db=snr, seed=seed)
                res = _analyze(rec)
                b = res.bilateral.query("muscle == 'biceps_brachii' and metric == 'mean'").iloc[0]
                rows.append(dict(scenario="lr_ratio", level=f"r = {ratio:g}", snr=snr, truth=truth, value=b["symmetry_index"],
                                 covered=_covers(b["si_ci_low"], b["si_ci_high"], truth)))
    return rows


def cocontraction(seeds, snrs):
    from emgkit.cocontraction import cocontraction_index
    from emgkit.datasets import simulate

    rows = []
    for level in (0.1, 0.3, 0.6):
        for snr in snrs:
            for seed in seeds:
                rec = simulate(n_reps=6, fs=1000, cocontraction=level, snr_db=snr, seed=seed)
                mvc = {n: c["amplitude_v"] * GAUSS_MAV for n, c in rec.meta["truth"]["channels"].items()}
                res = _analyze(rec, mvc=mvc)
                cyc = res.cycles[res.cycles["kept"]]
                for row in res.agonist_antagonist.itertuples():
                    A, B = _ideal(rec, row.agonist), _ideal(rec, row.antagonist)
                    f, r = [], []
                    for a, e in zip(cyc["start_s"], cyc["stop_s"]):
                        s = slice(int(round(a * rec.fs)), int(round(e * rec.fs)))
                        f.append(cocontraction_index(A[s], B[s]))
                        r.append(cocontraction_index(A[s], B[s], "rudolph"))
                    rows.append(dict(scenario="cocontraction_falconer", level=f"c = {level:g}", snr=snr, truth=float(np.mean(f)),
                                     value=row.cci_falconer, covered=_covers(row.cci_falconer_ci_low, row.cci_falconer_ci_high, float(np.mean(f)))))
                    rows.append(dict(scenario="cocontraction_rudolph", level=f"c = {level:g}", snr=snr, truth=float(np.mean(r)),
                                     value=row.cci_rudolph, covered=math.nan))
    return rows


def onset_delay(seeds, snrs):
    from emgkit.datasets import simulate

    rows = []
    for delay in (0.03, 0.06, 0.1):
        for snr in snrs:
            for seed in seeds:
                rec = simulate(n_reps=8, fs=1000, onset_delay_s={"biceps_brachii": delay}, timing_jitter_s=0.01, snr_db=snr, seed=seed)
                res = _analyze(rec)
                t = res.timing.query("comparison == 'left_right' and muscle == 'biceps_brachii' and metric == 'onset'").iloc[0]
                rows.append(dict(scenario="onset_delay", level=f"d = {delay * 1e3:g} ms", snr=snr, truth=delay * 1e3, value=t["mean_ms"],
                                 covered=_covers(t["ci_low_ms"], t["ci_high_ms"], delay * 1e3)))
    return rows


def fatigue(seeds, snrs):
    from emgkit.datasets import simulate

    rows = []
    for rate in (-10.0, -20.0):
        for snr in snrs:
            for seed in seeds:
                rec = simulate(muscles=["biceps_brachii"], schedule=[(2.0, 62.0)], fs=2000, snr_db=snr, seed=seed,
                               fatigue={"L biceps_brachii": {"mdf_pct_per_min": rate, "amplitude_pct_per_min": 5.0}})
                res = _analyze(rec)
                for side in ("L", "R"):
                    name = f"{side} biceps_brachii"
                    truth = rec.meta["truth"]["channels"][name]["fatigue"]["mdf_slope_pct_per_min"]
                    f = res.fatigue.query("channel == @name").iloc[0]
                    level = f"L: {rate:g} %/min" if side == "L" else f"R: 0 %/min (L {rate:g})"
                    rows.append(dict(scenario="fatigue", level=level, snr=snr, truth=truth,
                                     value=f["mdf_slope_pct_per_min"], covered=_covers(f["mdf_pct_ci_low"], f["mdf_pct_ci_high"], truth)))
                b = res.bilateral.query("metric == 'mdf_slope_pct_per_min'").iloc[0]
                rows.append(dict(scenario="fatigue_difference_detected", level=f"{rate:g} %/min (L), 0 (R)", snr=snr, truth=math.nan,
                                 value=float(b["flag"] == "notice"), covered=math.nan))
    return rows


def _covers(lo, hi, truth):
    return float(lo <= truth <= hi) if math.isfinite(lo) and math.isfinite(hi) else math.nan


def summarize(rows):
    import pandas as pd

    df = pd.DataFrame(rows)
    err = df[df["scenario"] != "fatigue_difference_detected"].copy()
    err["error"] = err["value"] - err["truth"]
    err["abs_error"] = err["error"].abs()
    table = (
        err.groupby(["scenario", "level", "snr"], sort=False)
        .agg(n=("error", "size"), truth=("truth", "mean"), bias=("error", "mean"), median_abs=("abs_error", "median"),
             p95_abs=("abs_error", lambda v: float(np.nanpercentile(v, 95))), ci_coverage=("covered", "mean"),
             missing=("value", lambda v: int(v.isna().sum())))
        .reset_index()
    )
    det = df[df["scenario"] == "fatigue_difference_detected"].groupby(["level", "snr"], sort=False)["value"].mean().reset_index()
    return table, det


def verdict(table):
    lines = []
    good = table[table["snr"] >= GOOD_SNR]
    for scenario, (what, tol, unit) in TOLERANCE.items():
        sub = good[good["scenario"] == scenario]
        if sub.empty:
            continue
        worst = float(sub["median_abs"].max())
        ok = worst <= tol and int(sub["missing"].sum()) == 0
        lines.append(f"| {scenario} | median {what} <= {tol:g} {unit} | {worst:.2f} {unit} | {'pass' if ok else 'FAIL'} |")
    return lines


def markdown(table, det, seconds, args):
    out = [
        "## Imbalance analysis: recovered imbalance on simulated recordings",
        "",
        "Reproduce with `python -m benchmarks.validate_imbalance"
        + (" --quick" if args.quick else "") + f"` ({seconds:.0f} s on the 2-core machine). Every recording is analysed end to "
        "end by `emgkit.analyze` with the default configuration (linear envelope 6 Hz, `auto` onset detector, cycles from "
        "envelope peaks); the simulator (`emgkit.datasets.simulate`) gives the truth. SNR is per channel, relative to the "
        "channel's full activation. Errors are recovered minus true; `ci_coverage` is the share of recordings whose reported "
        "95 % CI contains the truth.",
        "",
        f"### Targets at SNR >= {GOOD_SNR:g} dB",
        "",
        "| scenario | target | worst median error | result |",
        "|---|---|---|---|",
        *verdict(table),
        "",
        "### All results",
        "",
        "| scenario | level | SNR dB | n | truth | bias | median abs error | 95th pct abs error | CI coverage | missing |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples(index=False):
        cov = "" if not math.isfinite(r.ci_coverage) else f"{r.ci_coverage:.2f}"
        out.append(f"| {r.scenario} | {r.level} | {r.snr:g} | {r.n} | {r.truth:.2f} | {r.bias:+.2f} | {r.median_abs:.2f} | "
                   f"{r.p95_abs:.2f} | {cov} | {r.missing} |")
    out += ["", "### Fatigue: left/right slope difference detected (notice raised: 95 % CI of the difference excludes 0)", "",
            "| level | SNR dB | share detected |", "|---|---|---|"]
    for r in det.itertuples(index=False):
        out.append(f"| {r.level} | {r.snr:g} | {r.value:.2f} |")
    out += [
        "",
        "Units: SI, CCI and their errors in % (points); Rudolph index in %MVC; onset delay in ms; fatigue slopes in %/min of "
        "the MDF intercept. Notes: the amplitude ratio is compared without normalization (the simulator's ratio acts like a "
        "gain or activation difference; MVC normalization would remove it). Co-contraction is normalized with the exact MVC "
        "references, so its errors are those of the envelope and the cycle segmentation, not of an MVC trial. Onset "
        "detection depends on the burst's SNR: at low SNR, weaker bursts are detected later, which biases timing differences "
        "between muscles of different amplitude (the timing table says so when the SNRs differ by more than 6 dB). "
        "The simulator keeps each seed's EMG when only the SNR changes, so the errors of one seed at different SNRs are "
        "correlated: a bias that is the same at every SNR (e.g. fatigue at -20 %/min) is the spread of three seeds, "
        "not a trend. `missing` counts recordings without a value: at 6 dB the onset detector loses most of a 60 s hold, "
        "so too few active windows remain for a slope (the fatigue table gives that reason).",
        "",
    ]
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.validate_imbalance", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one seed, two SNRs (a smoke test)")
    parser.add_argument("--out", metavar="PATH", help="write the Markdown section to PATH")
    args = parser.parse_args(argv)
    seeds = (1,) if args.quick else (1, 2, 3)
    snrs = (10.0, 20.0) if args.quick else SNRS
    start = time.perf_counter()
    rows = []
    for name, fn in (("lr_ratio", lr_ratio), ("cocontraction", cocontraction), ("onset_delay", onset_delay), ("fatigue", fatigue)):
        t0 = time.perf_counter()
        rows += fn(seeds, snrs)
        print(f"{name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    table, det = summarize(rows)
    text = markdown(table, det, time.perf_counter() - start, args)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
