"""emgkit convert: native HDF5 outputs, channel maps, refusal to overwrite inputs, the CLI hook."""

import argparse
from pathlib import Path

import numpy as np
import pytest

import emgkit
from emgkit.channel_map import load_channel_map, relabel
from emgkit.convert import add_convert_parser, convert, format_report
from emgkit.errors import FileFormatError, InvalidInputError

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"real recordings not available: {DATA} is missing")


def _csv(path, x, names=("L Biceps (mV)", "R Biceps (mV)"), fs=1000):
    rows = "\n".join(",".join(f"{v:.6f}" for v in col) for col in x.T)
    path.write_text(f"# Sampling rate: {fs}\n" + ",".join(names) + "\n" + rows + "\n")
    return path


def _cli(argv):
    parser = argparse.ArgumentParser(prog="emgkit")
    add_convert_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


def test_convert_text_to_native_hdf5(tmp_path, rng):
    x = rng.normal(0, 0.5, (2, 1500))
    src = _csv(tmp_path / "curl.csv", x)
    results = convert([src], tmp_path / "out")
    (r,) = results
    assert r.ok and r.output == tmp_path / "out" / "curl.h5"
    assert r.channels == [("L Biceps", "biceps_brachii", "L"), ("R Biceps", "biceps_brachii", "R")]
    back = emgkit.read(r.output)
    assert back.fs == 1000.0 and back.unit == "mV" and back.channel_names == ["L Biceps", "R Biceps"]
    np.testing.assert_allclose(back.data, np.round(x, 6), atol=1e-12)
    assert back.meta["source"]["file"] == "curl.csv"
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temporary files left
    report = format_report(results)
    assert "L Biceps  biceps_brachii" in report and "converted 1 of 1 file(s)" in report


@needs_data
@pytest.mark.shared_data
def test_convert_c3d_keeps_events_and_start(tmp_path):
    pytest.importorskip("ezc3d")
    src = DATA / "c3d_bilateral_gait" / "PiG_Motion-FlatFoot-Full.c3d"
    (r,) = convert(src, tmp_path)
    assert r.ok and r.n_events == 12 and len(r.channels) == 10
    back = emgkit.read(r.output)
    original = emgkit.read(src)
    np.testing.assert_array_equal(back.data, original.data)
    assert back.meta["start_s"] == pytest.approx(1.47) and back.meta["events"] == original.meta["events"]


def test_channel_map_renames_drops_sets_sides_and_options(tmp_path, rng):
    x = rng.normal(0, 1, (3, 600))
    src = tmp_path / "plain.txt"
    src.write_text("\n".join("\t".join(f"{v:.4f}" for v in col) for col in x.T))
    cmap = tmp_path / "map.toml"
    cmap.write_text(
        '[options]\nfs = 600\n\n[defaults]\nside = "R"\n\n'
        '[channels.ch1]\nname = "L DELT ANT"\nmuscle = "anterior deltoid"\nside = "L"\n\n'
        '[channels.ch2]\nmuscle = "pec"\n\n[channels.ch3]\ndrop = true\n\n[channels.nowhere]\ndrop = true\n'
    )
    (r,) = convert(src, tmp_path / "out", channel_map=cmap)
    assert r.ok, r.error
    assert r.channels == [("L DELT ANT", "deltoid_anterior", "L"), ("ch2", "pectoralis_major", "R")]
    assert r.dropped == ["ch3"] and r.map_unmatched == ["nowhere"]
    back = emgkit.read(r.output)
    assert back.fs == 600.0
    assert back.meta["channel_map"] == {"source": "map.toml", "applied": ["ch1", "ch2", "ch3"], "dropped": ["ch3"]}
    np.testing.assert_allclose(back.data, np.round(x[:2], 4), atol=1e-12)
    assert "map entries that matched no channel: nowhere" in format_report([r])


