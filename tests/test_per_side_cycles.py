"""Per-side (per-leg) cycles: simulated gait with a known per-leg timing difference, side-specific triggers, bad input.

The simulated gait: left heel strikes every ``T`` s, right heel strikes half a
stride later; each leg's tibialis anterior bursts from 60 % of its own cycle to
110 % (toe-off through swing into loading response, Perry & Burnfield 2010).
The right burst is shifted by ``T / 2 + d``: in each leg's own cycle the right
leg switches on ``d`` later, while in the left leg's cycle it looks ``T / 2 + d``
late (the one-event rule's error, issue #13).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import emgkit
from emgkit.analysis.tables.timing import own_activity, pair_cycles
from emgkit.datasets import simulate

T = 1.0  # stride, s
LEAD = 1.0  # first left heel strike, s
N = 10  # strides
ON, OFF = 0.6, 1.1  # TA burst in each leg's own cycle (fraction of the stride)
TOL_MS = 15.0  # simulated bursts: 30 ms ramps, SNR 20 dB; the detector's error is a few ms (docs/validation.md)


def gait(d=0.0, *, sides=("L", "R"), events="both", fs=1000, seed=3, muscles=("tibialis_anterior",)):
    """Simulated two-leg gait with Left/Right Foot Strike events (C3D schema) and a right-minus-left delay ``d`` s."""
    schedule = [(LEAD + k * T + ON * T, LEAD + k * T + OFF * T) for k in range(N)]
    rec = simulate(muscles=muscles, schedule=schedule, onset_delay_s=0.5 * T + d, duration_s=LEAD + (N + 1.2) * T,
                   fs=fs, seed=seed, ramp_s=0.03, cocontraction=0.3)
    ev = []
    for side, word, lag in (("L", "Left", 0.0), ("R", "Right", 0.5 * T)):
        if events == "both" or events == side:
            ev += [{"time_s": LEAD + k * T + lag, "label": "Foot Strike", "side": side, "name": f"{word} Foot Strike",
                    "source": "test"} for k in range(N + 1)]
    rec.meta["events"] = sorted(ev, key=lambda e: e["time_s"])
    return rec


def _row(a, comparison="left_right", muscle="tibialis_anterior", metric="onset"):
    t = a.timing
    row = t[(t.comparison == comparison) & (t.muscle == muscle) & (t.metric == metric)]
    assert len(row) == 1, t
    return row.iloc[0]


# -- helpers, against hand-computed cases --------------------------------------------------------------------------
def test_pair_cycles_by_typical_lag():
    # gait-like: the other side half a stride later; nearest starts alone would tie (0.5 vs 0.55) and drop a pair
    ka, kb = pair_cycles([1.0, 2.0, 3.0], [1.45, 2.5, 3.55])
    assert ka.tolist() == [0, 1, 2] and kb.tolist() == [0, 1, 2]
    # the other side half a stride earlier (lag -0.5): 1.0 has no partner before it
    ka, kb = pair_cycles([1.0, 2.0, 3.0], [1.5, 2.5])
    assert ka.tolist() == [1, 2] and kb.tolist() == [0, 1]
    # simultaneous triggers, b a little early or late (lag 0.02): cycle by cycle
    ka, kb = pair_cycles([1.0, 2.0, 3.0, 4.0], [0.98, 2.03, 3.02, 4.01])
    assert ka.tolist() == [0, 1, 2, 3] and kb.tolist() == [0, 1, 2, 3]
    # a missing cycle of b: 2.0 and 3.0 would both land on 3.0 + lag; the closer keeps it
    ka, kb = pair_cycles([1.0, 2.0, 3.0], [1.0, 3.0])
    assert ka.tolist() == [0, 2] and kb.tolist() == [0, 1]
    ka, kb = pair_cycles([], [1.0])
    assert ka.size == 0 and kb.size == 0


def test_own_activity_first_onset_at_or_after_the_event():
    # bursts [0.5, 1.2] (on at the event 1.0: belongs to cycle 0), [1.1, 1.3], [1.6, 2.1]
    on, off = own_activity(np.array([0.5, 1.1, 1.6]), np.array([1.2, 1.3, 2.1]), np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]))
    assert on[0] == 0.5 and on[1] == 1.1 and math.isnan(on[2])
    assert off[0] == 1.2 and off[1] == 2.1 and math.isnan(off[2])  # offset of the last burst starting in the cycle


# -- simulated gait ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("d_ms", [0.0, 60.0, -40.0])
def test_known_per_leg_difference_recovered(d_ms):
    a = emgkit.analyze(gait(d_ms / 1e3))
    row = _row(a)
    assert row.cycle_reference == "own cycles: 'Left Foot Strike' / 'Right Foot Strike'"
    assert row.n >= N - 1
    assert abs(row.mean_ms - d_ms) <= TOL_MS, row
    assert abs(row.b_ms - row.a_ms - row.mean_ms) < 1e-9  # the difference is of the two own-cycle times
    assert abs(row.a_pct_cycle - ON * 100) <= TOL_MS / 10, row  # 15 ms of a 1 s stride: 1.5 %
    assert abs(row.b_pct_cycle - (ON * 100 + d_ms / 10)) <= TOL_MS / 10, row
    assert abs(row.mean_pct_cycle - d_ms / 10) <= TOL_MS / 10, row
    if d_ms == 0.0:
        assert row.flag != "flag", row
    else:
        assert row.flag == "flag", row  # 40-60 ms over 10 strides: beyond the 20 ms threshold, CI away from 0


def test_one_event_rule_gives_the_half_stride_error():
    """cycles.per_side = 'off': every channel on the first event kind (Left Foot Strike): the right leg is off by T/2.

    In the left cycle the right burst runs from 0.1 + d to 0.6 + d (its 60-110 % shifted by half a stride, wrapped);
    the left one from 0.6: right - left = d - T/2 = -440 ms for d = 60 ms, instead of +60 ms.
    """
    a = emgkit.analyze(gait(0.06), config={"cycles": {"per_side": "off"}})
    row = _row(a)
    assert abs(row.mean_ms - (60 - 500)) <= TOL_MS, row
    assert row.cycle_reference == "shared cycles: 'Left Foot Strike'"
    assert (a.cycles.side == "").all()


def test_cycles_and_ensembles_per_side():
    a = emgkit.analyze(gait(0.0))
    c = a.cycles
    for side, lag, word in (("L", 0.0, "Left"), ("R", 0.5, "Right")):
        kept = c[(c.side == side) & c.kept]
        assert len(kept) == N
        assert np.allclose(kept.start_s, LEAD + lag + np.arange(N) * T)
        assert (kept.event == f"{word} Foot Strike").all()
        assert kept.cycle.tolist() == list(range(1, N + 1))
    e = a.ensembles
    assert set(e.cycle_side) == {"L", "R"}
    # each leg's ensemble peaks in its own swing (60-110 %: the burst wraps, so 60-100 % and 0-10 %), never at 30 %
    for ch in ("L tibialis_anterior", "R tibialis_anterior"):
        curve = e[e.channel == ch].set_index("pct")["mean"]
        assert curve.loc[80.0] > 5 * curve.loc[30.0], curve
    assert any("per-side cycles" in n for n in a.notes)
    assert a.info["cycles_rule"].startswith("own cycles per side: left channels on 'Left Foot Strike' (10 cycles), "
                                            "right channels on 'Right Foot Strike' (10 cycles)")


def test_repetitions_burst_timing_in_own_cycles():
    """Each channel's onset_ms is from its own side's event: both legs near 600 ms (+ d on the right)."""
    a = emgkit.analyze(gait(0.05))
    r = a.repetitions
    for ch, want, side_start in (("L tibialis_anterior", 600, LEAD), ("R tibialis_anterior", 650, LEAD + 0.5 * T)):
        rows = r[(r.channel == ch) & (r.metric == "onset_ms")]
        assert len(rows) >= N - 1
        assert abs(rows.value.mean() - want) <= TOL_MS, rows.value
        assert np.allclose(rows.value, want, atol=40), rows.value  # single bursts: the detectors' 40 ms
        assert np.allclose((rows.start_s - side_start) / T % 1.0, 0, atol=1e-6)  # own cycles start at own strikes
        assert len(r[(r.channel == ch) & (r.metric == "mean")]) == N  # amplitudes: own cycles too (tests/test_per_side_reps.py)
    d = r[(r.kind == "left_right") & (r.metric == "delta_onset_ms")]
    assert abs(d.value.mean() - 50) <= TOL_MS and np.allclose(d.value, 50, atol=40)


def test_event_name_label_or_one_side_name_keeps_per_side():
    for name in ("Foot Strike", "Left Foot Strike", "Right Foot Strike"):
        row = _row(emgkit.analyze(gait(0.05), config={"cycles": {"event_name": name}}))
        assert row.cycle_reference.startswith("own cycles"), name
        assert abs(row.mean_ms - 50) <= TOL_MS, (name, row)


def test_foot_strike_preferred_over_an_earlier_foot_off():
    """Without cycles.event_name a gait cycle starts at the foot strike even when a Foot Off comes first in the file."""
    rec = gait(0.05)
    off = [{"time_s": LEAD - 0.3 * T + k * T, "label": "Foot Off", "side": side, "name": f"{word} Foot Off", "source": "test"}
           for k in range(N + 1) for side, word in (("R", "Right"), ("L", "Left"))]
    rec.meta["events"] = sorted(off + rec.meta["events"], key=lambda e: e["time_s"])
    assert rec.meta["events"][0]["name"] == "Right Foot Off"
    a = emgkit.analyze(rec)
    assert _row(a).cycle_reference == "own cycles: 'Left Foot Strike' / 'Right Foot Strike'"
    assert a.info["cycles_source"] == "events 'Left Foot Strike'"
    off_rule = emgkit.analyze(rec, config={"cycles": {"per_side": "off"}})
    assert off_rule.info["cycles_source"] == "events 'Right Foot Off'"  # the one-event rule: the first kind, as before


def test_agonist_antagonist_on_its_own_side_cycles():
    """Antagonist - agonist per side is timed in that side's own cycles (both channels share them)."""
    a = emgkit.analyze(gait(0.08, muscles=("tibialis_anterior", "gastrocnemius_medialis")))
    t = a.timing
    aa = t[(t.comparison == "agonist_antagonist") & (t.metric == "onset")]
    assert set(aa.side) == {"L", "R"}
    for _, row in aa.iterrows():
        word = "Left" if row.side == "L" else "Right"
        assert row.cycle_reference == f"own cycles: '{word} Foot Strike'", row
        assert abs(row.mean_ms) <= TOL_MS  # the simulated antagonist co-contracts in the agonist's bursts


