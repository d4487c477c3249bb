"""Analysis configuration: defaults, TOML round trip, errors with suggestions."""

import tomllib

import pytest

from emgkit.config import Config, load_config
from emgkit.errors import FileFormatError, InvalidInputError


def test_defaults_follow_science_md():
    c = Config()
    assert (c.filters.low_hz, c.filters.high_hz, c.filters.order) == (20.0, 450.0, 4)
    assert c.filters.notch_hz is None
    assert (c.envelope.method, c.envelope.cutoff_hz) == ("linear", 6.0)
    assert c.normalization.mvc_window_ms == 500.0
    assert (c.fatigue.window_s, c.fatigue.overlap, c.fatigue.low_hz, c.fatigue.high_hz) == (1.0, 0.5, 20.0, 450.0)
    assert (c.flags.si_notice_pct, c.flags.si_flag_pct, c.flags.timing_ms) == (10.0, 15.0, 20.0)
    assert "Knapik" in c.flags.si_flag_source and "Grindem" in c.flags.lsi_source
    assert (c.cycles.n_points, c.cycles.max_duration_deviation) == (101, 0.2)


def test_toml_round_trip_and_digest(tmp_path):
    c = load_config({"flags": {"si_flag_pct": 20.0}, "pairs": {"bilateral": [["L Bic", "R Bic"]], "exclude": ["Trig"]},
                     "onset": {"baseline": [0.0, 1.5], "h": 5}})
    text = c.to_toml()
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    back = load_config(path)
    assert back == c and back.digest() == c.digest() != Config().digest()
    assert back.pairs.bilateral == (("L Bic", "R Bic"),) and back.onset.baseline == (0.0, 1.5)
    assert back.onset.options() == {"h": 5.0}
    assert load_config(tomllib.loads(Config().to_toml(comments=False))) == Config()
    assert "# notch_hz = (not set)" in text


def test_changed_threshold_gets_user_source():
    c = load_config({"flags": {"si_flag_pct": 20}})
    assert c.flags.si_flag_pct == 20.0 and c.flags.si_flag_source.startswith("user setting")
    c2 = load_config({"flags": {"si_flag_pct": 20, "si_flag_source": "our lab"}})
    assert c2.flags.si_flag_source == "our lab"
    assert load_config({"flags": {"si_flag_pct": 15}}).flags.si_flag_source == Config().flags.si_flag_source
    assert Config().replace(flags={"timing_ms": 30}).flags.timing_source.startswith("user setting")


def test_unknown_keys_suggest_the_nearest(tmp_path):
    with pytest.raises(InvalidInputError, match=r"unknown key 'si_flagpct' in \[flags\] \(did you mean 'si_flag_pct'\?\)"):
        load_config({"flags": {"si_flagpct": 20}})
    with pytest.raises(InvalidInputError, match=r"unknown section \[filter\] \(did you mean 'filters'\?\)"):
        load_config({"filter": {}})
    path = tmp_path / "bad.toml"
    path.write_text("[envelope]\ncutof_hz = 5\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"bad.toml: unknown key 'cutof_hz'.*'cutoff_hz'"):
        load_config(path)


@pytest.mark.parametrize(
    "doc, message",
    [
        ({"envelope": {"method": "rsm"}}, r"envelope.method must be one of 'linear', 'rms', got 'rsm' \(did you mean 'rms'\?\)"),
        ({"filters": {"low_hz": -5}}, "filters.low_hz must be > 0"),
        ({"filters": {"order": 2.5}}, "whole number"),
        ({"filters": {"low_hz": "20"}}, "must be a number"),
        ({"pairs": {"auto": "yes"}}, "true or false"),
        ({"pairs": {"bilateral": [["A"]]}}, r"list of \[channel, channel\]"),
        ({"filters": {"low_hz": 500}}, "must be above filters.low_hz"),
        ({"flags": {"si_notice_pct": 20}}, "must be at least flags.si_notice_pct"),
        ({"onset": {"baseline": [2.0, 1.0]}}, "start_s < stop_s"),
        ({"cycles": {"n_points": 1}}, ">= 2"),
    ],
)
def test_bad_values(doc, message):
    with pytest.raises(InvalidInputError, match=message):
        load_config(doc)


def test_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "x.toml"
    bad.write_text("[flags\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(InvalidInputError, match="a TOML path, a dict or a Config"):
        load_config(42)