def test_bad_channel_maps(tmp_path):
    cases = {
        "[channels.a]\nmuscel = 'x'\n": "unknown key\\(s\\) \\['muscel'\\] for channel 'a'",
        "[channel.a]\nside = 'L'\n": "unknown table\\(s\\) \\['channel'\\]",
        "[channels.a]\nside = 'up'\n": "channel 'a': side must be 'L', 'R' or None",
        "[channels.a]\ndrop = 'yes'\n": "drop for channel 'a' must be true or false",
        "[defaults]\nside = 'middle'\n": "\\[defaults\\] side must be",
        "[channels\n": "not valid TOML",
    }
    for k, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"m{k}.toml"
        path.write_text(text)
        with pytest.raises(FileFormatError, match=message):
            load_channel_map(path)
    with pytest.raises(FileNotFoundError, match="channel map not found"):
        load_channel_map(tmp_path / "missing.toml")


def test_never_overwrites_inputs_and_respects_existing_outputs(tmp_path, rng):
    x = rng.normal(0, 1, (2, 500))
    rec = emgkit.Recording(x, 1000, ["L TA", "R TA"])
    native = tmp_path / "trial.h5"
    emgkit.write(rec, native)
    before = native.read_bytes()
    with pytest.raises(InvalidInputError, match="is an input file; emgkit never overwrites its inputs"):
        convert([native], tmp_path, overwrite=True)
    assert native.read_bytes() == before
    out = tmp_path / "out"
    (first,) = convert([native], out)
    assert first.ok
    (again,) = convert([native], out)
    assert not again.ok and "OutputExistsError" in again.error and "--overwrite" in again.error
    (forced,) = convert([native], out, overwrite=True)
    assert forced.ok
    np.testing.assert_array_equal(emgkit.read(forced.output).data, x)


def test_repeated_names_need_tree_and_failures_do_not_stop_others(tmp_path, rng):
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        _csv(tmp_path / sub / "trial.csv", rng.normal(0, 1, (2, 300)))
    inputs = [tmp_path / "a" / "trial.csv", tmp_path / "b" / "trial.csv"]
    with pytest.raises(InvalidInputError, match="would both be written to .*trial.h5; pass tree=True"):
        convert(inputs, tmp_path / "out")
    results = convert(inputs, tmp_path / "out", tree=True)
    assert [r.output.relative_to(tmp_path / "out").as_posix() for r in results] == ["a/trial.h5", "b/trial.h5"]
    broken = tmp_path / "broken.csv"
    broken.write_text("words only, no numbers\n")
    good = _csv(tmp_path / "good.csv", rng.normal(0, 1, (2, 300)))
    results = convert([broken, good], tmp_path / "out2")
    assert [r.ok for r in results] == [False, True]
    assert "FileFormatError" in results[0].error and not (tmp_path / "out2" / "broken.h5").exists()
    with pytest.raises(InvalidInputError, match="is a folder"):
        convert([tmp_path / "a"], tmp_path / "out3")


def test_channel_map_refuses_to_drop_everything(rng):
    rec = emgkit.Recording(rng.normal(size=(1, 10)), 100, ["L TA"])
    with pytest.raises(InvalidInputError, match="drops every channel"):
        relabel(rec, {"L TA": {"drop": True}})


def test_cli_convert_prints_report_and_exit_codes(tmp_path, rng, capsys):
    src = tmp_path / "plain.txt"
    src.write_text("\n".join(f"{a:.4f},{b:.4f}" for a, b in rng.normal(0, 1, (400, 2))))
    code = _cli(["convert", str(src), "--out", str(tmp_path / "out"), "--fs", "800", "--option", "unit=mV"])
    printed = capsys.readouterr().out
    assert code == 0 and "plain.h5: 2 channels, 800 Hz" in printed and "no muscle recognised" in printed
    assert emgkit.read(tmp_path / "out" / "plain.h5").unit == "mV"
    code = _cli(["convert", str(src), "--out", str(tmp_path / "out")])
    assert code == 2 and "FAILED" in capsys.readouterr().out  # every input refused: exit 2 (some: 1)
    with pytest.raises(SystemExit):
        _cli(["convert", str(src), "--out", str(tmp_path), "--option", "novalue"])