def test_events_without_side_keep_one_rule():
    rec = gait(0.0)
    rec.meta["events"] = [{"time_s": LEAD + k * T, "name": "cue"} for k in range(N + 1)]
    a = emgkit.analyze(rec)
    row = _row(a)
    assert row.cycle_reference == "shared cycles: 'cue'"
    assert abs(row.mean_ms + 500) <= TOL_MS  # d - T/2, as with per_side = 'off'
    assert (a.cycles.side == "").all() and (a.ensembles.cycle_side == "").all()
    assert a.info["cycles_rule"] == "one rule for every channel: cycles of cue"


def test_dict_events_with_side_words():
    rec = gait(0.03)
    rec.meta["events"] = {"L heel strike": [LEAD + k * T for k in range(N + 1)],
                          "R heel strike": [LEAD + 0.5 * T + k * T for k in range(N + 1)]}
    row = _row(emgkit.analyze(rec))
    assert row.cycle_reference == "own cycles: 'L heel strike' / 'R heel strike'"
    assert abs(row.mean_ms - 30) <= TOL_MS


# -- side-specific triggers ----------------------------------------------------------------------------------------
def _footswitches(rec, d):
    n, fs = rec.n_samples, rec.fs
    t = np.arange(n) / fs
    phase_l = ((t - LEAD) / T) % 1.0
    phase_r = ((t - LEAD - 0.5 * T) / T) % 1.0
    rec.meta.pop("events")
    # footswitch closed (1) during stance, 0-60 % of the own cycle; heel strike = rising edge
    rec.meta["aux"] = {"FSW_L": {"data": ((phase_l < 0.6) & (t >= LEAD)).astype(float)},
                       "FSW_R": {"data": ((phase_r < 0.6) & (t >= LEAD + 0.5 * T)).astype(float)}}
    return rec


