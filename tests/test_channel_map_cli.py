"""Channel kinds and maps on the command line: info, convert, onsets and batch round trips (subprocess)."""

import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest

import emgkit
from emgkit.datasets import simulate

ESC = "\x1b"


def run(*args, cwd=None):
    res = subprocess.run([sys.executable, "-m", "emgkit.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert "Traceback" not in res.stderr, res.stderr
    return res


def one_error_line(res, command, code=2):
    assert res.returncode == code, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"emgkit {command}: "), res.stderr
    assert ESC not in res.stderr
    return lines[0]


def game_recording(seed=0):
    """A rehabilitation-game style recording: two raw EMG channels with unnamed labels and the device's on/off channels."""
    emg = simulate(n_reps=4, fs=1000, muscles=("quadriceps",), sides=("L", "R"), lr_ratio=0.8, seed=seed)
    on = []
    for x in emg.data:
        env = np.sqrt(np.convolve(x**2, np.ones(100) / 100, mode="same"))
        on.append(np.where(env > 0.3 * env.max(), 1.0, 0.0))
    return emgkit.Recording(np.vstack([emg.data, on]), 1000.0, ["CH1 Raw", "CH2 Raw", "CH1 Act", "CH2 Act"])


@pytest.fixture(scope="module")
def game(tmp_path_factory):
    ezc3d = pytest.importorskip("ezc3d")
    rec = game_recording()
    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [100.0]
    c["parameters"]["POINT"]["LABELS"]["value"] = ["M1"]
    c["parameters"]["ANALOG"]["RATE"]["value"] = [rec.fs]
    c["parameters"]["ANALOG"]["LABELS"]["value"] = rec.channel_names
    c.add_parameter("ANALOG", "UNITS", ["V"] * rec.n_channels)
    points = np.zeros((4, 1, rec.n_samples // 10))
    points[3] = 1
    c["data"]["points"] = points
    c["data"]["analogs"] = rec.data[np.newaxis]
    del c["data"]["rotations"]
    path = tmp_path_factory.mktemp("game") / "game.c3d"
    c.write(str(path))
    return path


def test_info_lists_kinds_and_proposes_a_map(game, tmp_path):
    res = run("info", game)
    assert res.returncode == 0, res.stderr
    rows = {line.split()[0] + " " + line.split()[1]: line for line in res.stdout.splitlines() if line.startswith("  CH")}
    assert rows["CH1 Raw"].split()[2] == "emg" and rows["CH2 Raw"].split()[2] == "emg"
    assert rows["CH1 Act"].split()[2] == "processed" and "follow the activity of 'CH1 Raw'" in rows["CH1 Act"]
    assert "2 EMG channel(s) without a muscle or side (CH1 Raw, CH2 Raw)" in res.stdout
    proposal = run("info", game, "--propose-map")
    assert proposal.returncode == 0
    doc = tomllib.loads(proposal.stdout)
    assert set(doc["channels"]) == {"CH1 Raw", "CH2 Raw"}
    edited = tmp_path / "channels.toml"
    edited.write_text(proposal.stdout.replace('# muscle = ""', 'muscle = "quadriceps"')
                      .replace('# side = "L"', 'side = "L"', 1).replace('# side = "L"', 'side = "R"', 1))
    mapped = run("info", game, "--map", edited)
    assert mapped.returncode == 0, mapped.stderr
    assert "quadriceps; " in mapped.stdout and "without a muscle" not in mapped.stdout


def test_info_inline_map_and_declared_kinds(game):
    res = run("info", game, "--channel", "CH1 Raw=L quadriceps", "--channel", "CH2 Raw=R quadriceps",
              "--channel", "CH1 Act=trigger", "--channel", "CH2 Act=exclude")
    assert res.returncode == 0, res.stderr
    assert "CH2 Act" not in res.stdout and "declared trigger (channel map)" in res.stdout
    assert run("info", game, "--propose-map", "--channel", "CH1 Raw=L quads", "--channel",
               "CH2 Raw=R quads").stdout.startswith("# every EMG channel")


@pytest.mark.parametrize("args, message", [
    (["--channel", "CH3 Raw=L quadriceps"], "names 'CH3 Raw' (did you mean 'CH"),
    (["--channel", "CH1 Raw=L quadricepz"], "unknown muscle 'quadricepz' for channel 'CH1 Raw' (did you mean 'quadriceps'?)"),
    (["--channel", "CH1 Raw=L quadriceps", "--channel", "CH1 Raw=R quadriceps"], "is given side 'L' and 'R'"),
    (["--channel", "CH1 Raw=L quadriceps", "--channel", "CH2 Raw=left quads"], "would both be the left quadriceps"),
    (["--channel", "CH1 Raw=exclude", "--channel", "CH2 Raw=exclude", "--channel", "CH1 Act=processed",
      "--channel", "CH2 Act=processed"], "leaves no EMG channel"),
    (["--channel", "CH1 Raw"], "expected NAME=MUSCLE"),
    (["--map", "missing.toml"], "channel map not found: missing.toml"),
])
def test_info_bad_maps_are_one_line(game, tmp_path, args, message):
    line = one_error_line(run("info", game, *args, cwd=tmp_path), "info")
    assert message in line


def test_bad_map_file_is_one_line(game, tmp_path):
    bad = tmp_path / "m.toml"
    bad.write_text('[channels."CH1 Raw"]\nkind = "spring"\n')
    assert "kind 'spring' for channel 'CH1 Raw' is not one of" in one_error_line(run("info", game, "--map", bad), "info")


def test_hostile_channel_names_are_escaped(tmp_path, rng):
    rec = emgkit.Recording(rng.normal(size=(2, 3000)), 1000.0, [f"CH1{ESC}[2J", "L Biceps"])
    path = emgkit.write(rec, tmp_path / "h.h5")
    res = run("info", path)
    assert res.returncode == 0 and ESC not in res.stdout and "CH1\\x1b[2J" in res.stdout
    assert ESC not in run("info", path, "--propose-map").stdout
    line = one_error_line(run("info", path, "--channel", "CH1=L quadriceps"), "info")
    assert "\\x1b" in line  # the suggestion names the hostile channel, escaped


def test_convert_with_inline_map(game, tmp_path):
    res = run("convert", game, "--out", tmp_path / "out", "--channel", "CH1 Raw=L quadriceps",
              "--channel", "CH2 Raw=R quadriceps", "--channel", "CH1 Act=processed", "--channel", "CH2 Act=exclude")
    assert res.returncode == 0, res.stderr
    assert "CH1 Act" in res.stdout and "(processed, declared by the map)" in res.stdout
    back = emgkit.read(tmp_path / "out" / "game.h5")
    assert [(c.name, c.muscle, c.side, c.kind) for c in back.channels] == [
        ("CH1 Raw", "quadriceps", "L", None), ("CH2 Raw", "quadriceps", "R", None), ("CH1 Act", None, None, "processed")]
    bad = run("convert", game, "--out", tmp_path / "out2", "--channel", "CH1 Raw=triger")
    assert "did you mean 'trigger'" in one_error_line(bad, "convert")


def test_onsets_leave_out_channels_the_map_declares_not_emg(game):
    res = run("onsets", game, "--channel", "CH1 Raw=L quadriceps", "--channel", "CH2 Raw=R quadriceps",
              "--channel", "CH1 Act=processed", "--channel", "CH2 Act=processed")
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(__import__("io").StringIO(res.stdout))
    assert set(table["channel"]) == {"CH1 Raw", "CH2 Raw"} and set(table["muscle"]) == {"quadriceps"}
    assert "left out (declared not EMG): CH1 Act (processed), CH2 Act (processed)" in res.stderr
    line = one_error_line(run("onsets", game, "--channel", "CH9=L quads"), "onsets")
    assert "names 'CH9'" in line


def test_batch_passes_the_map_to_every_recording(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for seed in (1, 2):
        emgkit.write(game_recording(seed), data / f"s{seed}.h5")
    cmap = tmp_path / "channels.toml"
    cmap.write_text('[channels."CH1 Raw"]\nmuscle = "quadriceps"\nside = "L"\n'
                    '[channels."CH2 Raw"]\nmuscle = "quadriceps"\nside = "R"\n'
                    '[channels."CH1 Act"]\nkind = "processed"\n[channels."CH2 Act"]\nkind = "processed"\n')
    out = tmp_path / "out"
    res = run("batch", data, "--out", out, "--workers", "1", "--map", cmap, "-q")
    assert res.returncode == 0, res.stderr
    for seed in (1, 2):
        channels = pd.read_csv(out / f"s{seed}.h5" / "channels.csv")
        mapped = channels.set_index("channel").loc[["CH1 Raw", "CH2 Raw"]]
        assert list(mapped["muscle"]) == ["quadriceps", "quadriceps"] and list(mapped["side"]) == ["L", "R"]
    clash = run("batch", data, "--out", out, "--map", cmap, "--channel", "CH2 Act=exclude")
    assert "'CH2 Act' is both dropped and mapped" in one_error_line(clash, "batch", code=2)
    cmap.write_text(cmap.read_text().replace('[channels."CH2 Act"]\nkind = "processed"\n', ""))
    again = run("batch", data, "--out", out, "--workers", "1", "--map", cmap, "--channel", "CH2 Act=exclude", "-q")
    assert again.returncode == 0, again.stderr  # another map: the results are out of date and redone
    assert "CH2 Act" not in set(pd.read_csv(out / "s1.h5" / "channels.csv")["channel"])
    usage = run("batch", data, "--out", out, "--channel", "CH1 Raw=L quadricepz")
    assert "usage error: channel map:" in one_error_line(usage, "batch", code=2)
    missing = run("batch", data, "--out", tmp_path / "out2", "--workers", "1", "--channel", "CH9=L quads", "-q")
    assert missing.returncode == 1
    failures = pd.read_csv(tmp_path / "out2" / "failures.csv")
    assert len(failures) == 2 and failures["message"].str.contains("names 'CH9'").all()
