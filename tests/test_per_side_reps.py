"""Per-side repetitions (issue #13): amplitudes, co-contraction and left/right SI on each side's own cycles.

Truth: simulated gait as in ``tests/test_per_side_cycles.py`` (left heel strikes every ``T`` s from ``LEAD``,
right ones half a stride later), but with a muscle active from 30 % to 110 % of each leg's own cycle, so that
the legs' bursts overlap (task structure "mixed" or "simultaneous": compared repetition by repetition), and the right leg's EMG
``r`` times the left's (``simulate(lr_ratio=r)``: signal and noise alike).  The symmetry index of Robinson et
al. (1987) is then ``200 (r - 1) / (r + 1)`` (26.09 % for r = 1.3, -22.22 % for r = 0.8).

Hand-computed error of the one-event rule (``cycles.per_side = "off"``, every channel on Left Foot Strike):
the right burst of stride k runs from 0.8 to 1.6 strides after the k-th left strike, so the first left
cycle holds only 0.2 of the right leg's 0.8 stride of activity (every later one holds 0.8); the right mean
over the 10 left cycles is then ``(9 + 0.25) / 10 = 0.925`` of its true level, and the SI of the means
``200 (0.925 r - 1) / (0.925 r + 1)``: 18.4 % instead of 26.1 % for r = 1.3 (-29.6 % instead of -22.2 % for
r = 0.8).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import emgkit
from emgkit.analysis.pipeline import analyze_source
from emgkit.analysis.segment import pair_cycles
from emgkit.datasets import simulate

T, LEAD, N = 1.0, 1.0, 10
ON, OFF = 0.3, 1.1  # burst in each leg's own cycle, fraction of the stride (the legs' bursts overlap)
MUSCLES = ("tibialis_anterior", "gastrocnemius_medialis")
PAIRS = N - 1  # right strikes exactly half a stride after the left: the tie goes to the earlier right cycle (pair_cycles),
# so left stride k is paired with right stride k - 1 and the first left stride has no partner


def true_si(r):
    return 200 * (r - 1) / (r + 1)


def shared_rule_si(r):
    """SI of the means with every channel on the left cycles: the first left cycle holds 1/4 of a right burst."""
    right = r * (N - 1 + 0.25) / N
    return 200 * (right - 1) / (right + 1)


def gait(r=1.0, *, seed=4, drop_last_right=False, fs=1000):
    schedule = [(LEAD + k * T + ON * T, LEAD + k * T + OFF * T) for k in range(N)]
    rec = simulate(muscles=MUSCLES, schedule=schedule, onset_delay_s=0.5 * T, duration_s=LEAD + (N + 1.2) * T, fs=fs,
                   seed=seed, ramp_s=0.03, cocontraction=0.3, lr_ratio=r)
    ev = [{"time_s": LEAD + k * T + lag, "label": "Foot Strike", "side": side, "name": f"{word} Foot Strike"}
          for side, word, lag in (("L", "Left", 0.0), ("R", "Right", 0.5 * T)) for k in range(N + 1)]
    if drop_last_right:
        ev = [e for e in ev if not (e["side"] == "R" and e["time_s"] == LEAD + N * T + 0.5 * T)]
    rec.meta["events"] = sorted(ev, key=lambda e: e["time_s"])
    return rec


def _run(rec, per_side="auto"):
    return analyze_source(rec, emit=False, config={"cycles": {"per_side": per_side}})[0]


def _row(a, metric="mean", muscle="tibialis_anterior"):
    b = a.bilateral
    row = b[(b.muscle == muscle) & (b.metric == metric)]
    assert len(row) == 1, b
    return row.iloc[0]


@pytest.fixture(scope="module")
def runs():
    return {(r, rule): _run(gait(r), rule) for r in (1.3, 0.8) for rule in ("auto", "off")}


@pytest.mark.parametrize("r", [1.3, 0.8])
@pytest.mark.parametrize("metric", ["mean", "peak", "rms", "iemg"])
def test_known_per_leg_asymmetry_recovered_on_own_cycles(runs, r, metric):
    row = _row(runs[(r, "auto")], metric)
    assert row.task_structure in ("mixed", "simultaneous"), row  # compared cycle by cycle, not on bursts
    assert row.n_reps == PAIRS, row  # each left stride with the right one that began half a stride before it
    assert "each side on its own cycles ('Left Foot Strike': 10, 'Right Foot Strike': 10)" in row.note, row.note
    assert abs(row.symmetry_index - true_si(r)) <= 3.0, (row.symmetry_index, true_si(r))
    assert abs(row.si_mean - true_si(r)) <= 3.0, row
    assert row.si_ci_low <= true_si(r) + 3.0 and row.si_ci_high >= true_si(r) - 3.0, row


@pytest.mark.parametrize("r", [1.3, 0.8])
def test_one_event_rule_gives_the_hand_computed_error(runs, r):
    """With every channel on the left cycles the mean-activity SI moves to the hand-computed value, > 7 pp off."""
    row = _row(runs[(r, "off")])
    assert "own cycles" not in row.note
    assert abs(row.symmetry_index - shared_rule_si(r)) <= 3.0, (row.symmetry_index, shared_rule_si(r))
    assert abs(row.symmetry_index - true_si(r)) > 5.0, row
    # and its first repetition compares a right leg mostly at rest with a working left leg
    rep = runs[(r, "off")].repetitions
    si = rep[(rep.kind == "bilateral") & (rep.metric == "si_mean") & (rep.channel == "L tibialis_anterior")]
    assert si.value.iloc[0] < true_si(r) - 50, si.value.tolist()  # hand: 200 (r/4 - 1) / (r/4 + 1) = -102 % for r = 1.3


def test_repetitions_in_own_cycles(runs):
    a = runs[(1.3, "auto")]
    rep = a.repetitions
    for ch, start in (("L tibialis_anterior", LEAD), ("R tibialis_anterior", LEAD + 0.5 * T)):
        rows = rep[(rep.channel == ch) & (rep.kind == "channel") & (rep.metric == "mean")]
        assert len(rows) == N
        assert np.allclose(rows.start_s, start + np.arange(N) * T), rows.start_s.tolist()
    # the right leg's mean per own cycle is r times the left's (cycle by cycle, first cycles alike: no earlier tail)
    left = rep[(rep.channel == "L tibialis_anterior") & (rep.metric == "mean")].value.to_numpy()
    right = rep[(rep.channel == "R tibialis_anterior") & (rep.kind == "channel") & (rep.metric == "mean")].value.to_numpy()
    assert np.allclose(right / left, 1.3, rtol=0.08), right / left
    si = rep[(rep.kind == "bilateral") & (rep.metric == "si_mean") & (rep.channel == "L tibialis_anterior")]
    assert np.allclose(si.start_s, LEAD + np.arange(1, N) * T)  # numbered in the left side's cycles, from the 2nd (PAIRS)
    assert abs(si.value.mean() - true_si(1.3)) <= 3.0 and np.allclose(si.value, true_si(1.3), atol=12.0), si.value.tolist()
    cc = rep[(rep.kind == "agonist_antagonist") & (rep.side == "R") & (rep.metric == "cci_falconer")]
    assert np.allclose(cc.start_s, LEAD + 0.5 * T + np.arange(N) * T)  # the right pair on the right cycles


def test_cocontraction_per_side_cycles_and_unequal_counts():
    """One right strike fewer: 10 left and 9 right cycles, paired by their lag (9 pairs), never index by index."""
    a = _run(gait(1.3, drop_last_right=True))
    aa = a.agonist_antagonist.set_index("side")
    assert aa.loc["L", "n_reps"] == N and aa.loc["R", "n_reps"] == N - 1
    # the simulated antagonist co-contracts at 0.3 of its level in the agonist's bursts, the same on both legs
    assert math.isfinite(aa.loc["L", "cci_side_si"]) and abs(aa.loc["L", "cci_side_si"]) <= 10.0, aa
    row = _row(a)
    assert row.n_reps == PAIRS and "9 pairs" in row.note, row  # right strides 1-9 with left strides 2-10
    assert abs(row.symmetry_index - true_si(1.3)) <= 3.0, row


def test_alternating_gait_uses_own_cycles_not_burst_order():
    """Bursts that do not overlap (60-110 % of each leg's cycle): alternating, compared on each side's own cycles."""
    schedule = [(LEAD + k * T + 0.6 * T, LEAD + k * T + 1.1 * T) for k in range(N)]
    rec = simulate(muscles=("tibialis_anterior",), schedule=schedule, onset_delay_s=0.5 * T, duration_s=LEAD + (N + 1.2) * T,
                   fs=1000, seed=3, ramp_s=0.03, lr_ratio=1.3)
    rec.meta["events"] = sorted(({"time_s": LEAD + k * T + lag, "side": s, "name": f"{w} Foot Strike"}
                                 for s, w, lag in (("L", "Left", 0.0), ("R", "Right", 0.5)) for k in range(N + 1)),
                                key=lambda e: e["time_s"])
    row = _row(_run(rec))
    assert row.task_structure == "alternating"
    assert row.note.startswith("alternating: each side on its own cycles"), row.note
    assert row.si_ci_low <= true_si(1.3) <= row.si_ci_high and abs(row.symmetry_index - true_si(1.3)) <= 5.0, row


def test_segments_pairing_is_the_timing_pairing():
    """Segments.paired and the timing table use one pairing function (emgkit.analysis.segment.pair_cycles)."""
    from emgkit.analysis.tables import timing

    assert timing.pair_cycles is pair_cycles
    ka, kb = pair_cycles([1.0, 2.0, 3.0], [0.5, 1.5, 2.5, 3.5])  # b half a stride earlier: lag -0.5 (median of ties)
    assert ka.tolist() == [0, 1, 2] and kb.tolist() == [0, 1, 2]


def test_streamed_equals_in_memory(tmp_path):
    rec = gait(1.3, drop_last_right=True)
    path = tmp_path / "gait.h5"
    emgkit.write(rec, path)
    a, b = _run(rec), analyze_source(path, stream="on", emit=False)[0]
    for name in ("bilateral", "repetitions", "agonist_antagonist", "timing"):
        x, y = getattr(a, name), getattr(b, name)
        assert list(x.columns) == list(y.columns) and x.shape == y.shape, name
        for col in x.columns:
            if x[col].dtype.kind == "f":
                assert np.allclose(x[col], y[col], rtol=1e-9, atol=1e-9, equal_nan=True), (name, col)
            else:
                assert (x[col] == y[col]).all(), (name, col)


# -- left/right timing withheld where it means nothing -------------------------------------------------------------
def _arm(**kw):
    return simulate(n_reps=8, fs=1000, muscles=("biceps_brachii", "triceps_brachii"), burst_s=1.5, rest_s=2.5, seed=3, **kw)


def _lr(a):
    t = a.timing
    return t[t.comparison == "left_right"]


def test_unilateral_pair_left_right_timing_withheld():
    a = analyze_source(_arm(lr_ratio=1e-3, noise_uv=3.0), emit=False)[0]
    assert a.info["task_structure"] == "unilateral"
    lr = _lr(a)
    assert len(lr) == 6  # 2 muscles x onset, offset, duration
    assert lr.mean_ms.isna().all() and (lr.n == 0).all() and (lr.flag == "").all()
    assert lr.flag_reason.str.startswith("not compared: unilateral task: one side shows no activity throughout (found from "
                                         "the bursts").all(), lr.flag_reason
    assert lr.flag_reason.str.contains("--pair-trials").all()
    # within the working side nothing is lost
    aa = a.timing[(a.timing.comparison == "agonist_antagonist") & (a.timing.side == "L")]
    assert (aa.n >= 7).all() and aa.mean_ms.notna().all(), aa
    assert not (a.repetitions.kind == "left_right").any()


def test_simultaneous_pair_left_right_timing_kept():
    """The control: both arms work together, so their timing is compared (the withholding is not blanket)."""
    a = analyze_source(_arm(lr_ratio=1.2), emit=False)[0]
    lr = _lr(a)
    assert (lr.n >= 7).all() and lr.mean_ms.notna().all(), lr
    assert not lr.flag_reason.str.contains("not compared").any()


def test_unilateral_stated_withholds_timing():
    a = analyze_source(_arm(lr_ratio=1.2), emit=False, config={"analysis": {"task_structure": "unilateral"}})[0]
    lr = _lr(a)
    assert lr.mean_ms.isna().all() and lr.flag_reason.str.startswith("not compared: unilateral task").all()


def test_paired_trials_left_right_timing_withheld():
    left = _arm(lr_ratio=1e-3, noise_uv=3.0)
    right = simulate(n_reps=8, fs=1000, muscles=("biceps_brachii", "triceps_brachii"), burst_s=1.5, rest_s=2.5, seed=5,
                     lr_ratio=1e3, amplitude_uv=0.3, noise_uv=3.0)
    a = emgkit.analyze_pair(left, right)
    assert a.info["task_structure"] == "paired trials"
    lr = _lr(a)
    assert len(lr) == 6 and lr.mean_ms.isna().all() and (lr.flag == "").all()
    assert lr.flag_reason.str.startswith("not compared: paired trials: the two sides were recorded in separate trials").all()


# -- command line: --cycles-per-side ---------------------------------------------------------------------------------
def test_cli_cycles_per_side(tmp_path):
    from emgkit.cli import main

    path = tmp_path / "gait.h5"
    emgkit.write(gait(1.3), path)
    for value, reference in (("off", "shared cycles: 'Left Foot Strike'"),
                             (None, "own cycles: 'Left Foot Strike' / 'Right Foot Strike'")):
        out = tmp_path / f"o_{value}"
        extra = ["--cycles-per-side", value] if value else []
        assert main(["analyze", str(path), *extra, "--out", str(out), "--quiet"]) == 0
        a = emgkit.load_analysis(out)
        t = a.timing
        assert set(t[t.comparison == "left_right"].cycle_reference) == {reference}, (value, t.cycle_reference)
        assert a.config.cycles.per_side == (value or "auto")


def test_cli_cycles_per_side_bad_value_and_batch(capsys):
    from emgkit.analysis_cli import config_from_args
    from emgkit.cli import build_parser
    from emgkit.config import load_config

    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["analyze", "x.h5", "--cycles-per-side", "sometimes", "--out", "o"])
    assert exc.value.code == 2 and "invalid choice: 'sometimes'" in capsys.readouterr().err
    args = build_parser().parse_args(["batch", "in", "--out", "o", "--cycles-per-side", "off"])
    assert config_from_args(load_config(None), args).cycles.per_side == "off"
    args = build_parser().parse_args(["batch", "in", "--out", "o"])
    assert config_from_args(load_config(None), args).cycles.per_side == "auto"


def test_one_side_without_a_complete_cycle_gives_the_reason():
    """One left strike only: the left leg has no stride of its own, so nothing is paired and the row says why."""
    rec = gait(1.3)
    rec.meta["events"] = [e for e in rec.meta["events"] if e["side"] == "R" or e["time_s"] == LEAD]
    a = _run(rec)
    row = _row(a)
    assert row.n_reps == 0 and math.isnan(row.symmetry_index) and row.flag != "flag", row
    assert "no complete cycle of the left side's own events" in row.flag_reason, row.flag_reason
    rep = a.repetitions
    assert not ((rep.channel == "L tibialis_anterior") & (rep.kind == "channel")).any()  # no stride of its own
    assert len(rep[(rep.channel == "R tibialis_anterior") & (rep.kind == "channel") & (rep.metric == "mean")]) == N