def test_side_specific_triggers():
    rec = _footswitches(gait(0.05), 0.05)
    a = emgkit.analyze(rec, config={"cycles": {"trigger_channel_left": "FSW_L", "trigger_channel_right": "FSW_R"}})
    row = _row(a)
    assert row.cycle_reference == "own cycles: 'FSW_L' / 'FSW_R'"
    assert abs(row.mean_ms - 50) <= TOL_MS, row
    assert set(a.cycles.side) == {"L", "R"}


def test_one_side_trigger_falls_back_with_a_message():
    rec = _footswitches(gait(0.05), 0.05)
    a = emgkit.analyze(rec, config={"cycles": {"trigger_channel_left": "FSW_L"}})
    row = _row(a)
    assert math.isnan(row.mean_ms) and row.n == 0 and row.flag == ""
    assert "only the left side" in row.flag_reason and "right channels fall back" in row.flag_reason


# -- bad input: events of only one side ----------------------------------------------------------------------------
def test_events_of_one_side_only_fall_back_with_a_message():
    a = emgkit.analyze(gait(0.0, events="R", muscles=("tibialis_anterior", "gastrocnemius_medialis")))
    row = _row(a)
    assert math.isnan(row.mean_ms) and math.isnan(row.mean_pct_cycle) and row.n == 0 and row.flag == ""
    assert row.flag_reason.startswith("not compared: the cycle events are side-specific but only the right side has them "
                                      "('Right Foot Strike'): left channels fall back to the right side's cycles")
    assert "cycles.per_side = 'off'" in row.flag_reason
    assert any("only the right side has them" in n for n in a.notes)
    assert a.info["cycles_rule"] == row.flag_reason.removeprefix("not compared: ")
    # within one side nothing is lost: antagonist - agonist is still timed (in the shared cycles)
    aa = a.timing[(a.timing.comparison == "agonist_antagonist") & (a.timing.metric == "onset")]
    assert len(aa) == 2 and (aa.n >= N - 1).all()
    assert not (a.repetitions.kind == "left_right").any()
    assert (a.cycles.side == "").all()


