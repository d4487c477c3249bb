"""Channel maps: the file and inline forms, relabelling Recordings and open files, and every bad-input case."""

import tomllib

import numpy as np
import pytest

import emgkit
from emgkit.channel_kinds import classify
from emgkit.channel_map import (MapEntry, as_channel_map, build_channel_map, load_channel_map,
                                parse_channel_option, propose_map, relabel)
from emgkit.errors import FileFormatError, InvalidInputError

NAMES = ["CH1 Raw", "CH2 Raw", "Trig", "Aux"]


@pytest.fixture
def rec(rng):
    return emgkit.Recording(rng.normal(size=(4, 3000)), 1000.0, NAMES, meta={"subject": "s1"})


def write(tmp_path, text, name="channels.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the inline form ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, muscle, side", [
    ("L quadriceps", "quadriceps", "L"), ("quadriceps L", "quadriceps", "L"), ("left quads", "quadriceps", "L"),
    ("R-Tri", "triceps_brachii", "R"), ("rectus femoris", "rectus_femoris", None), ("Biceps right", "biceps_brachii", "R"),
])
def test_inline_muscle_and_side(spec, muscle, side):
    entry = parse_channel_option(f"CH1 Raw={spec}").entries["CH1 Raw"]
    assert (entry.muscle, entry.side, entry.kind, entry.drop) == (muscle, side, None, False)


def test_inline_kinds_exclusion_and_names_with_equals():
    assert parse_channel_option("Trig=trigger").entries["Trig"] == MapEntry(kind="trigger")
    assert parse_channel_option("FSW=Footswitch").entries["FSW"] == MapEntry(kind="trigger")
    assert parse_channel_option("K=gonio").entries["K"] == MapEntry(kind="angle")
    assert parse_channel_option("Aux = Exclude").entries["Aux"] == MapEntry(drop=True)
    assert parse_channel_option("a=b=L TA").entries == {"a=b": MapEntry(muscle="tibialis_anterior", side="L")}


@pytest.mark.parametrize("text, message", [
    ("CH1 Raw", "expected NAME=MUSCLE"),
    ("=L quadriceps", "expected NAME=MUSCLE"),
    ("CH1 Raw=", "expected NAME=MUSCLE"),
    ("CH1 Raw=L quadricepz", "unknown muscle 'quadricepz' for channel 'CH1 Raw' \\(did you mean 'quadriceps'\\?\\)"),
    ("CH1 Raw=triger", "'triger' is neither a muscle nor a kind \\(did you mean 'trigger'\\?\\)"),
    ("CH1 Raw=acel", "'acel' is neither a muscle nor a kind \\(did you mean 'accelerometer'\\?\\)"),
    ("CH1 Raw=excluded", "did you mean 'exclude'"),
    ("CH1 Raw=xyzzy", "unknown muscle 'xyzzy'"),
])
def test_inline_errors(text, message):
    with pytest.raises(InvalidInputError, match=message):
        parse_channel_option(text)


# -- the file ----------------------------------------------------------------------------------------------------
def test_file_with_every_key(tmp_path):
    path = write(tmp_path, '[options]\nfs = 2000\n\n[defaults]\nside = "right"\n\n'
                           '[channels."CH1 Raw"]\nmuscle = "quads"\nside = "L"\nname = "L quad"\n\n'
                           '[channels.Trig]\nkind = "trigger"\n\n[channels.Aux]\ndrop = true\n')
    cmap = load_channel_map(path)
    assert cmap.options == {"fs": 2000} and cmap.default_side == "R" and cmap.source == "channels.toml"
    assert cmap.entries == {"CH1 Raw": MapEntry(muscle="quadriceps", side="L", name="L quad"),
                            "Trig": MapEntry(kind="trigger"), "Aux": MapEntry(drop=True)}


