"""``emgkit onsets``: the handler and parser the lead wires into emgkit/cli.py."""

import argparse
import subprocess
import sys

import pandas as pd
import pytest

import emgkit
from emgkit.activation import METHODS
from emgkit.activation.cli import METHOD_CHOICES, add_onsets_parser, cli_onsets, parse_option
from emgkit.errors import InvalidInputError, OutputExistsError


def parser():
    p = argparse.ArgumentParser(prog="emgkit")
    add_onsets_parser(p.add_subparsers(dest="command"))
    return p


@pytest.fixture
def recording_file(tmp_path):
    from emgkit.datasets.simulate import simulate

    rec = simulate(n_reps=3, muscles=["biceps_brachii"], sides=["L", "R"], ramp_s=0.0, snr_db=25, fs=1000, seed=2)
    path = tmp_path / "trial.h5"
    emgkit.write(rec, path)
    return path, rec


def test_choices_match_the_methods():
    assert set(METHOD_CHOICES) == set(METHODS)


def test_onsets_writes_the_burst_table(recording_file, tmp_path, capsys):
    path, rec = recording_file
    out = tmp_path / "bursts.csv"
    args = parser().parse_args(["onsets", str(path), "--out", str(out), "--set", "min_gap_ms=80"])
    assert args.func is cli_onsets and cli_onsets(args) == 0
    table = pd.read_csv(out)
    assert list(table.columns[:7]) == ["channel", "muscle", "side", "burst", "onset_s", "offset_s", "duration_s"]
    assert len(table) == 6 and set(table["channel"]) == set(rec.channel_names)
    truth = rec.meta["truth"]["channels"]["L biceps_brachii"]["bursts"]
    left = table[table["channel"] == "L biceps_brachii"]
    assert left["onset_s"].sub([b[0] for b in truth]).abs().max() < 0.02
    err = capsys.readouterr().err
    assert "L biceps_brachii: 3 bursts" in err and f"wrote {out}" in err
    with pytest.raises(OutputExistsError, match="pass --overwrite"):
        cli_onsets(args)
    assert cli_onsets(parser().parse_args(["onsets", str(path), "--out", str(out), "--overwrite"])) == 0


def test_onsets_prints_csv_with_baseline_and_channels(recording_file, capsys):
    path, _ = recording_file
    args = parser().parse_args(["onsets", str(path), "--method", "hodges", "--baseline", "0.2", "1.8",
                                "--channels", "R biceps_brachii"])
    assert cli_onsets(args) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert lines[0].startswith("channel,muscle,side,burst,onset_s") and len(lines) == 4
    assert "given rest 0.200-1.800 s" in captured.err


def test_parse_option():
    assert parse_option("h=6") == ("h", 6)
    assert parse_option("lowpass_hz=37.5") == ("lowpass_hz", 37.5)
    assert parse_option("band_hz=20,450") == ("band_hz", (20, 450))
    assert parse_option("track_s=None") == ("track_s", None)
    with pytest.raises(InvalidInputError, match="--set expects KEY=VALUE"):
        parse_option("h")
    with pytest.raises(InvalidInputError, match="'six' is not a number"):
        parse_option("h=six")


def test_unknown_option_reaches_the_user(recording_file):
    path, _ = recording_file
    with pytest.raises(InvalidInputError, match=r"unknown option\(s\) \['hh'\]"):
        cli_onsets(parser().parse_args(["onsets", str(path), "--set", "hh=3"]))


def test_importing_the_cli_module_is_light():
    code = ("import sys; import emgkit.activation.cli; "
            "print([m for m in ('numpy', 'numba', 'h5py', 'pandas', 'scipy') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