def test_events_of_one_side_with_one_sided_channels_say_nothing():
    """Only right channels and only right events: nothing falls back, no message."""
    rec = gait(0.0, events="R", muscles=("tibialis_anterior", "gastrocnemius_medialis"))
    keep = [i for i, c in enumerate(rec.channels) if c.side == "R"]
    a = emgkit.analyze(emgkit.Recording(rec.data[keep], rec.fs, [rec.channels[i] for i in keep], meta=rec.meta))
    assert not any("fall back" in n for n in a.notes)
    assert (a.timing.cycle_reference == "own cycles: 'Right Foot Strike'").all()
    assert (a.timing.n >= N - 1).all()


def test_one_side_has_too_few_events():
    """One left event: no complete left cycle; left/right timing is not compared and the note says why."""
    rec = gait(0.0)
    rec.meta["events"] = [e for e in rec.meta["events"] if e["side"] == "R" or e["time_s"] == LEAD]
    a = emgkit.analyze(rec)
    row = _row(a)
    assert math.isnan(row.mean_ms) and row.flag_reason == "not compared: no complete cycle of the left side's own events"
    assert any(n.startswith("left side: no complete cycle of 'Left Foot Strike'") for n in a.notes)


def test_streamed_equals_in_memory(tmp_path):
    rec = gait(0.05)
    path = tmp_path / "gait.h5"
    emgkit.write(rec, path)
    a, b = emgkit.analyze(rec), emgkit.analyze_file(path, chunk_s=2.0)
    for name in ("timing", "ensembles", "cycles"):
        x, y = getattr(a, name), getattr(b, name)
        assert list(x.columns) == list(y.columns)
        for col in x.columns:
            if x[col].dtype.kind == "f":
                assert np.allclose(x[col], y[col], atol=1e-9, equal_nan=True), (name, col)
            else:
                assert (x[col] == y[col]).all(), (name, col)


def test_saved_and_loaded_identical(tmp_path):
    import pandas as pd

    a = emgkit.analyze(gait(0.05))
    a.save(tmp_path / "out")
    b = emgkit.load_analysis(tmp_path / "out")
    for name in ("timing", "cycles", "ensembles", "repetitions"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_trigger_source_without_any_trigger_says_how_to_give_one():
    from emgkit.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="trigger_channel_left and cycles.trigger_channel_right"):
        emgkit.analyze(gait(0.0), config={"cycles": {"source": "trigger"}})


def test_side_triggers_with_per_side_off_use_the_left_one_for_every_channel():
    rec = _footswitches(gait(0.05), 0.05)
    a = emgkit.analyze(rec, config={"cycles": {"trigger_channel_left": "FSW_L", "trigger_channel_right": "FSW_R",
                                               "per_side": "off"}})
    row = _row(a)
    assert row.cycle_reference == "shared cycles: 'FSW_L'"
    assert abs(row.mean_ms - (50 - 500)) <= TOL_MS  # the one-rule error, d - T/2
