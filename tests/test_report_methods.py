"""The report's methods section says which channels were notched at what frequency, as the analysis did it.

A new-user trial found the PiG gait report's methods saying "no notch" while its notes said three channels were
"notched at 60 Hz and harmonics ... before every measure" (the hum rule notches per channel).  The filters line is
now built from the channels table (``notch_hz``, ``lines_notched_hz``), not from the configuration alone.
"""

import html
import re

import pandas as pd
import pytest
from conftest import SHARED_DATA

import emgkit
from emgkit import cli
from emgkit.analysis import analyze
from emgkit.report_html import _filter_words, _notch_words, report

PIG = SHARED_DATA / "c3d_bilateral_gait" / "PiG_Motion-FlatFoot-Full.c3d"
NOTCH_NOTE = re.compile(r"^(?P<channel>\S+): hum and narrowband interference: .* notched at (?P<where>.+?) before every measure")


def methods_filters(path) -> str:
    """The text of the methods section's ``filters`` entry of a written report."""
    page = path.read_text(encoding="utf-8")
    found = re.search(r"<dt>filters</dt><dd>(.*?)</dd>", page, re.S)
    assert found, "the methods section has no filters entry"
    return html.unescape(found.group(1))


def table(rows):
    return pd.DataFrame(rows, columns=["channel", "role", "notch_hz", "lines_notched_hz"])


def test_notch_words_group_channels_by_their_notches():
    channels = table([
        ("A", "emg", 60.0, "154.0, 307.5"),
        ("B", "emg", 0.0, "154.0, 307.5"),
        ("C", "emg", 60.0, "154.0, 307.5"),
        ("D", "emg", 0.0, ""),
        ("E", "emg", 0.0, float("nan")),  # an empty text cell read back from CSV
        ("F", "dead", 0.0, ""),  # left out: not counted
    ])
    assert _notch_words(channels, None) == (
        "notch at 60 Hz and harmonics and 154.0, 307.5 Hz: A, C; notch at 154.0, 307.5 Hz: B; no notch on the other 2 "
        "(the hum rule: interference above filters.hum_max_share, filters.hum_action = 'notch')")


def test_notch_words_without_any_notch_and_with_the_configured_one():
    assert _notch_words(table([("A", "emg", 0.0, ""), ("B", "emg", 0.0, "")]), None) == "no notch on any of the 2 channels"
    assert _notch_words(table([("A", "emg", 50.0, ""), ("B", "emg", 50.0, "")]), 50.0) == (
        "notch at 50 Hz and harmonics: all channels (filters.notch_hz)")
    assert _notch_words(table([]), None) is None  # no channel analysed: the configuration's words stay
    assert _notch_words(pd.DataFrame({"channel": ["A"], "role": ["emg"]}), None) is None  # saved before the notch columns


def test_methods_name_the_channel_the_hum_rule_notched(tmp_path):
    """Ground truth: 150 uV of 50 Hz hum on one simulated channel only; the hum rule notches that channel alone."""
    rec = emgkit.datasets.simulate(duration_s=20, fs=1000, seed=5, powerline_uv={"L biceps_brachii": 150.0})
    result = analyze(rec)
    notched = result.channels.set_index("channel")["notch_hz"]
    assert notched["L biceps_brachii"] == 50 and (notched.drop("L biceps_brachii") == 0).all()
    text = methods_filters(report(result, tmp_path / "hum.html"))
    assert text.startswith("DC removed; Butterworth band-pass 20-450 Hz")
    assert "notch at 50 Hz and harmonics: L biceps_brachii; no notch on the other 3 (the hum rule" in text
    assert "; no notch;" not in text + ";" and not text.endswith("no notch")


def test_methods_say_no_notch_without_hum_and_all_channels_with_a_configured_notch(tmp_path):
    rec = emgkit.datasets.simulate(duration_s=20, fs=1000, seed=5)
    clean = analyze(rec)
    assert methods_filters(report(clean, tmp_path / "clean.html")).endswith("; no notch on any of the 4 channels")
    cfg = emgkit.load_config({"filters": {"notch_hz": 50.0}})
    configured = analyze(rec, config=cfg)
    assert _filter_words(configured).endswith("; notch at 50 Hz and harmonics: all channels (filters.notch_hz)")
    assert "; notch 50 Hz and harmonics" not in _filter_words(configured)  # the configuration's words are not repeated


def test_pig_report_methods_agree_with_its_notes(tmp_path):
    """Real C3D gait trial (Vicon PiG).  Expected, written before the run: every channel a note says was notched is
    named in the methods' filters entry with the same frequencies, and "no notch" appears only for the others."""
    if not PIG.is_file():
        pytest.skip(f"real recording not available: {PIG} is missing (clone ../shared beside the repository)")
    pytest.importorskip("ezc3d")
    assert cli.main(["report", str(PIG), "--out", str(tmp_path), "--quiet"]) == 0
    analysis = emgkit.load_analysis(tmp_path)
    text = methods_filters(tmp_path / "report.html")
    notes = [m for m in (NOTCH_NOTE.match(n) for n in analysis.notes) if m]
    assert notes, "expected the hum rule to notch at least one PiG channel (its notes say so)"
    bare = re.sub(r" \([^()]*\)$", "", text)  # the closing "(the hum rule: ...)"
    groups = dict(part.rsplit(": ", 1) for part in bare.split("; ") if part.startswith("notch at "))
    named = {ch: where for where, chans in groups.items() for ch in chans.split(", ")}
    for m in notes:
        ch = m.group("channel")
        assert ch in named, f"{ch} is notched per the notes but not named in the methods: {text}"
        note_hz = re.findall(r"\d+(?:\.\d+)?", m.group("where"))
        assert re.findall(r"\d+(?:\.\d+)?", named[ch].removeprefix("notch at ")) == note_hz
    n_used = int((analysis.channels["role"] == "emg").sum())
    assert f"no notch on the other {n_used - len(named)} " in text