@pytest.mark.parametrize("text, message", [
    ('[channels."CH1 Raw"]\nkind = "trg"\n', "kind 'trg' for channel 'CH1 Raw' is not one of .*did you mean 'trigger'"),
    ('[channels."CH1 Raw"]\nmuscle = "bicep brachi"\n', "unknown muscle 'bicep brachi'.*did you mean 'biceps_brachii'"),
    ('[channels.Aux]\ndrop = true\nmuscle = "quadriceps"\n', "'Aux' is both dropped and mapped"),
    ('[channels.Aux]\nname = ""\n', "name for channel 'Aux' must be a non-empty string"),
    ('[channels]\nAux = "L quadriceps"\n', "must be a table"),
    ('[defaults]\nmuscle = "x"\n', "unknown key\\(s\\) \\['muscle'\\] in \\[defaults\\]"),
    ("[channels\n", "not valid TOML"),
])
def test_file_errors(tmp_path, text, message):
    with pytest.raises(FileFormatError, match=message):
        load_channel_map(write(tmp_path, text))


def test_file_path_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="channel map not found"):
        load_channel_map(tmp_path / "none.toml")
    with pytest.raises(FileFormatError, match="is a folder"):
        load_channel_map(tmp_path)
    (tmp_path / "latin.toml").write_bytes(b'[channels."\xe9"]\ndrop = true\n')
    with pytest.raises(FileFormatError, match="not valid TOML"):
        load_channel_map(tmp_path / "latin.toml")


def test_file_and_inline_merge_field_by_field_and_contradictions_fail(tmp_path):
    path = write(tmp_path, '[channels."CH1 Raw"]\nmuscle = "quadriceps"\n')
    merged = build_channel_map(path, ['CH1 Raw=L quadriceps', "CH1 Raw=emg", "Trig=trigger", "Trig=trigger"])
    assert merged.entries == {"CH1 Raw": MapEntry(muscle="quadriceps", side="L", kind="emg"),
                              "Trig": MapEntry(kind="trigger")}
    assert merged.source == "channels.toml and --channel"
    assert build_channel_map(None, ()) is None
    with pytest.raises(InvalidInputError, match="channel 'CH1 Raw' is given side 'L' and 'R'"):
        build_channel_map(None, ["CH1 Raw=L quadriceps", "CH1 Raw=R quadriceps"])
    with pytest.raises(InvalidInputError, match="channels.toml and --channel.*given muscle 'quadriceps' and 'hamstrings'"):
        build_channel_map(path, ["CH1 Raw=hamstrings"])
    with pytest.raises(InvalidInputError, match="'Trig' is both dropped and mapped"):
        build_channel_map(None, ["Trig=trigger", "Trig=exclude"])


def test_python_mappings():
    cmap = as_channel_map({"CH1 Raw": "L quadriceps", "Trig": {"kind": "trigger"}, "Aux": "exclude"})
    assert cmap.entries["CH1 Raw"].muscle == "quadriceps" and cmap.entries["Aux"].drop
    with pytest.raises(InvalidInputError, match="channel mapping \\{'CH1 Raw': 'L quadricepz'\\}: unknown muscle"):
        as_channel_map({"CH1 Raw": "L quadricepz"})
    with pytest.raises(InvalidInputError, match="unknown key\\(s\\) \\['muscel'\\]"):
        as_channel_map({"CH1 Raw": {"muscel": "quadriceps"}})
    with pytest.raises(InvalidInputError, match="a channel map is a TOML file path"):
        as_channel_map(["CH1 Raw=L quadriceps"])
    assert as_channel_map(cmap) is cmap


def test_digest_follows_the_content():
    a = as_channel_map({"CH1 Raw": "L quadriceps"})
    assert a.digest() == as_channel_map({"CH1 Raw": "left quads"}).digest()
    assert a.digest() != as_channel_map({"CH1 Raw": "R quadriceps"}).digest()


