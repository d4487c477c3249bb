"""emgkit.study on simulated sessions with known truth (issue 16's checks), kept small: 1 kHz, 2-4 channels, ~20 s each."""

import math
import os
import warnings

import numpy as np
import pytest

import emgkit
from emgkit.datasets import simulate
from emgkit.study import study
from emgkit.study.measures import BETTER

SESSION = dict(fs=1000, n_reps=8, burst_s=1.5, rest_s=1.0, lead_in_s=1.0)
SPECTRA = {"biceps_brachii": 100.0, "triceps_brachii": 90.0}  # one muscle keeps its spectrum from session to session
NOISE_SEEDS = int(os.environ.get("EMGKIT_NOISE_SEEDS", "20"))  # docs/study.md's figure: EMGKIT_NOISE_SEEDS=200
FALSE_ALARM = 0.05  # MDC95: a change of pure noise exceeds it with probability 5 % when the SEM is right
ALPHA = 0.001  # per measure, one-sided; about 1 % over the 11 measures checked
# The ~20 s sessions' MDF slopes span 18-19 s of windows: below the default fatigue.min_span_s (30 s) the analysis does
# not judge them and the study does not follow them; at 15 s the noise check still covers the slope measures
# (a slope from fewer seconds of windows, e.g. seed 87's 4 s, stays a 'not judged' gap: tests/test_study_judged.py).
JUDGE_SLOPES = {"fatigue": {"min_span_s": 15.0}}


def lr_ratio(si_pct):
    """Right / left amplitude ratio whose symmetry index 200 (R - L) / (R + L) is ``si_pct``."""
    return (1 + si_pct / 200) / (1 - si_pct / 200)


