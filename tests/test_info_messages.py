"""``emgkit info`` says precisely what is missing and what was not read, once per message (a new-user trial).

- unnamed EMG channels are grouped by what their label lacks: a side, a muscle, or both;
- the file's channels not read as EMG (a reader's exclusions, ``meta["aux"]``) are listed with kind and reason;
- a message that does not depend on a channel's samples (a too-low ``--fs``) is one line naming the channels;
- muscles are plain words in the text for people (``biceps brachii``), channel names stay as the file has them.
"""

import numpy as np
import pytest
from conftest import SHARED_DATA

import emgkit
from emgkit import Channel, cli
from emgkit.channel_kinds import ChannelKind
from emgkit.cli import _not_read_lines, _unnamed_lines

PIG = SHARED_DATA / "c3d_bilateral_gait" / "PiG_Motion-FlatFoot-Full.c3d"
UCI = SHARED_DATA / "uci_lower_limb" / "1Nsen.txt"


def info(capsys, *args) -> str:
    assert cli.main(["info", *map(str, args)]) == 0
    return capsys.readouterr().out


def needs(path):
    if not path.is_file():
        pytest.skip(f"real recording not available: {path} is missing (clone ../shared beside the repository)")
    return path


def emg(name):
    return ChannelKind(name, "emg", "broadband", "content")


def test_unnamed_channels_are_grouped_by_what_their_label_lacks():
    chans = [Channel("RF", muscle="rectus_femoris"), Channel("X1"), Channel("L3", side="L"),
             Channel("ST", muscle="semitendinosus"), Channel("Trig"), Channel("ok", muscle="soleus", side="R")]
    kinds = [emg("RF"), emg("X1"), emg("L3"), emg("ST"), ChannelKind("Trig", "trigger", "two levels", "content"),
             emg("ok")]
    assert _unnamed_lines(chans, kinds) == [
        '  1 EMG channel(s) without a muscle or side (X1): --channel "X1=L quadriceps" names one',
        '  2 EMG channel(s) without a side (RF, ST): --channel "RF=L rectus_femoris" names one',
        '  1 EMG channel(s) without a muscle (L3): --channel "L3=L quadriceps" names one; '
        "'emgkit info FILE --propose-map > channels.toml' writes a map to edit and pass with --map channels.toml",
    ]
    assert _unnamed_lines(chans[-1:], kinds[-1:]) == []


def test_channels_not_read_are_listed_by_kind_and_reason():
    meta = {"c3d": {"excluded": {"Fx1": "force-plate channel (FORCE_PLATFORM:CHANNEL)",
                                 "Pin 1": "generic numbered input, not identified as EMG",
                                 "Fz1": "force-plate channel (FORCE_PLATFORM:CHANNEL)",
                                 "Sync": "label word 'sync' names a trigger signal"}},
            "aux": {"knee_angle": {"data": np.zeros(3), "unit": "deg", "label": "FX", "note": "goniometer"}},
            "source": "not a dict of exclusions"}
    assert _not_read_lines(meta) == [
        "  5 more channel(s) in the file, not read as EMG (Python: emgkit.read(FILE, emg_only=False) reads them)",
        "    force         force-plate channel (FORCE_PLATFORM:CHANNEL): Fx1, Fz1",
        "    unknown       generic numbered input, not identified as EMG: Pin 1",
        "    trigger       label word 'sync' names a trigger signal: Sync",
        "    angle         kept beside the EMG as meta['aux']['knee_angle'] (deg): goniometer: FX",
    ]
    assert _not_read_lines({"source": {"format": "hdf5"}}) == []