# -- relabel -----------------------------------------------------------------------------------------------------
def test_relabel_a_recording(rec):
    new = relabel(rec, {"CH1 Raw": "L quadriceps", "CH2 Raw": "R quadriceps", "Trig": "trigger", "Aux": "exclude"})
    assert [(c.name, c.muscle, c.side, c.kind) for c in new.channels] == [
        ("CH1 Raw", "quadriceps", "L", None), ("CH2 Raw", "quadriceps", "R", None), ("Trig", None, None, "trigger")]
    np.testing.assert_array_equal(new.data, rec.data[:3])
    assert new.meta["channel_map"] == {"source": "mapping", "applied": ["Aux", "CH1 Raw", "CH2 Raw", "Trig"],
                                       "dropped": ["Aux"]}
    assert new.meta["subject"] == "s1" and rec.channel_names == NAMES and "channel_map" not in rec.meta
    assert [k.kind for k in classify(new)] == ["emg", "emg", "trigger"]


def test_relabel_renames_and_default_side(rec, tmp_path):
    path = write(tmp_path, '[defaults]\nside = "L"\n[channels."CH1 Raw"]\nname = "Biceps"\n'
                           '[channels."CH2 Raw"]\nname = "R Triceps"\n')
    new = relabel(rec, path)
    assert [(c.name, c.muscle, c.side) for c in new.channels][:2] == [("Biceps", "biceps_brachii", "L"),
                                                                       ("R Triceps", "triceps_brachii", "R")]
    assert new.channels[2].side == "L"  # the default side reaches every channel without one


@pytest.mark.parametrize("mapping, message", [
    ({"CH3 Raw": "L quadriceps"}, "names 'CH3 Raw' \\(did you mean 'CH[12] Raw'\\?\\), not a channel of the recording; "
                                  "its channels are 'CH1 Raw', 'CH2 Raw', 'Trig', 'Aux'"),
    ({"CH1 Raw": "L quadriceps", "CH2 Raw": "left quads"}, "channels 'CH1 Raw' and 'CH2 Raw' of the recording would both "
                                                           "be the left quadriceps"),
    ({"CH1 Raw": "quadriceps", "CH2 Raw": "quadriceps"}, "both be the quadriceps \\(give each its side"),
    ({"CH1 Raw": {"name": "Trig"}}, "gives two channels of the recording the name 'Trig'"),
    ({n: "exclude" for n in NAMES}, "drops every channel of the recording"),
    ({"CH1 Raw": "trigger", "CH2 Raw": "angle", "Trig": "trigger", "Aux": "exclude"},
     "leaves no EMG channel in the recording: 'CH1 Raw' \\(trigger\\), 'CH2 Raw' \\(angle\\), 'Trig' \\(trigger\\); "
     "dropped 'Aux'"),
])
def test_relabel_errors(rec, mapping, message):
    with pytest.raises(InvalidInputError, match=message):
        relabel(rec, mapping)


def test_relabel_missing_ignore_and_bad_arguments(rec):
    new = relabel(rec, {"CH9": "L quadriceps", "Trig": "trigger"}, missing="ignore")
    assert new.meta["channel_map"]["applied"] == ["Trig"]
    with pytest.raises(InvalidInputError, match="missing must be 'error' or 'ignore'"):
        relabel(rec, {"Trig": "trigger"}, missing="warn")
    with pytest.raises(InvalidInputError, match="relabel needs a Recording"):
        relabel(rec.data, {"Trig": "trigger"})


def test_a_map_label_existing_twice_in_the_file_is_no_contradiction(rng):
    """Two electrodes the file itself names alike are the file's business; the map only answers for what it sets."""
    rec = emgkit.Recording(rng.normal(size=(3, 500)), 1000.0, ["L Biceps 1", "L Biceps 2", "CH3"])
    assert relabel(rec, {"CH3": "R biceps"}).channels[2].side == "R"