def _save(folder, rec, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        emgkit.analyze(rec, **options).save(folder, overwrite=True)
    return str(folder)


def test_falling_asymmetry_is_recovered_and_called_improving(tmp_path):
    truth = np.linspace(30.0, 5.0, 8)
    rows = [dict(subject="S01", session=str(k + 1),
                 file=_save(tmp_path / f"s{k + 1}", simulate(muscles=("biceps_brachii",), lr_ratio={"biceps_brachii": lr_ratio(si)},
                                                             mdf_hz={"biceps_brachii": 100.0}, seed=100 + k, **SESSION)))
            for k, si in enumerate(truth)]
    result = study(rows)
    si = result.changes[result.changes["measure"] == "si_mean"]
    assert si["session"].tolist() == [str(k) for k in range(1, 9)]
    assert np.abs(si["value"].to_numpy() - truth).max() <= 3.0, si[["session", "value"]]
    assert si["verdict"].iloc[-1] == "improving"
    assert si["change"].iloc[-1] == pytest.approx(si["value"].iloc[-1] - si["value"].iloc[0])
    assert si["change_ci_low"].iloc[-1] < si["change"].iloc[-1] < si["change_ci_high"].iloc[-1] < 0


def distance_moved(follow):
    """How far each follow-up moved from the healthier value, |(|v| - |b|)| or |v - b| (the verdict's quantity, by hand)."""
    base = follow["value"] - follow["change"]
    zero = np.abs(np.abs(follow["value"]) - np.abs(base))
    return zero.where(follow["measure"].map(BETTER) == "zero", np.abs(follow["change"]))


def excess_false_alarms(follow, mdc_scale=1.0):
    """Measures whose noise-only false alarms are more than a 5 % rate explains: {measure: (false alarms, comparisons, P)}.

    A change of pure noise is called improving or worsening with probability 5 % when the SEM is right, so the
    number of false alarms over ``n`` independent comparisons is binomial(n, 0.05); ``P`` is the one-sided
    binomial tail P(X >= false alarms), and a measure is listed when P < ALPHA (its MDC is too small).
    ``mdc_scale`` rescales the MDC to show that the check can fail.
    """
    from scipy.stats import binom

    out = {}
    alarm = distance_moved(follow) > mdc_scale * follow["mdc"]
    for measure, part in alarm.groupby(follow["measure"]):
        false = int(part.sum())
        p = float(binom.sf(false - 1, len(part), FALSE_ALARM))
        if p < ALPHA:
            out[measure] = (false, len(part), p)
    return out


def test_sessions_differing_only_by_noise_are_within_noise(tmp_path):
    """Two sessions of identical truth per subject: each measure's false alarms are consistent with MDC95's 5 %.

    A calibrated MDC95 gives 95 % within noise on average only: over 40 comparisons, 95 % or more in every one
    of the 11 measures would happen about once in 70 runs, so the check is the binomial tail of the false alarms
    (docs/study.md, "Noise only").
    """
    rows = []
    for seed in range(NOISE_SEEDS):
        for k in range(2):
            rec = simulate(muscles=("biceps_brachii", "triceps_brachii"), lr_ratio={"biceps_brachii": lr_ratio(15.0)}, mdf_hz=SPECTRA,
                           cocontraction={"triceps_brachii": 0.2}, seed=1000 * seed + k, **SESSION)
            rows.append(dict(subject=f"N{seed}", session=str(k + 1), file=_save(tmp_path / f"{seed}_{k}", rec, config=JUDGE_SLOPES)))
    changes = study(rows).changes
    follow = changes[changes["note"] == ""]
    rates = follow.groupby("measure")["verdict"].apply(lambda v: round(100 * (v == "within_noise").mean(), 1)).to_dict()
    print(f"within noise over {NOISE_SEEDS} seeds (%): {rates}; all rows {100 * (follow['verdict'] == 'within_noise').mean():.1f}")
    si = follow[follow["measure"] == "si_mean"]
    assert len(si) == 2 * NOISE_SEEDS  # biceps and triceps of every subject
    assert len(rates) == 11, rates  # every measure is followed
    # the check recomputes the verdicts from the MDC, so it counts what the study decided
    assert ((follow["verdict"] != "within_noise") == (distance_moved(follow) > follow["mdc"])).all()
    assert not excess_false_alarms(follow), (excess_false_alarms(follow), rates)
    assert excess_false_alarms(follow, mdc_scale=0.5)  # an MDC half as large is caught


def test_known_cocontraction_difference_between_groups(tmp_path):
    """Antagonist at c of its own MVC during every agonist burst: Falconer CCI = 2c / (1 + c) (same envelope shape)."""
    cci = lambda c: 200 * c / (1 + c)  # noqa: E731
    rows, truth = [], {}
    for group, level in (("control", 0.2), ("patient", 0.4)):
        truth[group] = []
        for i, offset in enumerate((-0.03, -0.01, 0.01, 0.03)):
            c = level + offset
            truth[group].append(cci(c))
            for k in range(2):
                rec = simulate(muscles=("biceps_brachii", "triceps_brachii"), sides=(None,), cocontraction={"triceps_brachii": c},
                               mdf_hz=SPECTRA, seed=5000 + 100 * i + 10 * k + (group == "patient"), **SESSION)
                mvc = {name: ch["amplitude_v"] for name, ch in rec.meta["truth"]["channels"].items()}
                rows.append(dict(subject=f"{group}{i}", session=str(k + 1), group=group,
                                 file=_save(tmp_path / f"{group}{i}_{k}", rec, mvc=mvc)))
    result = study(rows, reference_group="control")
    (row,) = result.groups[result.groups["measure"] == "cci_falconer"].itertuples(index=False)
    known = np.mean(truth["patient"]) - np.mean(truth["control"])
    assert (row.group_a, row.group_b, row.n_a, row.n_b) == ("control", "patient", 4, 4)  # subjects, not recordings
    assert row.difference_ci_low <= known <= row.difference_ci_high, (row.difference, row.difference_ci_low, row.difference_ci_high, known)
    assert row.hedges_g > 0 and row.hedges_g_ci_low > 0
    assert math.isclose(row.mean_a, np.mean(truth["control"]), abs_tol=5.0)