def test_a_too_low_fs_is_said_once_for_all_channels(capsys, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "eight.txt"
    np.savetxt(path, rng.standard_normal((2000, 8)) * 0.1, header=" ".join(f"ch{i}" for i in range(1, 9)), comments="")
    out = info(capsys, path, "--fs", "100")
    said = [line for line in out.splitlines() if "too low for raw EMG" in line]
    assert said == ["  all 8 channels  unknown       fs 100 Hz is too low for raw EMG (the 10-450 Hz band lies above fs/2)"
                    " - is --fs right?"]


def test_measured_reasons_stay_one_line_per_channel(capsys, tmp_path):
    rec = emgkit.datasets.simulate(duration_s=10, fs=1000, seed=1)
    path = tmp_path / "sim.h5"
    emgkit.write(rec, path)
    out = info(capsys, path)
    rows = [line for line in out.splitlines() if "broadband like EMG" in line]
    assert [r.split()[:2] for r in rows] == [c.name.split() for c in rec.channels]


def test_muscles_are_plain_words_for_people(capsys):
    out = info(capsys, "sample:curls")
    kinds = [line for line in out.splitlines() if "broadband like EMG" in line]
    assert len(kinds) == 4 and all("biceps brachii;" in k or "triceps brachii;" in k for k in kinds)
    assert all(k.startswith(("  L ", "  R ")) and "_brachii " in k for k in kinds)  # the file's channel names as they are
    lines = out.rstrip().splitlines()
    header, table = lines[-5], lines[-4:]
    assert header.split()[:3] == ["channel", "muscle", "side"] and all(row.split()[2:4] in (["biceps", "brachii"], ["triceps", "brachii"]) for row in table)


def test_uci_lower_limb_lacks_only_the_side(capsys):
    """Real text file (UCI lower limb, one leg): SOURCE.md names the four muscles and says the side is not documented.
    Expected, written before the run: one line "4 EMG channel(s) without a side (RF, BF, VM, ST)", no "without a
    muscle"; the knee goniometer FX (deg) listed as an angle kept beside the EMG."""
    out = info(capsys, needs(UCI))
    assert "  4 EMG channel(s) without a side (RF, BF, VM, ST):" in out
    assert "without a muscle" not in out
    assert any(line.startswith("    angle         kept beside the EMG as meta['aux']['knee_angle'] (deg)")
               and line.endswith(": FX") for line in out.splitlines())


def test_pig_lists_the_force_plates_and_pins_it_did_not_read(capsys):
    """Real C3D (Vicon PiG): SOURCE.md says channels 0-11 are two force plates and 12-27 are Pin 1-16, not EMG.
    Expected, written before the run: 28 channels listed as not read, 12 of kind force, 16 Pins of kind unknown."""
    pytest.importorskip("ezc3d")
    out = info(capsys, needs(PIG))
    assert "  28 more channel(s) in the file, not read as EMG" in out
    force = next(line for line in out.splitlines() if line.startswith("    force "))
    pins = next(line for line in out.splitlines() if line.startswith("    unknown ") and "Pin 1," in line)
    assert len(force.split(": ")[-1].split(", ")) == 12 and "FORCE_PLATFORM:CHANNEL" in force
    assert pins.split(": ")[-1].split(", ") == [f"Pin {k}" for k in range(1, 17)]
    assert "without a muscle" not in out and "without a side" not in out


def test_missing_reader_package_names_both_install_forms(tmp_path, monkeypatch):
    """The C3D reader's message names the PyPI form and the form for a clone; both extras exist in pyproject.toml."""
    import sys
    import tomllib
    from pathlib import Path

    from emgkit.errors import MissingDependencyError
    from emgkit.formats._common import require

    monkeypatch.setitem(sys.modules, "ezc3d", None)
    with pytest.raises(MissingDependencyError) as err:
        require("ezc3d", "c3d", "C3D")
    assert 'pip install "emgkit[c3d]" (from PyPI) or pip install ".[c3d]" (in a clone' in str(err.value)
    root = Path(__file__).resolve().parents[1]
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(dep.startswith("ezc3d") for dep in extras["c3d"]) and any(dep.startswith("pyedflib") for dep in extras["edf"])
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert '`pip install ".[c3d]"`' in readme and '`pip install "emgkit[c3d]"`' in readme
    assert readme.index('pip install ".[c3d]"') > readme.index("pip install . && emgkit report sample:curls --out emgkit-demo")