def test_relabel_an_open_file_reads_only_kept_channels(rec, tmp_path):
    path = emgkit.write(rec, tmp_path / "r.h5")
    cmap = {"CH1 Raw": "L quadriceps", "Aux": "exclude", "Trig": "trigger"}
    handle = emgkit.open(path)
    mapped = relabel(handle, cmap)
    assert mapped.channel_names == ["CH1 Raw", "CH2 Raw", "Trig"] and mapped.n_samples == rec.n_samples
    part = mapped.read(channels=["Trig", "CH1 Raw"], start=1.0, stop=1.5)
    np.testing.assert_array_equal(part.data, rec.data[[2, 0], 1000:1500])
    assert part.channels[1].muscle == "quadriceps" and part.meta["channel_map"]["dropped"] == ["Aux"]
    blocks = list(mapped.iter_chunks(1.0, 0.1))
    assert len(blocks) == 3 and blocks[1][1].data.shape == (3, 1200)
    mapped.close()
    assert handle.closed


def test_read_and_open_take_a_channel_map(rec, tmp_path):
    path = emgkit.write(rec, tmp_path / "r.h5")
    got = emgkit.read(path, channel_map={"Trig": "trigger", "Aux": "exclude"}, channels=["Trig"], start=0.5)
    assert got.channels[0].kind == "trigger" and got.n_samples == 2500
    with emgkit.open(path, channel_map={"CH1 Raw": "L rf"}) as f:
        assert f.channels[0].muscle == "rectus_femoris"
    with pytest.raises(InvalidInputError, match="names 'Nope'"):
        emgkit.read(path, channel_map={"Nope": "trigger"})
    with pytest.raises(InvalidInputError, match="unknown channel\\(s\\) 'Aux'"):
        emgkit.read(path, channel_map={"Aux": "exclude"}, channels=["Aux"])


def test_map_options_reach_the_readers_that_take_them(tmp_path, rng):
    x = rng.normal(size=(2, 800))
    text = tmp_path / "t.txt"
    text.write_text("\n".join("\t".join(f"{v:.5f}" for v in row) for row in x.T))
    cmap = write(tmp_path, '[options]\nfs = 800\n[channels.ch2]\nkind = "trigger"\n')
    got = emgkit.read(text, channel_map=cmap)
    assert got.fs == 800.0 and got.channels[1].kind == "trigger"
    native = emgkit.write(emgkit.Recording(x, 500.0, ["ch1", "ch2"]), tmp_path / "n.h5")
    assert emgkit.read(native, channel_map=cmap).fs == 500.0  # a native file takes no fs: the option is left out


def test_declared_kind_survives_native_files(rec, tmp_path):
    new = relabel(rec, {"Trig": "trigger", "CH1 Raw": "L quadriceps"})
    back = emgkit.read(emgkit.write(new, tmp_path / "k.h5"))
    assert [(c.muscle, c.side, c.kind) for c in back.channels] == [(c.muscle, c.side, c.kind) for c in new.channels]


# -- proposals ------------------------------------------------------------------------------------------------------
def test_proposed_map_covers_unnamed_emg_and_loads_unchanged(tmp_path, rng):
    from emgkit.datasets import simulate

    emg = simulate(n_reps=3, fs=1000, muscles=("biceps_brachii",), sides=("L", "R"), seed=0)
    trig = np.where(np.arange(emg.n_samples) % 4000 < 100, 5.0, 0.0)
    names = ['CH1 "Raw"\x1b[2J', "Bicepz", "Trig"]
    rec = emgkit.Recording(np.vstack([emg.data, trig]), 1000, names)
    text = propose_map(rec.channels, classify(rec))
    assert "\x1b" not in text and "Trig" not in text
    doc = tomllib.loads(text)
    assert set(doc["channels"]) == {names[0], "Bicepz"} and doc["channels"][names[0]] == {}
    assert "closest known muscle to the label: biceps_brachii" in text
    assert relabel(rec, write(tmp_path, text)).channels == rec.channels  # commented suggestions change nothing
    named = emgkit.Recording(emg.data, 1000, ["L Biceps", "R Biceps"])
    assert propose_map(named.channels, classify(named)) is None
